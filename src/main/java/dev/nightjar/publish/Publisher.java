package dev.nightjar.publish;

import dev.nightjar.evaluation.BlessingGate;
import dev.nightjar.model.Artifacts;
import dev.nightjar.model.Candidate;
import dev.nightjar.registry.ModelRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.FileUtil;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes a {@link Candidate} the same way for every model, as TFX's pusher does: judge it, write
 * the verdict, and only when blessed assemble a new version in a draft, move it into place in one
 * step, move {@code current}, and check that the artifacts really are there.
 *
 * <p>Publishing is idempotent: a candidate whose source files (by content) are already a version is
 * not published again ({@link Status#UNCHANGED}); if that version was committed but never aliased (a
 * crash between the two steps), it is promoted now.
 */
public final class Publisher implements Artifacts {
  private static final Logger LOG = LoggerFactory.getLogger(Publisher.class);

  public enum Status { PUBLISHED, UNCHANGED, NOT_BLESSED }

  /** What happened to one model. {@code version} is 0 when nothing was published. */
  public record Outcome(String model, Status status, int version, List<String> reasons, String source) {
    public Outcome {
      reasons = List.copyOf(reasons);
    }

    /** For result lines: {@code v3:published}. */
    public String summary() {
      return (version > 0 ? "v" + version + ":" : "") + status.name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  private final ModelRegistry registry;
  private final Configuration conf;
  private final String runDate;

  public Publisher(ModelRegistry registry, Configuration conf, String runDate) {
    this.registry = registry;
    this.conf = conf;
    this.runDate = runDate;
  }

  public ModelRegistry registry() {
    return registry;
  }

  public Outcome publish(Candidate c) throws IOException {
    String model = c.model();
    int drafts = registry.removeDrafts(model);
    if (drafts > 0) {
      LOG.warn("Removed {} draft(s) of {} left by an interrupted publish", drafts, model);
    }
    String fingerprint = fingerprint(c.sourcePath());
    Optional<Integer> same = versionWithFingerprint(model, fingerprint);
    if (same.isPresent()) {
      int v = same.get();
      Map<String, Integer> aliases = registry.aliases(model);
      if (!aliases.containsValue(v) && registry.latestVersion(model).orElse(0) == v) {
        LOG.warn("{} version {} was committed but never promoted; promoting it now", model, v);
        registry.promote(model, v);
      }
      return new Outcome(model, Status.UNCHANGED, v, List.of("source already published as version " + v),
          c.sourcePath().toString());
    }
    Optional<Map<String, Object>> current = registry.alias(model, ModelRegistry.CURRENT).map(v -> registry.metadata(model, v));
    BlessingGate.Verdict verdict = c.judge(current);
    Map<String, Object> record = new LinkedHashMap<>();
    record.put("model", model);
    record.put("run_date", runDate);
    record.put("source_date", c.sourceDate());
    record.put("source_path", c.sourcePath().toString());
    record.put("source_fingerprint", fingerprint);
    record.put("blessed", verdict.blessed());
    record.put("reasons", verdict.reasons());
    record.put("metrics", c.metrics());
    record.put("judged_at", Instant.now().toString());
    registry.writeVerdict(model, runDate, record);
    if (!verdict.blessed()) {
      LOG.warn("{} from {} is NOT blessed, not published: {}", model, c.sourcePath(), verdict.reasons());
      return new Outcome(model, Status.NOT_BLESSED, 0, verdict.reasons(), c.sourcePath().toString());
    }
    int version = registry.latestVersion(model).orElse(0) + 1;
    Path draft = registry.newDraft(model);
    try {
      Map<String, Object> meta = new LinkedHashMap<>();
      meta.put("model", model);
      meta.put("version", version);
      meta.put("ds", c.sourceDate());
      meta.put("published_at", Instant.now().toString());
      meta.put("published_for_run", runDate);
      meta.put("source_path", c.sourcePath().toString());
      meta.put("source_fingerprint", fingerprint);
      meta.putAll(c.details());
      meta.put("metrics", c.metrics());
      meta.put("verdict", Map.of("blessed", true, "reasons", verdict.reasons()));
      meta.put("code_version", codeVersion());
      try (OutputStream out = registry.fileSystem().create(new Path(draft, ModelRegistry.METADATA), false)) {
        out.write(ModelRegistry.JSON.writeValueAsBytes(meta));
      }
      c.writeArtifacts(this, draft);
      registry.commit(model, draft, version, c.hasSavedModel());
    } catch (IOException | RuntimeException e) {
      registry.discard(draft);
      throw e;
    }
    registry.promote(model, version);
    verify(c, version);
    LOG.info("Published {} version {} from {}", model, version, c.sourcePath());
    return new Outcome(model, Status.PUBLISHED, version, verdict.reasons(), c.sourcePath().toString());
  }

  /** Checks after the fact that the version and its artifacts are really there and current. */
  private void verify(Candidate c, int version) throws IOException {
    Path dir = registry.versionPath(c.model(), version);
    FileSystem fs = registry.fileSystem();
    List<Path> required = new ArrayList<>(List.of(new Path(dir, ModelRegistry.METADATA)));
    if (c.hasSavedModel()) {
      required.add(new Path(dir, ModelRegistry.SAVED_MODEL));
    }
    for (Path p : required) {
      if (!fs.exists(p)) {
        throw new ModelRegistry.RegistryException("Published " + c.model() + " version " + version + " but " + p
            + " is missing");
      }
    }
    int current = registry.alias(c.model(), ModelRegistry.CURRENT).orElse(0);
    if (current != version) {
      throw new ModelRegistry.RegistryException("Published " + c.model() + " version " + version
          + " but current points at " + current);
    }
  }

  private Optional<Integer> versionWithFingerprint(String model, String fingerprint) {
    List<Integer> versions = registry.versions(model);
    for (int i = versions.size() - 1; i >= 0; i--) {
      if (fingerprint.equals(registry.metadata(model, versions.get(i)).get("source_fingerprint"))) {
        return Optional.of(versions.get(i));
      }
    }
    return Optional.empty();
  }

  @Override
  public FileSystem fileSystem() {
    return registry.fileSystem();
  }

  @Override
  public void writeSparkAndSavedModel(Path sparkModel, Path draft, LocalExport export) throws IOException {
    copy(sparkModel, new Path(draft, "spark"));
    java.nio.file.Path local = Files.createTempDirectory("nightjar-export");
    try {
      java.nio.file.Path dir = local.resolve("export");
      export.to(dir);
      copyLocalSavedModel(dir, draft);
    } finally {
      Artifacts.deleteLocal(local);
    }
  }

  @Override
  public void copy(Path source, Path target) throws IOException {
    FileSystem src = source.getFileSystem(conf);
    if (!FileUtil.copy(src, source, registry.fileSystem(), target, false, conf)) {
      throw new IOException("copy " + source + " to " + target + " failed");
    }
  }

  /**
   * Copies a SavedModel exported on local disk to the draft's root, {@code saved_model.pb} last,
   * so the graph's presence means the variables are complete.
   */
  void copyLocalSavedModel(java.nio.file.Path local, Path draft) throws IOException {
    java.nio.file.Path graph = local.resolve(ModelRegistry.SAVED_MODEL);
    if (!Files.isRegularFile(graph)) {
      throw new IOException("The export " + local + " has no " + ModelRegistry.SAVED_MODEL);
    }
    List<java.nio.file.Path> files;
    try (Stream<java.nio.file.Path> s = Files.walk(local)) {
      files = s.filter(Files::isRegularFile).filter(p -> !p.equals(graph)).sorted().toList();
    }
    FileSystem fs = registry.fileSystem();
    for (java.nio.file.Path f : files) {
      fs.copyFromLocalFile(false, true, new Path(f.toUri()), new Path(draft, local.relativize(f).toString().replace('\\', '/')));
    }
    fs.copyFromLocalFile(false, true, new Path(graph.toUri()), new Path(draft, ModelRegistry.SAVED_MODEL));
  }

  /** The source's content print (see {@link SourceFingerprint}). */
  String fingerprint(Path dir) throws IOException {
    return SourceFingerprint.of(dir.getFileSystem(conf), dir);
  }

  /** The jar's version and commit (from {@code git.properties}, written by the build). */
  static Map<String, Object> codeVersion() {
    Map<String, Object> v = new LinkedHashMap<>();
    Properties p = new Properties();
    try (InputStream in = Publisher.class.getResourceAsStream("/dev/nightjar/git.properties")) {
      if (in != null) {
        p.load(in);
      }
    } catch (IOException e) {
      // An unknown version is recorded as such below.
    }
    v.put("version", p.getProperty("git.build.version", "unknown"));
    v.put("commit", p.getProperty("git.commit.id", "unknown"));
    v.put("dirty", p.getProperty("git.dirty", "unknown"));
    v.put("built_at", p.getProperty("git.build.time", "unknown"));
    return v;
  }
}
