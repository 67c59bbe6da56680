package dev.nightjar.category;

import com.typesafe.config.Config;
import dev.nightjar.common.Settings;
import dev.nightjar.evaluation.BlessingGate;
import dev.nightjar.model.Artifacts;
import dev.nightjar.model.Candidate;
import dev.nightjar.tables.Warehouse;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The category classifier: the newest model {@code train-category} saved on or before the run
 * date. Blessed when its holdout metrics meet {@code publish.category.thresholds} and its hF is not
 * below the {@code current} version's by more than {@code publish.category.max-hf-drop}.
 */
final class CategoryCandidate implements Candidate {
  static final String MODEL = "category";
  static final String GATE = "publish.category";
  static final String MAX_DROP = GATE + ".max-hf-drop";
  static final String MIN_CONFIDENCE = "category.predict.min-confidence";
  /** Strings whose buckets serving code can check its hashing against (ASCII and not). */
  static final List<String> TEST_VECTOR_TERMS = List.of("shoe", "t:running", "b:red shoe", "über", "靴", KeslerFeatures.BIAS);

  private final Path source;
  private final KeslerModel model;
  private final BlessingGate gate;
  private final double maxDrop;
  private final Config config;

  private CategoryCandidate(Path source, KeslerModel model, Config config) {
    this.source = source;
    this.model = model;
    this.config = config;
    this.gate = BlessingGate.fromConfig(config, GATE);
    this.maxDrop = Settings.doubleIn(config, MAX_DROP, 0, 1);
    // The SavedModel must stop where predict-category stops.
    model.setMinConfidence(Settings.doubleIn(config, MIN_CONFIDENCE, 0, 1))
        .setBeamWidth(Settings.intIn(config, PredictCategoryJob.BEAM_WIDTH, 1, 64));
  }

  /** Checks the gate's settings without touching data. */
  static void validate(Config config) {
    BlessingGate.fromConfig(config, GATE);
    Settings.doubleIn(config, MAX_DROP, 0, 1);
  }

  static Optional<Candidate> find(Warehouse w, String ds, Config config) throws IOException {
    Path trained = new Path(w.tablePath(CategoryData.TRAINED_DIR));
    Configuration conf = w.spark().sparkContext().hadoopConfiguration();
    FileSystem fs = trained.getFileSystem(conf);
    Optional<Path> latest = Warehouse.latestDated(fs, trained, ds, false);
    if (latest.isEmpty()) {
      return Optional.empty();
    }
    Path p = latest.get();
    return Optional.of(new CategoryCandidate(fs.makeQualified(p), KeslerModel.loadFrom(fs, p), config));
  }

  @Override
  public String model() {
    return MODEL;
  }

  @Override
  public String sourceDate() {
    return String.valueOf(model.info().getOrDefault("trainingDate", source.getName().replace("ds=", "")));
  }

  @Override
  public Path sourcePath() {
    return source;
  }

  @Override
  public Map<String, Object> metrics() {
    Object m = model.info().get("metrics");
    Map<String, Object> out = new LinkedHashMap<>();
    if (m instanceof Map<?, ?> map) {
      map.forEach((k, v) -> out.put(String.valueOf(k), v));
    }
    return out;
  }

  @Override
  public BlessingGate.Verdict judge(Optional<Map<String, Object>> current) {
    Map<String, Double> numbers = new LinkedHashMap<>();
    metrics().forEach((k, v) -> {
      if (v instanceof Number n) {
        numbers.put(k, n.doubleValue());
      }
    });
    BlessingGate.Verdict thresholds = gate.judge(numbers, List.of());
    List<String> reasons = new ArrayList<>(thresholds.reasons());
    boolean blessed = thresholds.blessed();
    Double hF = numbers.get("hF");
    Object curMetrics = current.map(c -> c.get("metrics")).orElse(null);
    if (curMetrics instanceof Map<?, ?> cm && cm.get("hF") instanceof Number curHF && hF != null) {
      double drop = curHF.doubleValue() - hF;
      if (drop > maxDrop) {
        blessed = false;
        reasons.add(String.format(java.util.Locale.ROOT, "hF = %.4f is %.4f below current version %s (%.4f), more than %s = %s",
            hF, drop, current.get().get("version"), curHF.doubleValue(), MAX_DROP, maxDrop));
      } else {
        reasons.add(String.format(java.util.Locale.ROOT, "hF = %.4f vs current %.4f: within %s = %s",
            hF, curHF.doubleValue(), MAX_DROP, maxDrop));
      }
    }
    return new BlessingGate.Verdict(blessed, reasons);
  }

  @Override
  public Map<String, Object> details() {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("training_date", model.info().get("trainingDate"));
    d.put("training_data", model.info().get("trainingData"));
    d.put("classes", model.taxonomy().size());
    d.put("min_confidence", model.getMinConfidence());
    d.put("beam_width", model.getBeamWidth());
    Map<String, Object> feature = new LinkedHashMap<>();
    feature.put("size", model.numFeatures());
    feature.put("hash", model.info().getOrDefault("hash", dev.nightjar.text.FeatureHashing.HASH_NAME));
    feature.put("rule", KeslerFeatures.RULE);
    // Key buckets (before the slot is added), for a serving side that hashes in its own language.
    List<Map<String, Object>> vectors = new ArrayList<>();
    long someClass = model.taxonomy().size() > 1 ? model.taxonomy().node(1).id() : 0;
    for (String t : TEST_VECTOR_TERMS) {
      vectors.add(Map.of("input", KeslerFeatures.prefix(someClass) + t, "bucket", KeslerFeatures.bucket(someClass, t, model.numFeatures())));
    }
    feature.put("test_vectors", vectors);
    d.put("feature", feature);
    Map<String, Object> info = new LinkedHashMap<>(model.info());
    info.remove("metrics"); // recorded once, as the version's metrics
    d.put("training_info", info);
    d.put("configuration", config.getConfig("category").root().unwrapped());
    return d;
  }

  @Override
  public void writeArtifacts(Artifacts artifacts, Path draft) throws IOException {
    artifacts.writeSparkAndSavedModel(source, draft, dir -> CategorySavedModel.export(model, dir));
  }

}
