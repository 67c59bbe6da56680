package dev.nightjar.category;

import dev.nightjar.tables.Deterministic;
import dev.nightjar.taxonomy.Taxonomy;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hierarchical classification with Kesler's construction, in the spirit of Spark's {@code
 * OneVsRest} but with ONE binary logistic regression for all classes. This is the pointwise form
 * of the Shopify recipe: a product is expanded over candidate classes (see {@link
 * KeslerExpansion}); each term is prefixed with the class and hashed (see {@link
 * KeslerFeatures}); the row's label is 1 when the product's true category is that class or one of
 * its descendants.
 *
 * <p>Training streams: the products (not the expanded rows) are cached once, sorted in a seeded
 * random order; each epoch every partition runs AdaGrad over its products from the current model,
 * generating and hashing each product's rows while it computes the gradient; the partitions'
 * models are then averaged on the driver (iterative parameter mixing). Memory is the product data
 * plus one {@code 2 * numFeatures} float array per task, whatever the number of classes.
 */
public final class KeslerClassifier extends Estimator<KeslerModel> {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(KeslerClassifier.class);

  public static final String EXPANSION_SIBLINGS = "siblings";
  public static final String EXPANSION_FULL = "full";
  public static final String OBJECTIVE_POINTWISE = "pointwise";
  public static final String OBJECTIVE_SOFTMAX = "sibling-softmax";
  public static final String LOSS_LOGISTIC = "logistic";
  public static final String LOSS_HINGE = "hinge";
  public static final String REBALANCE_NONE = "none";
  public static final String REBALANCE_INVERSE = "inverse-frequency";
  public static final String REBALANCE_UNDERSAMPLE = "undersample";

  private final String uid;
  private Taxonomy taxonomy;
  private final Param<String> tokensCol;
  private final Param<String> labelCol;
  private final IntParam numFeatures;
  private final IntParam epochs;
  private final DoubleParam learningRate;
  private final DoubleParam regParam;
  private final Param<String> expansion;
  private final IntParam sampledNegatives;
  private final Param<String> objective;
  private final Param<String> loss;
  private final Param<String> rebalance;
  private final IntParam numPartitions;
  private final LongParam seed;

  public KeslerClassifier() {
    this(Identifiable.randomUID("keslerClassifier"));
  }

  public KeslerClassifier(String uid) {
    this.uid = uid;
    tokensCol = new Param<>(this, "tokensCol", "input column of cleaned tokens (array<string>)");
    labelCol = new Param<>(this, "labelCol", "true category: a path 'A > B > C' (string) or a taxonomy id (integer)");
    numFeatures = new IntParam(this, "numFeatures", "number of hashed (class, term) features", ParamValidators.inRange(2, 1 << 30));
    epochs = new IntParam(this, "epochs", "passes over the products", ParamValidators.inRange(1, 1000));
    learningRate = new DoubleParam(this, "learningRate", "AdaGrad base learning rate", ParamValidators.gt(0.0));
    regParam = new DoubleParam(this, "regParam", "L2 regularization on touched weights", ParamValidators.gtEq(0.0));
    expansion = new Param<>(this, "expansion", "candidate classes per product: siblings (the true path and its siblings at each level) or full (every class)",
        ParamValidators.inArray(new String[] {EXPANSION_SIBLINGS, EXPANSION_FULL}));
    sampledNegatives = new IntParam(this, "sampledNegatives", "extra random negative classes per product and epoch (siblings expansion)", ParamValidators.gtEq(0));
    objective = new Param<>(this, "objective", "pointwise (one binary decision per expanded row) or sibling-softmax (one softmax per decision on the true path; siblings expansion only)",
        ParamValidators.inArray(new String[] {OBJECTIVE_POINTWISE, OBJECTIVE_SOFTMAX}));
    loss = new Param<>(this, "loss", "loss of the pointwise objective: logistic, or hinge (margins mapped to probabilities by a Platt calibration fitted after training); sibling-softmax trains with its cross-entropy",
        ParamValidators.inArray(new String[] {LOSS_LOGISTIC, LOSS_HINGE}));
    rebalance = new Param<>(this, "rebalance", "class rebalancing: none, inverse-frequency (weights) or undersample (majority classes)",
        ParamValidators.inArray(new String[] {REBALANCE_NONE, REBALANCE_INVERSE, REBALANCE_UNDERSAMPLE}));
    numPartitions = new IntParam(this, "numPartitions", "training tasks per epoch; 0 = default parallelism", ParamValidators.gtEq(0));
    seed = new LongParam(this, "seed", "random seed (order, sampled negatives, undersampling)");
    setDefault(tokensCol, "tokens");
    setDefault(labelCol, "category");
    setDefault(numFeatures, 1 << 24);
    setDefault(epochs, 10);
    setDefault(learningRate, 0.3);
    setDefault(regParam, 0.0);
    setDefault(expansion, EXPANSION_SIBLINGS);
    setDefault(sampledNegatives, 0);
    setDefault(objective, OBJECTIVE_POINTWISE);
    setDefault(loss, LOSS_HINGE);
    setDefault(rebalance, REBALANCE_NONE);
    setDefault(numPartitions, 0);
    setDefault(seed, 42L);
  }

