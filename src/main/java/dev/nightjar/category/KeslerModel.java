package dev.nightjar.category;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nightjar.taxonomy.Taxonomy;
import dev.nightjar.text.FeatureHashing;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructType;

/**
 * A trained Kesler classifier: one weight vector over hashed (class, term) features, and the
 * taxonomy it predicts into. Prediction is top-down: a beam search that keeps the {@link
 * #beamWidth()} most probable partial paths at each level (width 1: greedy descent); with {@link
 * #minConfidence()} above 0 a path does not descend into a child whose probability is below it.
 *
 * <p>{@link #predict(List)} is plain Java (serving and tests call it); {@link #transform} adds the
 * columns {@code category} (path), {@code category_id}, {@code level_scores} (the chosen
 * child's probability at each level) and {@code confidence} (the path's probability).
 */
public final class KeslerModel extends Model<KeslerModel> implements MLWritable {
  private static final long serialVersionUID = 1L;
  /** 2: features laid out by decision ({@link KeslerFeatures#RULE}); a format-1 model hashed each class apart. */
  private static final int FORMAT = 2;

  public static final StructType PREDICTION =
      new StructType()
          .add("category", DataTypes.StringType)
          .add("category_id", DataTypes.LongType)
          .add("level_scores", DataTypes.createArrayType(DataTypes.DoubleType, false))
          .add("confidence", DataTypes.DoubleType);

  private final String uid;
  private final Taxonomy taxonomy;
  private final float[] weights;
  private final Map<String, Object> info;
  private final Param<String> tokensCol;
  private final Param<String> predictionCol;
  private final DoubleParam minConfidence;
  private final IntParam beamWidth;
  private transient volatile Classes classes;
  private transient volatile Calibration calibration;

  /**
   * One prediction: the node (taxonomy index and id), its path, the chosen child's probability at
   * each level, and the path's probability (their product, times the stop class's when the path
   * ends at an inner node).
   */
  public record Prediction(int index, long id, String path, double[] levelScores, double confidence) {}

  public KeslerModel(String uid, Taxonomy taxonomy, float[] weights, Map<String, Object> info) {
    this.uid = uid;
    this.taxonomy = taxonomy;
    this.weights = weights;
    this.info = new LinkedHashMap<>(info);
    this.tokensCol = new Param<>(this, "tokensCol", "input column of cleaned tokens (array<string>)");
    this.predictionCol = new Param<>(this, "predictionCol", "output column of the predicted path");
    this.minConfidence =
        new DoubleParam(this, "minConfidence",
            "stop at an inner node when the best child's probability is below this (0 = always descend to a leaf)",
            ParamValidators.inRange(0.0, 1.0));
    this.beamWidth =
        new IntParam(this, "beamWidth", "paths kept at each level of the top-down search (1 = greedy)",
            ParamValidators.inRange(1, 64));
    setDefault(beamWidth, 1);
    setDefault(tokensCol, "tokens");
    setDefault(predictionCol, "category");
    setDefault(minConfidence, 0.0);
  }

  @Override
  public String uid() {
    return uid;
  }

  public Taxonomy taxonomy() {
    return taxonomy;
  }

  public int numFeatures() {
    return weights.length;
  }

  /** The weights (shared, do not modify), indexed by {@link KeslerFeatures#RULE}. */
  public float[] weights() {
    return weights;
  }

  /** Training date, data, settings and metrics recorded at training time. */
  public Map<String, Object> info() {
    return java.util.Collections.unmodifiableMap(info);
  }

  public KeslerModel withInfo(String key, Object value) {
    info.put(key, value);
    calibration = null;
    return this;
  }

  public Param<String> tokensCol() {
    return tokensCol;
  }

  public Param<String> predictionCol() {
    return predictionCol;
  }

  public DoubleParam minConfidence() {
    return minConfidence;
  }

  public KeslerModel setTokensCol(String c) {
    set(tokensCol, c);
    return this;
  }

  public KeslerModel setPredictionCol(String c) {
    set(predictionCol, c);
    return this;
  }

  public KeslerModel setMinConfidence(double v) {
    set(minConfidence, v);
    return this;
  }

  public double getMinConfidence() {
    return (Double) getOrDefault(minConfidence);
  }

