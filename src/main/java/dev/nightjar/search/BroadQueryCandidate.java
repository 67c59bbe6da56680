package dev.nightjar.search;

import com.typesafe.config.Config;
import dev.nightjar.evaluation.BlessingGate;
import dev.nightjar.model.Artifacts;
import dev.nightjar.model.Candidate;
import dev.nightjar.tables.Warehouse;
import java.io.IOException;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The broad-query lookup: the newest complete {@link EntropyLookup} export on or before the run
 * date, copied file for file to the version's root (so {@code EntropyLookup.load(versionDir)}
 * reads it). It is loaded here before judging, so a malformed export is never blessed; the gate
 * ({@code publish.broad_query}) bounds the number of queries and the share of broad ones.
 */
final class BroadQueryCandidate implements Candidate {
  static final String MODEL = "broad_query";
  static final String GATE = "publish.broad_query";

  private final Path source;
  private final String ds;
  private final Map<String, Object> metrics;
  private final BlessingGate gate;

  private BroadQueryCandidate(Path source, String ds, Map<String, Object> metrics, Config config) {
    this.source = source;
    this.ds = ds;
    this.metrics = metrics;
    this.gate = BlessingGate.fromConfig(config, GATE);
  }

  static void validate(Config config) {
    BlessingGate.fromConfig(config, GATE);
  }

  static Optional<Candidate> find(Warehouse w, String ds, Config config) throws IOException {
    Path root = new Path(EntropyJob.exportRoot(w, config));
    Configuration conf = w.spark().sparkContext().hadoopConfiguration();
    FileSystem fs = root.getFileSystem(conf);
    Optional<Path> latest = Warehouse.latestDated(fs, root, ds, true);
    if (latest.isEmpty()) {
      return Optional.empty();
    }
    Path source = fs.makeQualified(latest.get());
    java.nio.file.Path local = Files.createTempDirectory("nightjar-broad-query");
    try {
      fs.copyToLocalFile(false, source, new Path(local.toUri()), true);
      EntropyLookup lookup = EntropyLookup.load(local.resolve(source.getName()));
      long broad = lookup.entries().stream().filter(EntropyLookup.Entry::broad).count();
      Map<String, Object> metrics = new LinkedHashMap<>();
      metrics.put("queries", (double) lookup.size());
      metrics.put("broad_queries", (double) broad);
      metrics.put("broad_share", lookup.size() == 0 ? 0.0 : (double) broad / lookup.size());
      return Optional.of(new BroadQueryCandidate(source, source.getName().substring(3), metrics, config));
    } finally {
      Artifacts.deleteLocal(local);
    }
  }

  @Override
  public String model() {
    return MODEL;
  }

  @Override
  public String sourceDate() {
    return ds;
  }

  @Override
  public Path sourcePath() {
    return source;
  }

  @Override
  public Map<String, Object> metrics() {
    return metrics;
  }

  @Override
  public BlessingGate.Verdict judge(Optional<Map<String, Object>> current) {
    Map<String, Double> numbers = new LinkedHashMap<>();
    metrics.forEach((k, v) -> numbers.put(k, ((Number) v).doubleValue()));
    return gate.judge(numbers, List.of());
  }

  @Override
  public Map<String, Object> details() {
    return Map.of("format", "EntropyLookup version 1 (see dev.nightjar.search.EntropyLookup)");
  }

  @Override
  public boolean hasSavedModel() {
    return false;
  }

  @Override
  public void writeArtifacts(Artifacts artifacts, Path draft) throws IOException {
    FileSystem fs = artifacts.fileSystem();
    Path marker = null;
    for (FileStatus s : source.getFileSystem(fs.getConf()).listStatus(source)) {
      String n = s.getPath().getName();
      if (s.isFile() && n.startsWith("part-")) {
        artifacts.copy(s.getPath(), new Path(draft, n));
      } else if (n.equals("_SUCCESS")) {
        marker = s.getPath();
      }
    }
    // The marker last, as the entropy job writes it: its presence means the parts are complete.
    artifacts.copy(marker, new Path(draft, "_SUCCESS"));
  }
}