  @Override
  public String uid() {
    return uid;
  }

  public KeslerClassifier setTaxonomy(Taxonomy t) {
    this.taxonomy = t;
    return this;
  }

  public Taxonomy getTaxonomy() {
    return taxonomy;
  }

  public KeslerClassifier setTokensCol(String v) { set(tokensCol, v); return this; }
  public KeslerClassifier setLabelCol(String v) { set(labelCol, v); return this; }
  public KeslerClassifier setNumFeatures(int v) { set(numFeatures, v); return this; }
  public KeslerClassifier setEpochs(int v) { set(epochs, v); return this; }
  public KeslerClassifier setLearningRate(double v) { set(learningRate, v); return this; }
  public KeslerClassifier setRegParam(double v) { set(regParam, v); return this; }
  public KeslerClassifier setExpansion(String v) { set(expansion, v); return this; }
  public KeslerClassifier setSampledNegatives(int v) { set(sampledNegatives, v); return this; }
  public KeslerClassifier setObjective(String v) { set(objective, v); return this; }
  public KeslerClassifier setLoss(String v) { set(loss, v); return this; }
  public KeslerClassifier setRebalance(String v) { set(rebalance, v); return this; }
  public KeslerClassifier setNumPartitions(int v) { set(numPartitions, v); return this; }
  public KeslerClassifier setSeed(long v) { set(seed, v); return this; }

  public Param<String> tokensCol() { return tokensCol; }
  public Param<String> labelCol() { return labelCol; }
  public IntParam numFeatures() { return numFeatures; }
  public IntParam epochs() { return epochs; }
  public DoubleParam learningRate() { return learningRate; }
  public DoubleParam regParam() { return regParam; }
  public Param<String> expansion() { return expansion; }
  public IntParam sampledNegatives() { return sampledNegatives; }
  public Param<String> objective() { return objective; }
  public Param<String> loss() { return loss; }
  public Param<String> rebalance() { return rebalance; }
  public IntParam numPartitions() { return numPartitions; }
  public LongParam seed() { return seed; }

  private int intOf(IntParam p) {
    return (Integer) getOrDefault(p);
  }

  private double doubleOf(DoubleParam p) {
    return (Double) getOrDefault(p);
  }