  public IntParam beamWidth() {
    return beamWidth;
  }

  public KeslerModel setBeamWidth(int v) {
    set(beamWidth, v);
    return this;
  }

  public int getBeamWidth() {
    return (Integer) getOrDefault(beamWidth);
  }

  /** The raw score (log-odds) of class {@code classIndex} for an encoded product. */
  public double score(KeslerFeatures.Encoded enc, int classIndex) {
    Classes c = classes();
    int m = enc.size();
    int[] idx = new int[m + 1];
    enc.indices(c.layout, classIndex, idx);
    double z = 0;
    for (int i = 0; i < m; i++) {
      z += weights[idx[i]];
    }
    return z * enc.value + weights[idx[m]];
  }

  /**
   * The raw scores of decision {@code u}'s candidates into {@code out}: its children in taxonomy
   * order, then (below the root) its stop class. {@code slots} is scratch of at least children + 1.
   */
  private int decisionScores(KeslerFeatures.Encoded enc, int u, int[] children, double[] slots, double[] out) {
    Classes c = classes();
    int[] bias = c.layout.bias;
    enc.sumDecision(c.layout, u, children.length + 1, weights, slots);
    for (int k = 0; k < children.length; k++) {
      out[k] = slots[k + 1] * enc.value + weights[bias[children[k]]];
    }
    if (u == 0) {
      return children.length;
    }
    out[children.length] = slots[0] * enc.value + weights[bias[KeslerExpansion.stop(taxonomy, u)]];
    return children.length + 1;
  }

  private Classes classes() {
    Classes c = classes;
    if (c == null) {
      classes = c = new Classes(taxonomy, weights.length);
    }
    return c;
  }

  /** Where each class's features sit (see {@link KeslerFeatures}), built once per model. */
  private static final class Classes {
    final KeslerFeatures.Layout layout;
    final int maxDepth;

    Classes(Taxonomy taxonomy, int numFeatures) {
      maxDepth = Math.max(1, taxonomy.maxDepth());
      layout = new KeslerFeatures.Layout(taxonomy, numFeatures);
    }
  }

  /** Top-down prediction (beam search of {@link #beamWidth()} paths) for one product's cleaned tokens. */
  public Prediction predict(List<String> tokens) {
    return predict(tokens, getMinConfidence(), getBeamWidth());
  }

  public Prediction predict(List<String> tokens, double minConf) {
    return predict(tokens, minConf, getBeamWidth());
  }

  /**
   * Beam search over the taxonomy. A path's score is the sum of the log-probabilities of its
   * decisions: each chosen child's, and the stop class's when it ends at an inner node. At each
   * level every unfinished path (not at a leaf, not stopped) offers its children (below the root
   * only those whose probability reaches {@code minConf}) and its stop class; when no child
   * reaches {@code minConf} (the confidence stop) the stop offer keeps the path's score, since it
   * claims the node, not that the node has no better child; finished paths offer themselves unchanged; the {@code beamWidth} best of all offers
   * stay, ties going to the earlier offer (paths in rank order; carry, children in taxonomy
   * order, stop). With width 1 this is the greedy descent: the best child unless the stop class
   * scores higher or the child's probability is below {@code minConf}.
   */
  public Prediction predict(List<String> tokens, double minConf, int beamWidth) {
    KeslerFeatures.Encoded enc = new KeslerFeatures.Encoded(KeslerFeatures.terms(tokens));
    int maxDepth = classes().maxDepth;
    // The beam: node, score, finished, and the chosen children's probabilities per level.
    int[] node = {0};
    double[] score = {0.0};
    boolean[] done = {false};
    double[][] levels = {new double[0]};
    int size = 1;
    double[] slots = new double[16];
    double[] z = new double[16];
    double[] logp = new double[16];
    Offers offers = new Offers();
    for (int level = 0; level < maxDepth; level++) {
      offers.clear();
      boolean any = false;
      for (int b = 0; b < size; b++) {
        int u = node[b];
        int[] children = taxonomy.children(u);
        if (done[b] || children.length == 0) {
          offers.add(score[b], b, u, true, Double.NaN);
          continue;
        }
        any = true;
        if (slots.length < children.length + 1) {
          slots = new double[children.length + 1];
          z = new double[children.length + 1];
          logp = new double[children.length + 1];
        }
        int count = decisionScores(enc, u, children, slots, z);
        logProbabilities(z, count, logp);
        boolean descends = false;
        for (int k = 0; k < children.length; k++) {
          double p = Math.exp(logp[k]);
          if (u == 0 || p >= minConf) {
            offers.add(score[b] + logp[k], b, children[k], false, p);
            descends = true;
          }
        }
        if (u != 0) {
          // The confidence stop keeps the path's score: it claims u, not that u has no child.
          offers.add(descends ? score[b] + logp[children.length] : score[b], b, u, true, Double.NaN);
        }
      }
      if (!any) {
        break;
      }
      int keep = Math.min(beamWidth, offers.size);
      int[] order = offers.best(keep);
      int[] nNode = new int[keep];
      double[] nScore = new double[keep];
      boolean[] nDone = new boolean[keep];
      double[][] nLevels = new double[keep][];
      for (int r = 0; r < keep; r++) {
        int o = order[r];
        int from = offers.beam[o];
        nNode[r] = offers.node[o];
        nScore[r] = offers.score[o];
        nDone[r] = offers.done[o];
        if (!Double.isNaN(offers.p[o])) {
          double[] l = java.util.Arrays.copyOf(levels[from], levels[from].length + 1);
          l[l.length - 1] = offers.p[o];
          nLevels[r] = l;
        } else {
          nLevels[r] = levels[from];
        }
      }
      node = nNode;
      score = nScore;
      done = nDone;
      levels = nLevels;
      size = keep;
    }
    Taxonomy.Node n = taxonomy.node(node[0]);
    return new Prediction(node[0], n.id(), n.path(), levels[0], Math.exp(score[0]));
  }

