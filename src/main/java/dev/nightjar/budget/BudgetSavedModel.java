package dev.nightjar.budget;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.classification.LogisticRegressionModel;
import org.apache.spark.ml.feature.OneHotEncoderModel;
import org.apache.spark.ml.feature.SQLTransformer;
import org.apache.spark.ml.feature.StringIndexerModel;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.regression.LinearRegressionModel;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TString;

/**
 * Exports the three budget models of {@code train-budget} (Spark ML pipelines {@code range},
 * {@code chance}, {@code cpv}; see {@code budget.BudgetModels}) as one TensorFlow SavedModel. The
 * graph takes the raw columns of a {@code budget_features} row (what the online feature store
 * holds), derives the model inputs exactly like {@code BudgetModels.withInputs}, and applies the
 * fitted regressions (vector assembly, string indexing and one-hot encoding included) in double.
 *
 * <p>Signature {@value org.tensorflow.Signature#DEFAULT_KEY}:
 *
 * <ul>
 *   <li>inputs, DT_FLOAT [batch] each: {@link #FEATURES} (the {@code budget_features} columns;
 *       NaN stands for null in the nullable {@code past_*} columns) and {@value #BUDGET} (the
 *       candidate budget; its log is taken of {@code max(budget, 0.01)} as in {@code
 *       recommend-budget});
 *   <li>outputs, DT_FLOAT [batch]: {@value #RANGE_LOW}, {@value #RANGE_HIGH} (the range model's
 *       band {@code exp(prediction + residual quantile)}, for shops with campaign history;
 *       {@code recommend-budget} uses its cold-start range for the others) and {@value
 *       #CHANCE_OF_SALES} (the chance model's probability of a sale at that budget).
 * </ul>
 *
 * Signature {@value #CPV_SIGNATURE}: inputs {@code visitors_30d}, {@code days_30d}, {@code
 * past_campaigns}, {@code past_cpv_ln_mean} (DT_FLOAT) and {@value #COUNTRY}, {@value
 * #MAIN_CATEGORY} (DT_STRING [batch]; {@code ""} stands for null, i.e. {@code unknown}, since a
 * string tensor cannot hold a null: a non-null empty string, which Spark would index as unseen,
 * is read as null here); output {@value #COST_PER_VISITOR} DT_FLOAT [batch] = {@code exp(cpv
 * prediction)}. One graph serves both signatures ({@link dev.nightjar.budget.BudgetScorer} fetches
 * all four outputs in one run). The graph has no variables (the coefficients are constants), so
 * {@code variables/} stays empty.
 */
public final class BudgetSavedModel {
  /** The float inputs: columns of {@code budget_features}. */
  public static final List<String> FEATURES = List.of("days_30d", "visitors_30d", "orders_30d", "sales_30d",
      "ad_spend_avg_30d", "shop_age_days", "past_campaigns", "past_budget_ln_mean", "past_success_rate",
      "past_cpv_ln_mean");
  public static final String BUDGET = "budget";
  public static final String COUNTRY = "country";
  public static final String MAIN_CATEGORY = "main_category";
  public static final String RANGE_LOW = "range_low";
  public static final String RANGE_HIGH = "range_high";
  public static final String CHANCE_OF_SALES = "chance_of_sales";
  public static final String COST_PER_VISITOR = "cost_per_visitor";
  public static final String CPV_SIGNATURE = "cost_per_visitor";
  static final List<String> CPV_INPUTS = List.of("visitors_30d", "days_30d", "past_campaigns", "past_cpv_ln_mean");

  private static final Pattern BAND = Pattern.compile(
      "exp\\((\\w+) \\+ \\(([^)]+)\\)\\) AS (\\w+)");

  private BudgetSavedModel() {}

  /** Loads {@code range}, {@code chance} and {@code cpv} from {@code sparkModelDir} (needs a Spark session). */
  public static void export(String sparkModelDir, Path localDir) throws IOException {
    export(PipelineModel.load(sparkModelDir + "/range"), PipelineModel.load(sparkModelDir + "/chance"),
        PipelineModel.load(sparkModelDir + "/cpv"), localDir);
  }