  @Override
  public KeslerModel fit(Dataset<?> dataset) {
    transformSchema(dataset.schema(), true);
    if (taxonomy == null) {
      throw new IllegalStateException("KeslerClassifier needs a taxonomy: call setTaxonomy first");
    }
    var spark = dataset.sparkSession();
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    int nf = intOf(numFeatures);
    long sd = (Long) getOrDefault(seed);
    boolean softmax = getOrDefault(objective).equals(OBJECTIVE_SOFTMAX);
    if (softmax && (getOrDefault(expansion).equals(EXPANSION_FULL) || intOf(sampledNegatives) > 0)) {
      throw new IllegalArgumentException("KeslerClassifier: objective " + OBJECTIVE_SOFTMAX
          + " trains the decisions of the siblings expansion; expected expansion siblings and 0 sampled negatives, found expansion "
          + getOrDefault(expansion) + " and " + intOf(sampledNegatives) + " sampled negatives");
    }
    // The loss of the pointwise objective; the sibling softmax is trained with its cross-entropy.
    boolean hinge = !softmax && getOrDefault(loss).equals(LOSS_HINGE);
    int parts = intOf(numPartitions) > 0 ? intOf(numPartitions) : jsc.defaultParallelism();
    KeslerTrainer.Settings settings =
        new KeslerTrainer.Settings(nf,
            getOrDefault(expansion).equals(EXPANSION_FULL) ? KeslerExpansion.Mode.FULL : KeslerExpansion.Mode.SIBLINGS,
            intOf(sampledNegatives), doubleOf(learningRate), doubleOf(regParam), sd, softmax, hinge);
    Broadcast<Taxonomy> tax = jsc.broadcast(taxonomy);
    boolean pathLabels = dataset.schema().apply(getOrDefault(labelCol)).dataType() instanceof StringType;

    // Products in a seeded random order, cached once (the products, never their expansion).
    Dataset<Row> products =
        dataset.select(functions.col(getOrDefault(tokensCol)).as("tokens"), functions.col(getOrDefault(labelCol)).as("label"))
            .withColumn("key", functions.xxhash64(functions.col("tokens"), functions.col("label"), functions.lit(sd)))
            .repartition(parts, functions.col("key"))
            .sortWithinPartitions("key")
            .persist(StorageLevel.MEMORY_AND_DISK());
    JavaRDD<KeslerTrainer.Example> examples =
        products.javaRDD().map(r -> {
          Taxonomy t = tax.value();
          Object label = r.get(1);
          Taxonomy.Node node = pathLabels ? t.byPath((String) label) : t.byId(((Number) label).longValue());
          if (node == null) {
            throw new IllegalArgumentException("KeslerClassifier: label " + label + " is not in the taxonomy");
          }
          return new KeslerTrainer.Example(node.index(), 1f, KeslerFeatures.terms(r.getList(0)), r.getLong(2));
        });
    // Spark SQL's compressed columnar cache holds the products; examples are rebuilt from it each epoch.
    examples = rebalanced(examples, jsc, sd);
    try {
      KeslerTrainer trainer = new KeslerTrainer(taxonomy, settings);
      float[] model = KeslerTrainer.newModel(nf);
      int totalEpochs = intOf(epochs);
      for (int epoch = 0; epoch < totalEpochs; epoch++) {
        final int ep = epoch;
        final boolean last = epoch == totalEpochs - 1;
        Broadcast<FloatArrays.Holder> current = jsc.broadcast(new FloatArrays.Holder(model));
        // Summed in partition order: the same bits whichever task finishes first.
        Partial sum = Deterministic.reduceInOrder(
            examples.mapPartitions(it -> {
                  float[] start = current.value().array();
                  float[] local = start.clone();
                  double[] lr = trainer.epoch(local, it, ep, last);
                  return List.of(Partial.ofTask(local, start, lr[0], lr[1])).iterator();
                }),
            (a, b) -> Partial.add(a, b, current.value().array()));
        current.unpersist(false);
        float[] summed = sum.sum(model);
        float[] next = new float[model.length];
        for (int j = 0; j < model.length; j += 2) {
          next[j] = summed[j] / sum.tasks;
          // Sum of the tasks' AdaGrad increments: each task started from the same accumulators.
          next[j + 1] = summed[j + 1] - (sum.tasks - 1) * model[j + 1];
        }
        model = next;
        if (last) {
          LOG.info("Kesler epoch {}: {} rows, mean log-loss {}", epoch + 1, (long) sum.rows, sum.loss / Math.max(1, sum.rows));
        } else {
          LOG.info("Kesler epoch {}: {} rows", epoch + 1, (long) sum.rows);
        }
      }
      Calibration calibration = Calibration.IDENTITY;
      if (hinge) {
        // Margins of the training decisions under the final model, counted per bin and label.
        Broadcast<FloatArrays.Holder> fin = jsc.broadcast(new FloatArrays.Holder(model));
        long[] counts = Deterministic.reduceInOrder(
            examples.mapPartitions(it -> List.of(trainer.marginCounts(fin.value().array(), it)).iterator()),
            (x, y) -> {
              for (int i = 0; i < x.length; i++) {
                x[i] += y[i];
              }
              return x;
            });
        fin.unpersist(false);
        calibration = Calibration.fit(counts);
        LOG.info("Kesler calibration: p = sigmoid({} * margin + {})", calibration.a(), calibration.b());
      }
      float[] weights = new float[nf];
      for (int i = 0; i < nf; i++) {
        weights[i] = model[2 * i];
      }
      Map<String, Object> info = new HashMap<>();
      info.put("numFeatures", nf);
      info.put("epochs", intOf(epochs));
      info.put("expansion", getOrDefault(expansion));
      info.put("sampledNegatives", intOf(sampledNegatives));
      info.put("rebalance", getOrDefault(rebalance));
      info.put("objective", getOrDefault(objective));
      info.put("loss", softmax ? "cross-entropy" : getOrDefault(loss));
      info.put(Calibration.INFO_KEY, calibration.toInfo());
      info.put("learningRate", doubleOf(learningRate));
      info.put("regParam", doubleOf(regParam));
      info.put("classes", taxonomy.size());
      KeslerModel m = new KeslerModel(KeslerModel.newUid(), taxonomy, weights, info);
      m.setTokensCol(getOrDefault(tokensCol));
      return m.setParent(this);
    } finally {
      products.unpersist(false);
      tax.unpersist(false);
    }
  }