  /**
   * The log-probability of each of the {@code count} candidates of one decision: {@code
   * log sigmoid(z)} for a pointwise model, the log-softmax over the candidates for one trained with
   * the sibling softmax.
   */
  private void logProbabilities(double[] z, int count, double[] out) {
    if (softmax()) {
      logSoftmax(z, count, out);
    } else {
      Calibration c = calibration();
      for (int k = 0; k < count; k++) {
        out[k] = logSigmoid(c.apply(z[k]));
      }
    }
  }

  /** {@code log(1 / (1 + exp(-z)))} without overflow: min(z, 0) - log1p(exp(-|z|)). */
  public static double logSigmoid(double z) {
    return Math.min(z, 0.0) - Math.log1p(Math.exp(-Math.abs(z)));
  }

  /** {@code z - max - log(sum(exp(z - max)))}, summed in candidate order. */
  public static void logSoftmax(double[] z, int count, double[] out) {
    double max = Double.NEGATIVE_INFINITY;
    for (int k = 0; k < count; k++) {
      max = Math.max(max, z[k]);
    }
    double sum = 0;
    for (int k = 0; k < count; k++) {
      sum += Math.exp(z[k] - max);
    }
    double lse = max + Math.log(sum);
    for (int k = 0; k < count; k++) {
      out[k] = z[k] - lse;
    }
  }

  /**
   * The map from a pointwise decision's margin to its log-odds: identity for a logistic model,
   * the Platt calibration fitted after training for a hinge model.
   */
  public Calibration calibration() {
    Calibration c = calibration;
    if (c == null) {
      calibration = c = Calibration.fromInfo(info.get(Calibration.INFO_KEY));
    }
    return c;
  }

  /** Whether the level probabilities are the sibling softmax (the model's training objective). */
  public boolean softmax() {
    return KeslerClassifier.OBJECTIVE_SOFTMAX.equals(info.get("objective"));
  }

  /** A level's offers in order; {@link #best} ranks them by score, the earlier offer first on ties. */
  private static final class Offers {
    double[] score = new double[32];
    int[] beam = new int[32];
    int[] node = new int[32];
    boolean[] done = new boolean[32];
    /** The chosen child's probability, NaN when the offer is no descent. */
    double[] p = new double[32];
    int size;

    void clear() {
      size = 0;
    }