  /** Writes the SavedModel into {@code localDir} (created; must not hold a SavedModel yet). */
  public static void export(PipelineModel range, PipelineModel chance, PipelineModel cpv, Path localDir)
      throws IOException {
    if (Files.exists(localDir.resolve("saved_model.pb"))) {
      throw new IOException("Expected no SavedModel in " + localDir + ", found " + localDir.resolve("saved_model.pb"));
    }
    Files.createDirectories(localDir);
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Map<String, Placeholder<TFloat32>> in = new LinkedHashMap<>();
      for (String f : FEATURES) {
        in.put(f, tf.withName(f).placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1))));
      }
      in.put(BUDGET, tf.withName(BUDGET).placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1))));
      Placeholder<TString> country = tf.withName(COUNTRY).placeholder(TString.class, Placeholder.shape(Shape.of(-1)));
      Placeholder<TString> category = tf.withName(MAIN_CATEGORY).placeholder(TString.class, Placeholder.shape(Shape.of(-1)));

      Columns cols = new Columns(tf);
      inputs(tf, in, country, category, cols);
      apply(tf, range, cols);
      apply(tf, chance, cols);
      apply(tf, cpv, cols);

      Operand<TFloat32> low = tf.withName(RANGE_LOW).dtypes.cast(cols.scalar("budget_low"), TFloat32.class);
      Operand<TFloat32> high = tf.withName(RANGE_HIGH).dtypes.cast(cols.scalar("budget_high"), TFloat32.class);
      Operand<TFloat32> p = tf.withName(CHANCE_OF_SALES).dtypes.cast(cols.scalar(probabilityCol(chance)), TFloat32.class);
      Operand<TFloat32> cost = tf.withName(COST_PER_VISITOR).dtypes.cast(
          tf.math.exp(cols.scalar(predictionCol(cpv))), TFloat32.class);

      Signature.Builder main = Signature.builder(Signature.DEFAULT_KEY).methodName("tensorflow/serving/predict");
      in.forEach(main::input);
      Signature serving = main.output(RANGE_LOW, low).output(RANGE_HIGH, high).output(CHANCE_OF_SALES, p).build();
      Signature.Builder c = Signature.builder(CPV_SIGNATURE).methodName("tensorflow/serving/predict");
      for (String f : CPV_INPUTS) {
        c.input(f, in.get(f));
      }
      Signature cpvSig = c.input(COUNTRY, country).input(MAIN_CATEGORY, category).output(COST_PER_VISITOR, cost).build();
      SavedModelBundle.exporter(localDir.toString()).withSession(s).withSignatures(serving, cpvSig).export();
    }
  }

  /** The graph's columns by name: double scalars [batch], vectors [batch, n] and strings [batch]. */
  private static final class Columns {
    final Ops tf;
    final Map<String, Operand<TFloat64>> scalars = new LinkedHashMap<>();
    final Map<String, Operand<TFloat64>> vectors = new LinkedHashMap<>();
    final Map<String, Operand<TString>> strings = new LinkedHashMap<>();
    final Map<String, Operand<TInt32>> indices = new LinkedHashMap<>();

    Columns(Ops tf) {
      this.tf = tf;
    }

    Operand<TFloat64> scalar(String name) {
      Operand<TFloat64> c = scalars.get(name);
      if (c == null) {
        throw new IllegalArgumentException("The budget model reads column " + name
            + ", which the SavedModel export cannot compute; it has " + scalars.keySet() + " " + vectors.keySet());
      }
      return c;
    }

    /** A scalar as a [batch, 1] matrix, or a vector column as it is. */
    Operand<TFloat64> matrix(String name) {
      Operand<TFloat64> v = vectors.get(name);
      return v != null ? v : tf.expandDims(scalar(name), tf.constant(1));
    }

    Operand<TString> string(String name) {
      Operand<TString> c = strings.get(name);
      if (c == null) {
        throw new IllegalArgumentException("The budget model reads string column " + name
            + ", which the SavedModel export cannot compute; it has " + strings.keySet());
      }
      return c;
    }
  }

  /**
   * The model inputs of {@code BudgetModels.withInputs}, as graph ops (the same formulas; the
   * parity test compares the two on the same rows).
   */
  private static void inputs(Ops tf, Map<String, Placeholder<TFloat32>> in, Operand<TString> country,
      Operand<TString> category, Columns cols) {
    Map<String, Operand<TFloat64>> d = new LinkedHashMap<>();
    in.forEach((k, v) -> d.put(k, tf.dtypes.cast(v, TFloat64.class)));
    Operand<TFloat64> one = tf.constant(1.0);
    Operand<TFloat64> days = tf.math.maximum(d.get("days_30d"), one);
    Operand<TFloat64> w = tf.math.div(d.get("past_campaigns"), tf.math.add(d.get("past_campaigns"), tf.constant(2.0)));
    Operand<TBool> cpvKnown = tf.math.logicalNot(tf.math.isNan(d.get("past_cpv_ln_mean")));
    Operand<TFloat64> cpvW = tf.select(cpvKnown, w, tf.zerosLike(w));
    Map<String, Operand<TFloat64>> s = cols.scalars;
    s.put("ln_visitors", tf.math.log1p(tf.math.div(d.get("visitors_30d"), days)));
    s.put("ln_conversion", tf.math.log(tf.math.div(tf.math.add(d.get("orders_30d"), one),
        tf.math.add(d.get("visitors_30d"), one))));
    s.put("ln_sales", tf.math.log1p(tf.math.div(d.get("sales_30d"), days)));
    s.put("ln_ad_spend", tf.math.log(tf.math.add(d.get("ad_spend_avg_30d"), tf.constant(0.1))));
    s.put("ln_age", tf.math.log1p(d.get("shop_age_days")));
    s.put("hist_w", w);
    s.put("hist_budget", tf.math.mul(nanToZero(tf, d.get("past_budget_ln_mean")), w));
    s.put("hist_success", tf.math.mul(nanToZero(tf, d.get("past_success_rate")), w));
    s.put("hist_cpv_w", cpvW);
    s.put("hist_cpv", tf.math.mul(nanToZero(tf, d.get("past_cpv_ln_mean")), cpvW));
    s.put("ln_budget", tf.math.log(tf.math.maximum(d.get(BUDGET), tf.constant(0.01))));
    Operand<TString> unknown = tf.constant("unknown");
    cols.strings.put("country_s", orUnknown(tf, country, unknown));
    cols.strings.put("category_s", orUnknown(tf, category, unknown));
  }

  private static Operand<TFloat64> nanToZero(Ops tf, Operand<TFloat64> x) {
    return tf.select(tf.math.isNan(x), tf.zerosLike(x), x);
  }

  private static Operand<TString> orUnknown(Ops tf, Operand<TString> x, Operand<TString> unknown) {
    Operand<TBool> empty = tf.math.equal(x, tf.constant(""));
    return tf.select(empty, tf.fill(tf.shape(x), unknown), x);
  }

  /** Applies a fitted pipeline's stages to the graph's columns. */
  private static void apply(Ops tf, Transformer t, Columns cols) {
    if (t instanceof PipelineModel p) {
      for (Transformer stage : p.stages()) {
        apply(tf, stage, cols);
      }
    } else if (t instanceof VectorAssembler a) {
      List<Operand<TFloat64>> parts = new ArrayList<>();
      for (String c : a.getInputCols()) {
        parts.add(cols.matrix(c));
      }
      cols.vectors.put(a.getOutputCol(), tf.concat(parts, tf.constant(1)));
    } else if (t instanceof LinearRegressionModel m) {
      cols.scalars.put(m.getPredictionCol(),
          margin(tf, cols.vectors.get(m.getFeaturesCol()), m.coefficients().toArray(), m.intercept()));
    } else if (t instanceof LogisticRegressionModel m) {
      if (m.numClasses() != 2) {
        throw new IllegalArgumentException("Expected a binary logistic regression, found " + m.numClasses() + " classes");
      }
      Operand<TFloat64> z = margin(tf, cols.vectors.get(m.getFeaturesCol()), m.coefficients().toArray(), m.intercept());
      Operand<TFloat64> one = tf.constant(1.0);
      cols.scalars.put(m.getProbabilityCol(), tf.math.div(one, tf.math.add(one, tf.math.exp(tf.math.neg(z)))));
    } else if (t instanceof StringIndexerModel m) {
      String[] inCols = m.getInputCols();
      String[] outCols = m.getOutputCols();
      String[][] labels = m.labelsArray();
      if (!"keep".equals(m.getHandleInvalid())) {
        throw new IllegalArgumentException("Expected StringIndexer handleInvalid=keep, found " + m.getHandleInvalid());
      }
      for (int i = 0; i < inCols.length; i++) {
        // The label's position, or the number of labels for an unseen value (handleInvalid=keep).
        Operand<TString> x = cols.string(inCols[i]);
        Operand<TString> l = tf.constant(StandardCharsets.UTF_8, labels[i].length == 0 ? new String[] {""} : labels[i]);
        Operand<TBool> eq = tf.math.equal(tf.expandDims(x, tf.constant(1)), tf.expandDims(l, tf.constant(0)));
        Operand<TInt32> hit = tf.dtypes.cast(eq, TInt32.class);
        Operand<TInt32> pos = tf.dtypes.cast(tf.math.argMax(hit, tf.constant(1)), TInt32.class);
        Operand<TBool> found = tf.any(eq, tf.constant(1));
        Operand<TInt32> idx = labels[i].length == 0 ? tf.zerosLike(pos) : pos;
        idx = tf.select(found, idx, tf.fill(tf.shape(idx), tf.constant(labels[i].length)));
        cols.indices.put(outCols[i], idx);
      }
    } else if (t instanceof OneHotEncoderModel m) {
      String[] inCols = m.getInputCols();
      String[] outCols = m.getOutputCols();
      int[] sizes = m.categorySizes();
      boolean keep = "keep".equals(m.getHandleInvalid());
      for (int i = 0; i < inCols.length; i++) {
        // Spark: an index beyond the configured size (the dropped last category) is all zeros, as is OneHot's.
        int size = sizes[i] + (keep ? 1 : 0) - (m.getDropLast() ? 1 : 0);
        Operand<TInt32> idx = cols.indices.get(inCols[i]);
        if (idx == null) {
          throw new IllegalArgumentException("OneHotEncoder input " + inCols[i] + " is not a string index column");
        }
        cols.vectors.put(outCols[i], tf.oneHot(idx, tf.constant(size), tf.constant(1.0), tf.constant(0.0)));
      }
    } else if (t instanceof SQLTransformer q) {
      Matcher mt = BAND.matcher(q.getStatement());
      int found = 0;
      while (mt.find()) {
        cols.scalars.put(mt.group(3), tf.math.exp(tf.math.add(cols.scalar(mt.group(1)),
            tf.constant(Double.parseDouble(mt.group(2).trim())))));
        found++;
      }
      if (found == 0) {
        throw new IllegalArgumentException("Expected the range band statement exp(COL + (X)) AS NAME, found: " + q.getStatement());
      }
    } else {
      throw new IllegalArgumentException("Cannot export pipeline stage " + t.getClass().getSimpleName() + " (" + t.uid() + ")");
    }
  }

  /** {@code features · coefficients + intercept}, summed in double. */
  private static Operand<TFloat64> margin(Ops tf, Operand<TFloat64> features, double[] coef, double intercept) {
    if (features == null) {
      throw new IllegalArgumentException("The regression's features column is not assembled");
    }
    Operand<TFloat64> dot = tf.sum(tf.math.mul(features, tf.expandDims(tf.constant(coef), tf.constant(0))), tf.constant(1));
    return tf.math.add(dot, tf.constant(intercept));
  }

  private static String probabilityCol(PipelineModel chance) {
    for (Transformer t : chance.stages()) {
      if (t instanceof LogisticRegressionModel m) {
        return m.getProbabilityCol();
      }
    }
    throw new IllegalArgumentException("Expected a logistic regression in the chance model, found "
        + java.util.Arrays.toString(chance.stages()));
  }

  private static String predictionCol(PipelineModel cpv) {
    for (Transformer t : cpv.stages()) {
      if (t instanceof LinearRegressionModel m) {
        return m.getPredictionCol();
      }
    }
    throw new IllegalArgumentException("Expected a linear regression in the cpv model, found "
        + java.util.Arrays.toString(cpv.stages()));
  }
}
