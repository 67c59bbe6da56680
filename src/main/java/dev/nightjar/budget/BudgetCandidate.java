package dev.nightjar.budget;

import com.typesafe.config.Config;
import dev.nightjar.evaluation.BlessingGate;
import dev.nightjar.evaluation.ModelMetrics;
import dev.nightjar.model.Artifacts;
import dev.nightjar.model.Candidate;
import dev.nightjar.tables.Warehouse;
import java.io.IOException;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The budget models (range, chance of sales, cost per visitor) of the latest {@code train-budget}
 * run on or before the run date. They carry the verdict {@code train-budget}'s gate recorded in
 * {@value ModelMetrics#TABLE} (thresholds and z-scores against past runs): a run that was not
 * blessed is not published, even when an older one was.
 */
final class BudgetCandidate implements Candidate {
  static final String MODEL = "budget";

  private final ModelMetrics.Run run;
  private final Path source;
  private final Config config;

  private BudgetCandidate(ModelMetrics.Run run, Path source, Config config) {
    this.run = run;
    this.source = source;
    this.config = config;
  }

  static Optional<Candidate> find(Warehouse w, LocalDate ds, Config config) throws IOException {
    Optional<ModelMetrics.Run> run = ModelMetrics.latestRun(w, MODEL, ds);
    if (run.isEmpty()) {
      return Optional.empty();
    }
    Path p = new Path(w.root(), run.get().path());
    FileSystem fs = p.getFileSystem(w.spark().sparkContext().hadoopConfiguration());
    if (!fs.exists(p)) {
      throw new IOException("Table " + ModelMetrics.TABLE + " records budget run " + run.get().ds() + " at " + p
          + " but that directory does not exist");
    }
    return Optional.of(new BudgetCandidate(run.get(), fs.makeQualified(p), config));
  }

  @Override
  public String model() {
    return MODEL;
  }

  @Override
  public String sourceDate() {
    return run.ds();
  }

  @Override
  public Path sourcePath() {
    return source;
  }

  @Override
  public Map<String, Object> metrics() {
    return new LinkedHashMap<>(new java.util.TreeMap<>(run.metrics()));
  }

  @Override
  public BlessingGate.Verdict judge(Optional<Map<String, Object>> current) {
    return new BlessingGate.Verdict(run.blessed(), run.reasons());
  }

  @Override
  public Map<String, Object> details() {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("training_date", run.ds());
    d.put("training_version", run.version());
    d.put("training_data", "budget_features (" + ModelMetrics.TABLE + " run " + run.ds() + ")");
    d.put("configuration", Map.of("budget", config.getConfig("budget").root().unwrapped(),
        "monitoring", config.getConfig("monitoring").root().unwrapped()));
    return d;
  }

  @Override
  public void writeArtifacts(Artifacts artifacts, Path draft) throws IOException {
    artifacts.writeSparkAndSavedModel(source, draft, dir -> BudgetSavedModel.export(source.toString(), dir));
  }

}