    void add(double s, int b, int n, boolean d, double childP) {
      if (size == score.length) {
        int cap = 2 * size;
        score = java.util.Arrays.copyOf(score, cap);
        beam = java.util.Arrays.copyOf(beam, cap);
        node = java.util.Arrays.copyOf(node, cap);
        done = java.util.Arrays.copyOf(done, cap);
        p = java.util.Arrays.copyOf(p, cap);
      }
      score[size] = s;
      beam[size] = b;
      node[size] = n;
      done[size] = d;
      p[size] = childP;
      size++;
    }

    /** The indices of the {@code k} best offers, best first (selection: k is small). */
    int[] best(int k) {
      int[] out = new int[k];
      boolean[] taken = new boolean[size];
      for (int r = 0; r < k; r++) {
        int b = -1;
        for (int i = 0; i < size; i++) {
          if (!taken[i] && (b < 0 || score[i] > score[b])) {
            b = i;
          }
        }
        taken[b] = true;
        out[r] = b;
      }
      return out;
    }
  }

  @Override
  public Dataset<Row> transform(Dataset<?> dataset) {
    transformSchema(dataset.schema(), true);
    double minConf = getMinConfidence();
    int width = getBeamWidth();
    // Broadcast, not captured: a captured model (64 MB of weights at the default size) would be
    // serialized into every task and deserialized by each; a broadcast reaches an executor once.
    org.apache.spark.broadcast.Broadcast<KeslerModel> shared =
        org.apache.spark.api.java.JavaSparkContext.fromSparkContext(dataset.sparkSession().sparkContext()).broadcast(this);
    var udf =
        functions.udf(
            (UDF1<scala.collection.Seq<String>, Row>)
                tokens -> {
                  List<String> list = new ArrayList<>(tokens == null ? 0 : tokens.size());
                  for (int i = 0; tokens != null && i < tokens.size(); i++) {
                    list.add(tokens.apply(i));
                  }
                  Prediction p = shared.value().predict(list, minConf, width);
                  Double[] s = new Double[p.levelScores().length];
                  for (int i = 0; i < s.length; i++) {
                    s[i] = p.levelScores()[i];
                  }
                  return RowFactory.create(p.path(), p.id(), s, p.confidence());
                },
            PREDICTION);
    String tmp = "_kesler_prediction";
    Column pred = udf.apply(functions.col(getOrDefault(tokensCol)));
    return dataset
        .withColumn(tmp, pred)
        .withColumn(getOrDefault(predictionCol), functions.col(tmp + ".category"))
        .withColumn("category_id", functions.col(tmp + ".category_id"))
        .withColumn("level_scores", functions.col(tmp + ".level_scores"))
        .withColumn("confidence", functions.col(tmp + ".confidence"))
        .drop(tmp);
  }

  @Override
  public StructType transformSchema(StructType schema) {
    String in = getOrDefault(tokensCol);
    if (!java.util.Arrays.asList(schema.fieldNames()).contains(in)) {
      throw new IllegalArgumentException("KeslerModel expected input column " + in + ", found columns "
          + String.join(", ", schema.fieldNames()));
    }
    DataType t = schema.apply(in).dataType();
    if (!(t instanceof ArrayType a && a.elementType() instanceof StringType)) {
      throw new IllegalArgumentException(
          "KeslerModel expected column " + in + " of type array<string>, found " + t.simpleString());
    }
    return schema
        .add(getOrDefault(predictionCol), DataTypes.StringType)
        .add("category_id", DataTypes.LongType)
        .add("level_scores", DataTypes.createArrayType(DataTypes.DoubleType, false))
        .add("confidence", DataTypes.DoubleType);
  }

  @Override
  public KeslerModel copy(ParamMap extra) {
    KeslerModel m = new KeslerModel(uid, taxonomy, weights, info);
    return copyValues(m, extra).setParent(parent());
  }

  // ---- persistence: metadata.json, taxonomy.txt (Google format), weights.bin ----

  @Override
  public MLWriter write() {
    return new ModelWriter(this);
  }

  public static MLReader<KeslerModel> read() {
    return new ModelReader();
  }

  public static KeslerModel load(String path) {
    return read().load(path);
  }

  private static final class ModelWriter extends MLWriter {
    private final KeslerModel model;

    ModelWriter(KeslerModel model) {
      this.model = model;
    }

