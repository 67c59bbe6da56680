package dev.nightjar.publish;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nightjar.budget.BudgetFeaturesJob;
import dev.nightjar.budget.TrainBudgetJob;
import dev.nightjar.category.CategoryText;
import dev.nightjar.category.KeslerModel;
import dev.nightjar.category.TrainCategoryJob;
import dev.nightjar.common.ExitCodes;
import dev.nightjar.common.JobResult;
import dev.nightjar.common.Settings;
import dev.nightjar.evaluation.BlessingGate;
import dev.nightjar.model.Artifacts;
import dev.nightjar.model.Candidate;
import dev.nightjar.registry.ModelRegistry;
import dev.nightjar.sample.GenerateSampleJob;
import dev.nightjar.search.EntropyJob;
import dev.nightjar.search.EntropyLookup;
import dev.nightjar.serving.ServingService;
import dev.nightjar.testing.Jobs;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PublishJobTest {
  private static final LocalDate D1 = LocalDate.of(2026, 11, 20);
  private static final LocalDate D2 = LocalDate.of(2026, 11, 21);
  /** Thresholds every sample model passes: the sample is small, the gate is not under test here. */
  private static final Map<String, String> LENIENT_BUDGET = Map.of("monitoring.thresholds.auc-min", "0.0",
      "monitoring.thresholds.log-loss-max", "null", "monitoring.thresholds.calibration-error-max", "null",
      "monitoring.thresholds.range-coverage-error-max", "null", "monitoring.thresholds.cpv-rmse-log-max", "null");
  private static final Map<String, String> LENIENT = Map.of("publish.category.thresholds.hF-min", "0.1");

  @TempDir static Path shared;

  /**
   * One real sample world, built once and copied per test: on D1 a trained category model, an
   * entropy export and a blessed budget run; on D2 a retrained category model and a budget run
   * that is not blessed.
   */
  @BeforeAll
  static void sources() {
    Path wh = shared.resolve("base");
    Map<String, String> sample = Map.of("sample.products", "400", "sample.budget.shops", "120", "sample.budget.days", "30");
    assertEquals(0, Jobs.runApi(new GenerateSampleJob(), wh, D1, sample, Map.of()).exitCode());
    for (LocalDate ds : List.of(D1, D2)) {
      Jobs.runApi(new dev.nightjar.text.FeaturizeJob(), wh, ds, Map.of(), Map.of());
      Jobs.runApi(new TrainCategoryJob(), wh, ds, Map.of("category.train.num-features", "65536",
          "category.train.epochs", "3"), Map.of());
      Jobs.runApi(new BudgetFeaturesJob(), wh, ds, Map.of(), Map.of());
      Map<String, String> gate = new HashMap<>(LENIENT_BUDGET);
      if (ds.equals(D2)) {
        gate.put("monitoring.thresholds.auc-min", "1.01");
      }
      JobResult b = Jobs.runApi(new TrainBudgetJob(), wh, ds, gate, Map.of());
      assertEquals(ds.equals(D1) ? ExitCodes.OK : ExitCodes.NOT_BLESSED, b.exitCode(), b.toString());
    }
    Jobs.runApi(new EntropyJob(), wh, D1, Map.of(), Map.of());
  }

  /** A private copy of the base warehouse (Delta tables copy as files: their log paths are relative). */
  private static Path warehouse(Path dir) throws IOException {
    Path base = shared.resolve("base");
    Path wh = dir.resolve("wh");
    try (var files = Files.walk(base)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        Path t = wh.resolve(base.relativize(f).toString());
        if (Files.isDirectory(f)) {
          Files.createDirectories(t);
        } else {
          Files.copy(f, t);
        }
      }
    }
    return wh;
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
    Path wh = warehouse(dir);
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
    assertTrue(Files.isRegularFile(wh.resolve("models/budget/1/saved_model.pb")));
    assertTrue(Files.isDirectory(wh.resolve("models/budget/1/spark/chance")));
    for (Object tv : (List<?>) feature.get("test_vectors")) {
      Map<?, ?> m = (Map<?, ?>) tv;
      assertEquals(dev.nightjar.text.FeatureHashing.index((String) m.get("input"), 65536), m.get("bucket"));
    }
    assertTrue(meta.get("source_fingerprint").toString().startsWith("sha256:"));
    assertFalse(((Map<?, ?>) meta.get("code_version")).get("commit").toString().isEmpty());
    assertTrue(EntropyLookup.load(wh.resolve("models/broad_query/1")).size() > 10, "the lookup loads from the version");

    // Nothing changed: no second version.
    JobResult again = publish(entry, wh, D1, LENIENT);
    assertEquals("v1:unchanged", again.metrics().get("category"));
    assertEquals("v1:unchanged", again.metrics().get("budget"));
    assertEquals(List.of(1), reg.versions("category"));

    // A budget run that is not blessed is never published; the verdict says why; exit 3.
    JobResult refused = publish(entry, wh, D2, Map.of("publish.category.thresholds.hF-min", "1.01"));
    assertEquals(3, refused.exitCode());
    assertEquals("not_blessed", refused.metrics().get("budget"));
    assertEquals("not_blessed", refused.metrics().get("category"));
    assertEquals(List.of(1), reg.versions("budget"));
    assertEquals(List.of(1), reg.versions("category"));
    assertEquals(Optional.of(1), reg.alias("budget", ModelRegistry.CURRENT));
    String verdict = Files.readString(wh.resolve("models/budget/verdicts/" + D2 + ".json"));
    assertTrue(verdict.contains("\"blessed\" : false") && verdict.contains(", expected auc >= 1.01"), verdict);
    String catVerdict = Files.readString(wh.resolve("models/category/verdicts/" + D2 + ".json"));
    assertTrue(catVerdict.contains(", expected hF >= 1.01"), catVerdict);
  }

  @Test
  void refusesACategoryModelWorseThanCurrent(@TempDir Path dir) throws Exception {
    Path wh = warehouse(dir);
    Map<String, String> onlyCategory = new HashMap<>(LENIENT);
    onlyCategory.put("publish.models", "[category]");
    assertEquals("v1:published", Jobs.runApi(new PublishJob(), wh, D1, onlyCategory, Map.of()).metrics().get("category"));
    // Pretend the current version scored far better than any retraining will.
    Path meta = wh.resolve("models/category/1/metadata.json");
    Files.writeString(meta, Files.readString(meta).replaceFirst("\"hF\" : [0-9.E-]+", "\"hF\" : 1.5"));
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
    public void writeArtifacts(Artifacts p, org.apache.hadoop.fs.Path draft) throws IOException {
      p.copy(sourcePath(), new org.apache.hadoop.fs.Path(draft, "spark"));
      throw new IOException("disk full (injected)");
    }
  }

  @Test
  void aPublishThatFailsMidwayLeavesNoVersionAndAliasesUnchanged(@TempDir Path dir) throws Exception {
    Path wh = warehouse(dir);
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
    Path wh = warehouse(dir);
    Map<String, String> onlyBroad = Map.of("publish.models", "[broad_query]");
    Jobs.runApi(new PublishJob(), wh, D1, onlyBroad, Map.of());
    // The next night's export differs: one query only.
    Path export = wh.resolve("exports/query_entropy/ds=" + D1);
    try (var parts = Files.list(export)) {
      for (Path part : parts.filter(f -> f.getFileName().toString().startsWith("part-")).toList()) {
        Files.delete(part);
      }
    }
    Files.writeString(export.resolve("part-00000"), EntropyLookup.formatLine("pen", 0, "Office", List.of(), List.of()) + "\n");
    Jobs.runApi(new PublishJob(), wh, D1, onlyBroad, Map.of());

    String list = models(wh, Map.of("command", "list"));
    assertTrue(list.lines().anyMatch(l -> l.matches("broad_query +2 +current +" + D1 + " .*")), list);
    String shown = models(wh, Map.of("command", "show", "model", "broad_query"));
    assertTrue(shown.contains("\"version\" : 2") && shown.contains("\"queries\" : 1.0"), shown);
    assertEquals("broad_query current: 2 -> 1\n", models(wh, Map.of("command", "rollback", "model", "broad_query")));
    assertEquals("broad_query current: 1 -> 2\n", models(wh, Map.of("command", "promote", "model", "broad_query", "version", "2")));
    assertEquals("broad_query canary: none -> 1\n",
        models(wh, Map.of("command", "promote", "model", "broad_query", "version", "1", "alias", "canary")));

    Jobs.Outcome bad = Jobs.main("models", "launch", "--warehouse", wh.toString());
    assertEquals(2, bad.status());
    assertTrue(bad.err().contains("Unknown command 'launch' for job models: expected one of list, show, promote, rollback, alias, diff"), bad.err());
    Jobs.Outcome noVersion = Jobs.main("models", "promote", "--model", "broad_query", "--warehouse", wh.toString());
    assertEquals(2, noVersion.status());
    assertTrue(noVersion.err().contains("models promote needs --version N"), noVersion.err());
  }

  private static String models(Path wh, Map<String, String> options) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Jobs.runApi(new ModelsJob(new PrintStream(out, true, StandardCharsets.UTF_8)), wh, D1, Map.of(), options);
    return out.toString(StandardCharsets.UTF_8);
  }

  private static final com.fasterxml.jackson.databind.ObjectMapper SERVE_JSON = new com.fasterxml.jackson.databind.ObjectMapper();

  /** What `jobs/run publish` writes is what `jobs/serve` serves: the registry contract end to end. */
  @Test
  void theServiceServesWhatPublishWrote(@TempDir Path dir) throws Exception {
    LocalDate ds = D1;
    Path wh = warehouse(dir);
    JobResult r = Jobs.runApi(new PublishJob(), wh, ds, LENIENT, Map.of());
    assertEquals("v1:published", r.metrics().get("category"), r.toString());
    assertEquals("v1:published", r.metrics().get("broad_query"), r.toString());

    Map<String, String> sets = new LinkedHashMap<>();
    sets.put("serving.port", "0");
    sets.put("serving.host", "127.0.0.1");
    var config = Settings.load(new java.io.File("/nonexistent"), null, sets);
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    try (ServingService s = ServingService.start(ServingService.Options.from(config), wh, Optional.empty())) {
      String base = "http://127.0.0.1:" + s.port();
      JsonNode health = SERVE_JSON.readTree(http.send(HttpRequest.newBuilder(URI.create(base + "/healthz")).build(),
          HttpResponse.BodyHandlers.ofString()).body());
      assertEquals(1, health.at("/models/category/version").asLong(), health.toString());
      assertEquals(1, health.at("/models/broad_query/version").asLong(), health.toString());

      // The published SavedModel answers as the published Spark model with predict-category's confidence stop and beam.
      KeslerModel spark = KeslerModel.load(wh.resolve("models/category/1/spark").toString())
          .setMinConfidence(Settings.doubleIn(config, "category.predict.min-confidence", 0, 1))
          .setBeamWidth(Settings.intIn(config, "category.predict.beam-width", 1, 64));
      for (String title : List.of("blue cotton shirt", "steel kitchen knife", "running shoes for men", "gift pen")) {
        Map<String, Object> product = Map.of("title", title, "description", "a " + title + " of good quality");
        HttpResponse<String> res = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/categorize"))
            .POST(HttpRequest.BodyPublishers.ofString(SERVE_JSON.writeValueAsString(product))).build(),
            HttpResponse.BodyHandlers.ofString());
        assertEquals(200, res.statusCode(), res.body());
        JsonNode got = SERVE_JSON.readTree(res.body());
        KeslerModel.Prediction want = spark.predict(CategoryText.of(spark, "the trained model").terms(
            Arrays.asList(title, "a " + title + " of good quality", null, null, null, null)));
        assertEquals(want.path(), got.get("category_path").asText(), title);
        double[] scores = new double[got.get("levels").size()];
        for (int i = 0; i < scores.length; i++) {
          scores[i] = got.get("levels").get(i).get("score").asDouble();
        }
        assertArrayEquals(want.levelScores(), scores, 1e-6, title);
        assertEquals(1, got.get("model_version").asLong());
      }
      EntropyLookup.Entry broad = EntropyLookup.load(wh.resolve("models/broad_query/1")).entries().stream()
          .filter(EntropyLookup.Entry::broad).findFirst().orElseThrow();
      JsonNode got = SERVE_JSON.readTree(http.send(HttpRequest.newBuilder(URI.create(base + "/v1/broad-query?q="
          + java.net.URLEncoder.encode(broad.query(), java.nio.charset.StandardCharsets.UTF_8))).build(),
          HttpResponse.BodyHandlers.ofString()).body());
      assertEquals(broad.broadLevel(), got.get("broad_level").asInt(), got.toString());
      assertEquals(broad.show().get(0).name(), got.get("show").get(0).get("name").asText());
    }
  }
}
