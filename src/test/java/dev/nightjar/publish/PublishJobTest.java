package dev.nightjar.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nightjar.budget.ModelMetrics;
import dev.nightjar.category.CategoryJobsTest;
import dev.nightjar.category.TrainCategoryJob;
import dev.nightjar.common.JobResult;
import dev.nightjar.search.EntropyLookup;
import dev.nightjar.tables.Warehouse;
import dev.nightjar.testing.Jobs;
import dev.nightjar.testing.SharedSpark;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PublishJobTest {
  private static final LocalDate D1 = LocalDate.of(2026, 11, 20);
  private static final LocalDate D2 = LocalDate.of(2026, 11, 21);
  /** Tiny data: the gate's hF threshold is lowered so the sample model passes it. */
  private static final Map<String, String> LENIENT = Map.of("publish.category.thresholds.hF-min", "0.1");

  /** A trained category model, a budget run with the given verdict and an entropy export, all of {@code ds}. */
  static void sources(Path dir, Path wh, LocalDate ds, boolean budgetBlessed) throws Exception {
    Path in = CategoryJobsTest.labelled(dir);
    Map<String, String> s = new HashMap<>(CategoryJobsTest.sets(dir, in));
    s.put("category.holdout-share", "0.3");
    Jobs.runApi(new TrainCategoryJob(), wh, ds, s, Map.of());

    Path export = wh.resolve("exports/query_entropy/ds=" + ds);
    Files.createDirectories(export);
    Files.write(export.resolve("part-00000"), List.of(
        EntropyLookup.formatLine("pen", 0, "Office", List.of(), List.of()),
        EntropyLookup.formatLine("gift", 1, "Home", List.of("Home", "Office"), List.of(0.6, 0.4))));
    Files.writeString(export.resolve("_SUCCESS"), "");

    Path models = wh.resolve("models_staging/budget/ds=" + ds + "/range");
    Files.createDirectories(models);
    Files.writeString(models.resolve("weights"), "budget " + ds);
    Warehouse w = new Warehouse(SharedSpark.get(), wh.toString());
    BlessingGate.Verdict v = budgetBlessed ? new BlessingGate.Verdict(true, List.of("all 1 thresholds hold"))
        : new BlessingGate.Verdict(false, List.of("auc = 0.5, expected auc >= 0.65"));
    ModelMetrics.write(w, "budget", ds, Map.of("auc", budgetBlessed ? 0.8 : 0.5), Map.of("shops", 12.0), v,
        "budget-" + ds, "models_staging/budget/ds=" + ds);
  }

  private static JobResult publish(String entry, Path wh, LocalDate ds, Map<String, String> sets) {
    if (entry.equals("api")) {
      return Jobs.runApi(new PublishJob(), wh, ds, sets, Map.of());
    }
    List<String> args = new ArrayList<>(List.of("publish", "--warehouse", wh.toString(), "--date", ds.toString()));
    sets.forEach((k, v) -> args.addAll(List.of("--set", k + "=" + v)));
    Jobs.Outcome o = Jobs.main(args.toArray(new String[0]));
    // The main prints the result line; rebuild the fields the assertions read from it.
    JobResult.Builder b = JobResult.builder("publish").exitCode(o.status());
    for (String field : o.out().lines().filter(l -> l.startsWith("RESULT publish")).findFirst().orElseThrow(
        () -> new AssertionError("no RESULT line in " + o.out() + o.err())).split(" ")) {
      int eq = field.indexOf('=');
      if (eq > 0) {
        b.metric(field.substring(0, eq), field.substring(eq + 1));
      }
    }
    return b.build();
  }

  @ParameterizedTest
  @ValueSource(strings = {"api", "main"})
  void publishesBlessedModelsOnceAndRefusesUnblessedOnes(String entry, @TempDir Path dir) throws Exception {
    Path wh = dir.resolve("wh");
    sources(dir, wh, D1, true);
    JobResult r = publish(entry, wh, D1, LENIENT);
    assertEquals(0, r.exitCode());
    assertEquals("v1:published", r.metrics().get("category"));
    assertEquals("v1:published", r.metrics().get("budget"));
    assertEquals("v1:published", r.metrics().get("broad_query"));

    ModelRegistry reg = ModelRegistry.open(wh.toString(), new Configuration());
    assertEquals(Optional.of(1), reg.alias("category", ModelRegistry.CURRENT));
    Path v1 = wh.resolve("models/category/1");
    assertTrue(Files.isRegularFile(v1.resolve("saved_model.pb")));
    assertTrue(Files.isRegularFile(v1.resolve("variables/variables.index")));
    assertTrue(Files.isRegularFile(v1.resolve("spark/weights.bin")), "the Spark model beside the SavedModel");
    Map<String, Object> meta = reg.metadata("category", 1);
    assertEquals(D1.toString(), meta.get("ds"));
    assertEquals(true, ((Map<?, ?>) meta.get("verdict")).get("blessed"));
    Map<?, ?> feature = (Map<?, ?>) meta.get("feature");
    assertEquals(65536, feature.get("size"));
    for (Object tv : (List<?>) feature.get("test_vectors")) {
      Map<?, ?> m = (Map<?, ?>) tv;
      assertEquals(dev.nightjar.text.FeatureHashing.index((String) m.get("input"), 65536), m.get("bucket"));
    }
    assertTrue(meta.get("source_fingerprint").toString().startsWith("sha256:"));
    assertFalse(((Map<?, ?>) meta.get("code_version")).get("commit").toString().isEmpty());
    assertEquals(2, EntropyLookup.load(wh.resolve("models/broad_query/1")).size(), "the lookup loads from the version");

    // Nothing changed: no second version.
    JobResult again = publish(entry, wh, D1, LENIENT);
    assertEquals("v1:unchanged", again.metrics().get("category"));
    assertEquals("v1:unchanged", again.metrics().get("budget"));
    assertEquals(List.of(1), reg.versions("category"));

    // A budget run that is not blessed is never published; the verdict says why; exit 3.
    sources(dir, wh, D2, false);
    JobResult refused = publish(entry, wh, D2, Map.of("publish.category.thresholds.hF-min", "1.01"));
    assertEquals(3, refused.exitCode());
    assertEquals("not_blessed", refused.metrics().get("budget"));
    assertEquals("not_blessed", refused.metrics().get("category"));
    assertEquals(List.of(1), reg.versions("budget"));
    assertEquals(List.of(1), reg.versions("category"));
    assertEquals(Optional.of(1), reg.alias("budget", ModelRegistry.CURRENT));
    String verdict = Files.readString(wh.resolve("models/budget/verdicts/" + D2 + ".json"));
    assertTrue(verdict.contains("\"blessed\" : false") && verdict.contains("auc = 0.5, expected auc >= 0.65"), verdict);
    String catVerdict = Files.readString(wh.resolve("models/category/verdicts/" + D2 + ".json"));
    assertTrue(catVerdict.contains(", expected hF >= 1.01"), catVerdict);
  }

  @Test
  void refusesACategoryModelWorseThanCurrent(@TempDir Path dir) throws Exception {
    Path wh = dir.resolve("wh");
    sources(dir, wh, D1, true);
    Map<String, String> onlyCategory = new HashMap<>(LENIENT);
    onlyCategory.put("publish.models", "[category]");
    assertEquals("v1:published", Jobs.runApi(new PublishJob(), wh, D1, onlyCategory, Map.of()).metrics().get("category"));
    // Pretend the current version scored far better than any retraining will.
    Path meta = wh.resolve("models/category/1/metadata.json");
    Files.writeString(meta, Files.readString(meta).replaceFirst("\"hF\" : [0-9.E-]+", "\"hF\" : 1.5"));
    sources(dir, wh, D2, true);
    JobResult r = Jobs.runApi(new PublishJob(), wh, D2, onlyCategory, Map.of());
    assertEquals(3, r.exitCode(), r.summaryLine() + "\n" + Files.readString(meta));
    String verdict = Files.readString(wh.resolve("models/category/verdicts/" + D2 + ".json"));
    assertTrue(verdict.contains("below current version 1 (1.5000), more than publish.category.max-hf-drop = 0.02"), verdict);
  }

  /** A candidate that fails while writing its artifacts: the crash the publish must survive. */
  private record Crashing(Path source) implements Candidate {
    public String model() { return "category"; }
    public String sourceDate() { return D2.toString(); }
    public org.apache.hadoop.fs.Path sourcePath() { return new org.apache.hadoop.fs.Path(source.toUri()); }
    public Map<String, Object> metrics() { return Map.of("hF", 0.9); }
    public BlessingGate.Verdict judge(Optional<Map<String, Object>> current) {
      return new BlessingGate.Verdict(true, List.of("test"));
    }
    public Map<String, Object> details() { return Map.of(); }
    public boolean hasSavedModel() { return true; }
    public void writeArtifacts(Publisher p, org.apache.hadoop.fs.Path draft) throws IOException {
      p.copyDirectory(sourcePath(), new org.apache.hadoop.fs.Path(draft, "spark"));
      throw new IOException("disk full (injected)");
    }
  }

  @Test
  void aPublishThatFailsMidwayLeavesNoVersionAndAliasesUnchanged(@TempDir Path dir) throws Exception {
    Path wh = dir.resolve("wh");
    sources(dir, wh, D1, true);
    Jobs.runApi(new PublishJob(), wh, D1, LENIENT, Map.of());
    ModelRegistry reg = ModelRegistry.open(wh.toString(), new Configuration());
    Map<String, Integer> aliasesBefore = reg.aliases("category");
    Path src = Files.createDirectories(dir.resolve("other-model"));
    Files.writeString(src.resolve("weights"), "different");
    Publisher p = new Publisher(reg, new Configuration(), D2.toString());
    IOException e = assertThrows(IOException.class, () -> p.publish(new Crashing(src)));
    assertEquals("disk full (injected)", e.getMessage());
    assertEquals(List.of(1), reg.versions("category"));
    assertEquals(aliasesBefore, reg.aliases("category"));
    try (var files = Files.list(wh.resolve("models/category"))) {
      assertTrue(files.noneMatch(f -> f.getFileName().toString().startsWith(".tmp-")), "the draft is removed");
    }
  }

  @Test
  void modelsCommandsListShowPromoteAndRollBack(@TempDir Path dir) throws Exception {
    Path wh = dir.resolve("wh");
    sources(dir, wh, D1, true);
    Map<String, String> onlyBroad = Map.of("publish.models", "[broad_query]");
    Jobs.runApi(new PublishJob(), wh, D1, onlyBroad, Map.of());
    Files.writeString(wh.resolve("exports/query_entropy/ds=" + D1 + "/part-00000"),
        EntropyLookup.formatLine("pen", 0, "Office", List.of(), List.of()) + "\n");
    Jobs.runApi(new PublishJob(), wh, D1, onlyBroad, Map.of());

    assertTrue(models(wh, Map.of("command", "list")).contains("broad_query  v2    [current]"));
    String shown = models(wh, Map.of("command", "show", "model", "broad_query"));
    assertTrue(shown.contains("\"version\" : 2") && shown.contains("\"queries\" : 1.0"), shown);
    assertEquals("broad_query current: 2 -> 1\n", models(wh, Map.of("command", "rollback", "model", "broad_query")));
    assertEquals("broad_query current: 1 -> 2\n", models(wh, Map.of("command", "promote", "model", "broad_query", "version", "2")));
    assertEquals("broad_query canary: none -> 1\n",
        models(wh, Map.of("command", "promote", "model", "broad_query", "version", "1", "alias", "canary")));

    Jobs.Outcome bad = Jobs.main("models", "launch", "--warehouse", wh.toString());
    assertEquals(2, bad.status());
    assertTrue(bad.err().contains("Unknown command 'launch' for job models: expected one of list, show, promote, rollback"), bad.err());
    Jobs.Outcome noVersion = Jobs.main("models", "promote", "--model", "broad_query", "--warehouse", wh.toString());
    assertEquals(2, noVersion.status());
    assertTrue(noVersion.err().contains("models promote needs --version N"), noVersion.err());
  }

  private static String models(Path wh, Map<String, String> options) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Jobs.runApi(new ModelsJob(new PrintStream(out, true, StandardCharsets.UTF_8)), wh, D1, Map.of(), options);
    return out.toString(StandardCharsets.UTF_8);
  }
}