    @Override
    public void saveImpl(String path) {
      try {
        Path dir = new Path(path);
        FileSystem fs = dir.getFileSystem(sparkSession().sparkContext().hadoopConfiguration());
        fs.mkdirs(dir);
        ObjectMapper json = new ObjectMapper();
        ObjectNode meta = json.createObjectNode();
        meta.put("class", KeslerModel.class.getName());
        meta.put("format", FORMAT);
        meta.put("uid", model.uid);
        meta.put("numFeatures", model.weights.length);
        meta.put("hash", FeatureHashing.HASH_NAME);
        meta.put("featureRule", KeslerFeatures.RULE);
        meta.put("minConfidence", model.getMinConfidence());
        meta.put("beamWidth", model.getBeamWidth());
        meta.put("tokensCol", model.getOrDefault(model.tokensCol));
        meta.put("predictionCol", model.getOrDefault(model.predictionCol));
        meta.set("info", json.valueToTree(model.info));
        try (var out = fs.create(new Path(dir, "metadata.json"), true)) {
          out.write(json.writerWithDefaultPrettyPrinter().writeValueAsBytes(meta));
        }
        try (Writer w = new OutputStreamWriter(fs.create(new Path(dir, "taxonomy.txt"), true), StandardCharsets.UTF_8)) {
          for (Taxonomy.Node n : model.taxonomy.nodes()) {
            if (n.index() != 0) {
              w.write(n.id() + " - " + n.path() + "\n");
            }
          }
        }
        try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(fs.create(new Path(dir, "weights.bin"), true), 1 << 16))) {
          out.writeInt(FORMAT);
          FloatArrays.write(out, model.weights);
        }
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot save model to " + path, e);
      }
    }
  }

  private static final class ModelReader extends MLReader<KeslerModel> {
    @Override
    public KeslerModel load(String path) {
      try {
        Path dir = new Path(path);
        FileSystem fs = dir.getFileSystem(SparkSession.active().sparkContext().hadoopConfiguration());
        return loadFrom(fs, dir);
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot load model from " + path, e);
      }
    }
  }

  /** Loads without a SparkSession (serving): any Hadoop file system, e.g. the local one. */
  @SuppressWarnings("unchecked")
  public static KeslerModel loadFrom(FileSystem fs, Path dir) throws IOException {
    ObjectMapper json = new ObjectMapper();
    Map<String, Object> meta;
    try (var in = fs.open(new Path(dir, "metadata.json"))) {
      meta = json.readValue((java.io.InputStream) in, Map.class);
    }
    if (!KeslerModel.class.getName().equals(meta.get("class"))) {
      throw new IOException(dir + " is not a KeslerModel: metadata class is " + meta.get("class"));
    }
    Object metaFormat = meta.get("format");
    if (!(metaFormat instanceof Number f && f.intValue() == FORMAT)) {
      throw new IOException(dir + ": expected a KeslerModel of format " + FORMAT + " (features: " + KeslerFeatures.RULE
          + "), found format " + metaFormat + " (features: " + meta.get("featureRule") + "); retrain it with train-category");
    }
    Taxonomy taxonomy;
    try (var in = fs.open(new Path(dir, "taxonomy.txt"))) {
      taxonomy = Taxonomy.parseGoogle(new InputStreamReader(in, StandardCharsets.UTF_8), dir + "/taxonomy.txt");
    }
    float[] w;
    try (DataInputStream in = new DataInputStream(new BufferedInputStream(fs.open(new Path(dir, "weights.bin")), 1 << 16))) {
      int format = in.readInt();
      if (format != FORMAT) {
        throw new IOException(dir + "/weights.bin: expected format " + FORMAT + ", found " + format);
      }
      w = FloatArrays.read(in, dir + "/weights.bin");
    }
    Map<String, Object> info = (Map<String, Object>) meta.getOrDefault("info", Map.of());
    KeslerModel m = new KeslerModel((String) meta.get("uid"), taxonomy, w, info);
    m.setMinConfidence(((Number) meta.get("minConfidence")).doubleValue());
    // Models saved before beam search descended greedily.
    m.setBeamWidth(((Number) meta.getOrDefault("beamWidth", 1)).intValue());
    m.setTokensCol((String) meta.get("tokensCol"));
    m.setPredictionCol((String) meta.get("predictionCol"));
    return m;
  }

  static String newUid() {
    return Identifiable.randomUID("kesler");
  }
}