  /** Applies the rebalance param: per-class weights, or dropping part of the majority classes. */
  private JavaRDD<KeslerTrainer.Example> rebalanced(JavaRDD<KeslerTrainer.Example> examples, JavaSparkContext jsc, long sd) {
    String mode = getOrDefault(rebalance);
    if (mode.equals(REBALANCE_NONE)) {
      return examples;
    }
    // One count per class: small, whatever the number of products.
    Map<Integer, Long> counts = examples.map(KeslerTrainer.Example::trueIndex).countByValue();
    List<Long> sorted = new ArrayList<>(counts.values());
    sorted.sort(null);
    double total = sorted.stream().mapToLong(Long::longValue).sum();
    double mean = total / counts.size();
    double median = sorted.get(sorted.size() / 2);
    Broadcast<Map<Integer, Long>> bc = jsc.broadcast(new HashMap<>(counts));
    if (mode.equals(REBALANCE_INVERSE)) {
      // Weight mean/count, clipped to [0.1, 10] so a rare class cannot dominate the gradient.
      return examples.map(e -> new KeslerTrainer.Example(e.trueIndex(),
          (float) Math.max(0.1, Math.min(10.0, mean / bc.value().get(e.trueIndex()))), e.terms(), e.key()));
    }
    // Undersample: a class keeps at most twice the median class size, chosen by the product's key.
    double cap = 2 * median;
    return examples.filter(e -> {
      double keep = cap / bc.value().get(e.trueIndex());
      return keep >= 1 || Math.floorMod(e.key() ^ sd, 1_000_000L) < keep * 1_000_000L;
    });
  }

  /**
   * A task's model after one epoch, summed with the others' in partition order. A task's own
   * result ships only the (weight, accumulator) pairs its rows changed when that is smaller than
   * the whole model (at 100k products a task touches a few of the 2^24 pairs; the dense 128 MB
   * crossed serialization twice per task and epoch); the sum rebuilds each task's model from the
   * epoch's starting one, so it adds the very same values as before, in the same order.
   */
  static final class Partial implements java.io.Serializable {
    private static final long serialVersionUID = 3L;
    // Shipped in bulk (see FloatArrays): Java serialization writes a float[] value by value.
    transient float[] model;
    /** The epoch's starting model, on the task only: what {@link #writeObject} compares with. */
    private transient float[] base;
    /** After a sparse read: per changed pair, its index (as float bits), weight and accumulator. */
    private transient float[] changed;
    final double loss;
    final double rows;
    final int tasks;

    private void writeObject(java.io.ObjectOutputStream out) throws java.io.IOException {
      out.defaultWriteObject();
      int n = base == null ? -1 : changedPairs(model, base);
      // A changed pair costs 12 bytes sparse (index, two floats) against 8 for every pair dense.
      boolean sparse = n >= 0 && 12L * n < 4L * model.length;
      out.writeBoolean(sparse);
      if (!sparse) {
        FloatArrays.write(out, model);
        return;
      }
      // Per changed pair: its index (as the bits of a float: FloatArrays copies bits), weight, accumulator.
      float[] v = new float[3 * n];
      int k = 0;
      for (int p = 0; p < model.length; p += 2) {
        if (differs(model, base, p)) {
          v[k++] = Float.intBitsToFloat(p);
          v[k++] = model[p];
          v[k++] = model[p + 1];
        }
      }
      out.writeInt(model.length);
      FloatArrays.write(out, v);
    }

    private void readObject(java.io.ObjectInputStream in) throws java.io.IOException, ClassNotFoundException {
      in.defaultReadObject();
      if (!in.readBoolean()) {
        model = FloatArrays.read(in);
        return;
      }
      int length = in.readInt();
      changed = FloatArrays.read(in);
      if (changed.length % 3 != 0 || length < 0) {
        throw new java.io.IOException("Kesler partial of " + length + " floats: expected 3 values per changed pair, found "
            + changed.length);
      }
      this.length = length;
    }

    /** The model's length, after a sparse read. */
    private transient int length;

    /** Bits, not values: -0 against 0 or a NaN must travel too. */
    private static boolean differs(float[] a, float[] b, int p) {
      return Float.floatToRawIntBits(a[p]) != Float.floatToRawIntBits(b[p])
          || Float.floatToRawIntBits(a[p + 1]) != Float.floatToRawIntBits(b[p + 1]);
    }

    private static int changedPairs(float[] model, float[] base) {
      int n = 0;
      for (int p = 0; p < model.length; p += 2) {
        if (differs(model, base, p)) {
          n++;
        }
      }
      return n;
    }

    Partial(float[] model, double loss, double rows, int tasks) {
      this.model = model;
      this.loss = loss;
      this.rows = rows;
      this.tasks = tasks;
    }

    /** A task's result: its model after the epoch that started from {@code base}. */
    static Partial ofTask(float[] model, float[] base, double loss, double rows) {
      Partial p = new Partial(model, loss, rows, 1);
      p.base = base;
      return p;
    }

    /** The task's whole model: the starting one with the changed pairs written over it. */
    private float[] dense(float[] start) {
      if (model != null) {
        return model;
      }
      if (start.length != length) {
        throw new IllegalStateException("Kesler partial of " + length + " floats against a model of " + start.length);
      }
      float[] m = start.clone();
      for (int k = 0; k < changed.length; k += 3) {
        int p = Float.floatToRawIntBits(changed[k]);
        m[p] = changed[k + 1];
        m[p + 1] = changed[k + 2];
      }
      model = m;
      changed = null;
      return m;
    }

    /** {@code a + b}, either of them possibly sparse against {@code start} (the epoch's starting model). */
    static Partial add(Partial a, Partial b, float[] start) {
      float[] x = a.dense(start);
      float[] y = b.dense(start);
      for (int i = 0; i < x.length; i++) {
        x[i] += y[i];
      }
      return new Partial(x, a.loss + b.loss, a.rows + b.rows, a.tasks + b.tasks);
    }

    /** The summed model (the one task's own when there was a single one). */
    float[] sum(float[] start) {
      return dense(start);
    }
  }

  @Override
  public StructType transformSchema(StructType schema) {
    List<String> names = java.util.Arrays.asList(schema.fieldNames());
    String tc = getOrDefault(tokensCol);
    String lc = getOrDefault(labelCol);
    if (!names.contains(tc) || !names.contains(lc)) {
      throw new IllegalArgumentException("KeslerClassifier expected columns " + tc + " and " + lc
          + ", found columns " + String.join(", ", names));
    }
    DataType t = schema.apply(tc).dataType();
    if (!(t instanceof ArrayType a && a.elementType() instanceof StringType)) {
      throw new IllegalArgumentException("KeslerClassifier expected column " + tc + " of type array<string>, found " + t.simpleString());
    }
    DataType l = schema.apply(lc).dataType();
    if (!(l instanceof StringType || l instanceof org.apache.spark.sql.types.IntegralType)) {
      throw new IllegalArgumentException("KeslerClassifier expected label column " + lc
          + " of type string (a path) or an integer (a taxonomy id), found " + l.simpleString());
    }
    return schema;
  }

  @Override
  public KeslerClassifier copy(ParamMap extra) {
    KeslerClassifier c = defaultCopy(extra);
    return c.setTaxonomy(taxonomy);
  }
}
