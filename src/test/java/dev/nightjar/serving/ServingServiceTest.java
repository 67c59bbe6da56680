package dev.nightjar.serving;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nightjar.category.CategoryScorer;
import dev.nightjar.category.KeslerModel;
import dev.nightjar.common.Settings;
import dev.nightjar.featurestore.EmbeddedFeatureStore;
import dev.nightjar.featurestore.FeatureStore;
import dev.nightjar.featurestore.RedisFeatureStore;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The service in-process on an ephemeral port, over a registry written in the test. */
class ServingServiceTest {
  static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private ServingService service;

  @TempDir Path warehouse;

  record Reply(int status, JsonNode body) {
    String error() {
      return body.path("error").asText();
    }
  }

  static ServingService.Options options(long pollMillis) {
    Map<String, String> sets = new LinkedHashMap<>();
    sets.put("serving.port", "0");
    sets.put("serving.host", "127.0.0.1");
    sets.put("serving.poll-interval-ms", Long.toString(pollMillis));
    sets.put("serving.models", "[category, budget, broad_query, affine]");
    // Batches past CategoryScorer.CHUNK go through its sorted chunks.
    sets.put("serving.max-instances", "64");
    sets.put("serving.access-log", "none");
    return ServingService.Options.from(Settings.load(new java.io.File("/nonexistent"), null, sets));
  }

  private ServingService start(long pollMillis, Optional<FeatureStore> store) throws Exception {
    service = ServingService.start(options(pollMillis), warehouse, store);
    return service;
  }

  @AfterEach
  void stop() {
    if (service != null) {
      service.close();
    }
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + service.port() + path);
  }

  Reply get(String path) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri(path)).GET().build(), HttpResponse.BodyHandlers.ofString());
    return new Reply(r.statusCode(), JSON.readTree(r.body()));
  }

  Reply post(String path, String body) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri(path)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
    return new Reply(r.statusCode(), JSON.readTree(r.body()));
  }

  @Test
  void tfServingRestApiOverAnySignature() throws Exception {
    ServingFixtures.publish(warehouse, "affine", 1, d -> ServingFixtures.affine(d, 2f, 1f));
    start(1000, Optional.empty());

    Reply r = post("/v1/models/affine:predict", "{\"instances\": [1.0, 2.5, -1]}");
    assertEquals(200, r.status(), r.body().toString());
    assertEquals(JSON.readTree("{\"predictions\": [3.0, 6.0, -1.0]}"), r.body());
    assertEquals(JSON.readTree("{\"outputs\": [3.0, 5.0]}"), post("/v1/models/affine:predict", "{\"inputs\": [1, 2]}").body());
    assertEquals(JSON.readTree("{\"outputs\": [21.0]}"), post("/v1/models/affine:predict", "{\"inputs\": {\"x\": [10]}}").body());
    // Several inputs and outputs, strings, a named signature, row and columnar forms.
    r = post("/v1/models/affine:predict", "{\"signature_name\": \"two\", \"instances\": ["
        + "{\"word\": [\"caf\u00e9\", \"b\"], \"scale\": 2}, {\"word\": [\"c\", {\"b64\": \"ZA==\"}], \"scale\": 0.5}]}");
    assertEquals(JSON.readTree("{\"predictions\": [{\"joined\": \"caf\u00e9+b\", \"scaled\": 4.0},"
        + " {\"joined\": \"c+d\", \"scaled\": 1.0}]}"), r.body());
    r = post("/v1/models/affine:predict", "{\"signature_name\": \"two\", \"inputs\": {\"word\": [[\"x\", \"y\"]], \"scale\": [3]}}");
    assertEquals(JSON.readTree("{\"outputs\": {\"joined\": [\"x+y\"], \"scaled\": [6.0]}}"), r.body());

    // Pinned to the served version, as TF Serving clients may do; another version is not served.
    assertEquals(JSON.readTree("{\"outputs\": [3.0]}"), post("/v1/models/affine/versions/1:predict", "{\"inputs\": [1]}").body());
    r = post("/v1/models/affine/versions/2:predict", "{\"inputs\": [1]}");
    assertEquals(404, r.status());
    assertEquals("Model 'affine' version 2 is not loaded; this service serves version 1 (the registry's current)", r.error());
    assertEquals(200, get("/v1/models/affine/versions/1").status());
    assertEquals(404, get("/v1/models/affine/versions/3/metadata").status());
    assertEquals(404, get("/v1/models/affine/labels/stable").status());

    r = get("/v1/models/affine");
    assertEquals(JSON.readTree("{\"model_version_status\": [{\"version\": \"1\", \"state\": \"AVAILABLE\","
        + " \"status\": {\"error_code\": \"OK\", \"error_message\": \"\"}}]}"), r.body());
    r = get("/v1/models/affine/metadata");
    assertEquals(200, r.status());
    assertEquals("1", r.body().at("/model_spec/version").asText());
    JsonNode sig = r.body().at("/metadata/signature_def/signature_def/serving_default");
    assertEquals("DT_FLOAT", sig.at("/inputs/x/dtype").asText());
    assertEquals("-1", sig.at("/inputs/x/tensor_shape/dim/0/size").asText());
    assertEquals("DT_FLOAT", sig.at("/outputs/y/dtype").asText());
    assertEquals("DT_STRING", r.body().at("/metadata/signature_def/signature_def/two/inputs/word/dtype").asText());
  }

  @Test
  void everyBadInputGetsAnErrorWithAMessageAndTheServiceGoesOn() throws Exception {
    ServingFixtures.publish(warehouse, "affine", 1, d -> ServingFixtures.affine(d, 2f, 1f));
    ServingFixtures.publish(warehouse, "category", 1, d -> ServingFixtures.category(d, 1));
    Path store = warehouse.resolve("online");
    EmbeddedFeatureStore fs = new EmbeddedFeatureStore(store, 0);
    fs.putAll("2026-11-20", List.of(Map.entry("s1", "{\"visitors_30d\": 5}")).iterator());
    start(1000, Optional.of(fs));

    Reply r = post("/v1/models/affine:predict", "{\"instances\": [1.0,");
    assertEquals(400, r.status());
    assertTrue(r.error().startsWith("Malformed JSON: "), r.error());
    r = post("/v1/categorize", "{title: 'no quotes'}");
    assertEquals(400, r.status());
    assertTrue(r.error().startsWith("Malformed JSON: "), r.error());
    r = post("/v1/categorize", "");
    assertEquals(400, r.status());
    assertEquals("Expected a JSON body, found an empty one", r.error());

    String big = "{\"instances\": [" + "1.0, ".repeat(300_000) + "1.0]}";
    assertTrue(big.length() > (1 << 20));
    r = post("/v1/models/affine:predict", big);
    assertEquals(413, r.status());
    assertTrue(r.error().contains("the limit is 1048576"), r.error());
    // Without a Content-Length (chunked), the limit holds too.
    byte[] bigBytes = big.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    HttpResponse<String> chunked = http.send(HttpRequest.newBuilder(uri("/v1/models/affine:predict"))
        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(bigBytes))).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(413, chunked.statusCode(), chunked.body());
    assertEquals("The body has more than 1048576 bytes (the limit)", JSON.readTree(chunked.body()).get("error").asText());
    // Exactly at the limit is fine (a valid body padded with spaces).
    String atLimit = "{\"instances\": [1.0]}";
    atLimit = atLimit + " ".repeat((1 << 20) - atLimit.length());
    assertEquals(200, post("/v1/models/affine:predict", atLimit).status());

    r = post("/v1/models/nope:predict", "{\"instances\": [1.0]}");
    assertEquals(404, r.status());
    assertEquals("Unknown model 'nope'; this service serves [category, budget, broad_query, affine]", r.error());
    assertEquals(404, get("/v1/models/nope").status());
    assertEquals(404, get("/v1/models/nope/metadata").status());
    assertEquals(404, get("/v2/anything").status());
    r = get("/v1/models/affine:predict");
    assertEquals(405, r.status());
    assertEquals("Expected POST, found GET", r.error());

    r = post("/v1/models/affine:predict", "{\"instances\": [[1.0, 2.0]]}");
    assertEquals(400, r.status());
    assertEquals("Input 'x' expects rank 1 (shape [-1]), found rank 2 (shape [1, 2])", r.error());
    r = post("/v1/models/affine:predict", "{\"instances\": [\"one\"]}");
    assertEquals(400, r.status());
    assertEquals("Input 'x' is numeric: expected a number, found \"one\"", r.error());
    r = post("/v1/models/affine:predict", "{\"instances\": [1], \"inputs\": [1]}");
    assertEquals(400, r.status());
    r = post("/v1/models/affine:predict", "{\"inputs\": {\"z\": [1]}}");
    assertEquals(400, r.status());
    assertTrue(r.error().startsWith("Missing input 'x'"), r.error());
    r = post("/v1/models/affine:predict", "{\"signature_name\": \"two\", \"inputs\": {\"word\": [[\"a\", \"b\"], [\"c\"]], \"scale\": [1, 2]}}");
    assertEquals(400, r.status());
    assertTrue(r.error().contains("not rectangular"), r.error());
    r = post("/v1/models/affine:predict", "{\"signature_name\": \"three\", \"instances\": [1]}");
    assertEquals(400, r.status());
    assertEquals("Unknown signature_name 'three'; the model has [serving_default, two]", r.error());
    // Batch sizes the graph refuses: TensorFlow's own error, as a 400.
    r = post("/v1/models/affine:predict", "{\"signature_name\": \"two\", \"inputs\": {\"word\": [[\"a\", \"b\"]], \"scale\": [1, 2]}}");
    assertEquals(200, r.status(), "independent outputs may differ in batch size: " + r.body());

    r = post("/v1/categorize", "{\"title\": \"\", \"vendor\": null}");
    assertEquals(400, r.status());
    assertTrue(r.error().startsWith("The product has no text"), r.error());
    r = post("/v1/categorize", "{\"title\": {\"nested\": 1}}");
    assertEquals(400, r.status());
    assertEquals(400, post("/v1/categorize", "[1, 2]").status());

    r = post("/v1/budget", "{\"shop_id\": \"no-such-shop\"}");
    assertEquals(404, r.status());
    assertEquals("Unknown shop 'no-such-shop': the feature store (embedded " + store.resolve("snapshot.jsonl.gz")
        + ", snapshot 2026-11-20) has no features for it", r.error());
    r = post("/v1/budget", "{\"shop\": 1}");
    assertEquals(400, r.status());
    assertTrue(r.error().startsWith("Expected {\"shop_id\": ...}"), r.error());
    // A known shop but no budget model published yet.
    r = post("/v1/budget", "{\"shop_id\": \"s1\"}");
    assertEquals(503, r.status());
    assertTrue(r.error().startsWith("Model 'budget' has no loaded version yet"), r.error());
    r = get("/v1/broad-query");
    assertEquals(400, r.status());
    assertEquals("Expected a query: /v1/broad-query?q=TEXT", r.error());

    // Still serving.
    assertEquals(JSON.readTree("{\"predictions\": [3.0]}"), post("/v1/models/affine:predict", "{\"instances\": [1]}").body());
  }

  @Test
  void categorizeCleansLikeTheBatchJobAndScoresLikeKeslerModel() throws Exception {
    KeslerModel[] model = new KeslerModel[1];
    ServingFixtures.publish(warehouse, "category", 1, d -> model[0] = ServingFixtures.category(d, 42));
    start(1000, Optional.empty());
    List<Map<String, Object>> products = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      Map<String, Object> p = new LinkedHashMap<>();
      p.put("product_id", "p" + i);
      p.put("title", "<b>Men's</b> Running Shoe &amp; Sock w" + i + " size " + (i % 9));
      p.put("description", "Breathable mesh upper, see https://example.com/x" + i + " " + "w" + (i * 7 % 13) + " cotton ".repeat(i % 4));
      p.put("tags", i % 2 == 0 ? List.of("sport", "w" + (i % 5)) : "sale, w" + (i % 3));
      p.put("vendor", i % 3 == 0 ? null : "Vendor" + (i % 4));
      products.add(p);
    }
    List<JsonNode> answers = new ArrayList<>();
    for (Map<String, Object> p : products) {
      Reply r = post("/v1/categorize", JSON.writeValueAsString(p));
      assertEquals(200, r.status(), r.body().toString());
      answers.add(r.body());
    }
    Reply batch = post("/v1/categorize", JSON.writeValueAsString(Map.of("products", products)));
    assertEquals(200, batch.status());
    java.util.Set<String> paths = new java.util.HashSet<>();
    for (int i = 0; i < products.size(); i++) {
      Map<String, Object> p = products.get(i);
      List<String> fields = new ArrayList<>();
      for (String f : dev.nightjar.text.ProductText.FIELDS) {
        Object v = p.get(f);
        fields.add(v instanceof List<?> l ? String.join(", ", l.stream().map(Object::toString).toList()) : (String) v);
      }
      KeslerModel.Prediction want = model[0].predict(dev.nightjar.text.Featurization.defaults().terms(fields));
      for (JsonNode got : List.of(answers.get(i), batch.body().get("predictions").get(i))) {
        assertEquals("p" + i, got.get("product_id").asText());
        assertEquals(want.path(), got.get("category_path").asText(), "product " + i);
        assertEquals(want.id(), got.get("category_id").asLong());
        assertEquals(1, got.get("model_version").asLong());
        double[] scores = new double[got.get("levels").size()];
        String[] names = want.path().split(" > ");
        for (int l = 0; l < scores.length; l++) {
          scores[l] = got.get("levels").get(l).get("score").asDouble();
          assertEquals(names[l], got.get("levels").get(l).get("name").asText());
        }
        assertArrayEquals(want.levelScores(), scores, 1e-6, "product " + i);
      }
      paths.add(want.path());
    }
    assertTrue(paths.size() >= 2, "the products should not all land in one category: " + paths);
  }

  @Test
  void broadQueryLookupAndHealth() throws Exception {
    start(50, Optional.empty());
    Reply h = get("/healthz");
    assertEquals(503, h.status());
    assertEquals("degraded", h.body().get("status").asText());
    assertTrue(h.body().at("/models/category/version").isNull());
    assertEquals(503, post("/v1/categorize", "{\"title\": \"shoe\"}").status());

    ServingFixtures.publish(warehouse, "broad_query", 1, d -> ServingFixtures.broadQuery(d, ServingFixtures.broadQueryLines("Apparel")));
    service.pollRegistry();
    Reply r = get("/v1/broad-query?q=%20SHOES%20");
    assertEquals(200, r.status(), r.body().toString());
    assertEquals(JSON.readTree("{\"q\": \" SHOES \", \"known\": true, \"query\": \"shoes\", \"broad_level\": 1, \"broad\": true,"
        + " \"top_category\": \"Apparel\", \"show\": [{\"name\": \"Apparel\", \"share\": 0.6}, {\"name\": \"Sports\", \"share\": 0.4}],"
        + " \"model_version\": 1}"), r.body());
    r = get("/v1/broad-query?q=red+running+shoes");
    assertEquals(0, r.body().get("broad_level").asInt());
    assertTrue(r.body().get("known").asBoolean());
    r = get("/v1/broad-query?q=zzz");
    assertFalse(r.body().get("known").asBoolean());
    assertEquals(0, r.body().get("broad_level").asInt());

    ServingFixtures.publish(warehouse, "category", 1, d -> ServingFixtures.category(d, 1));
    ServingFixtures.publish(warehouse, "budget", 1, d -> ServingFixtures.affine(d, 1f, 0f));
    ServingFixtures.publish(warehouse, "affine", 7, d -> ServingFixtures.affine(d, 1f, 0f));
    service.pollRegistry();
    h = get("/healthz");
    // The "budget" version is not a budget SavedModel: skipped with the reason, the rest is up.
    assertEquals(503, h.status());
    assertTrue(h.body().at("/models/budget/version").isNull());
    assertTrue(h.body().at("/models/budget/last_failure").asText().startsWith("version 1 ("), h.body().toString());
    assertEquals(1, h.body().at("/models/category/version").asLong());
    assertEquals(7, h.body().at("/models/affine/version").asLong());
    assertEquals(1, h.body().at("/models/broad_query/version").asLong());
    assertEquals("none", h.body().at("/feature_store/kind").asText());
  }

  @Test
  void hotSwapUnderConcurrentRequests() throws Exception {
    ServingFixtures.publish(warehouse, "affine", 1, d -> ServingFixtures.affine(d, 2f, 1f));
    start(20, Optional.empty());
    AtomicBoolean stop = new AtomicBoolean();
    ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
    double[] seen = new double[8];
    AtomicLong requests = new AtomicLong();
    List<Thread> clients = new ArrayList<>();
    for (int c = 0; c < 8; c++) {
      int id = c;
      Thread t = new Thread(() -> {
        while (!stop.get()) {
          try {
            Reply r = post("/v1/models/affine:predict", "{\"instances\": [1.0]}");
            double y = r.body().path("predictions").path(0).asDouble(Double.NaN);
            // v1: 2x+1 = 3; v2: 3x+1 = 4; v4: 4x+1 = 5. v3 is broken and must never answer.
            if (r.status() != 200 || !(y == 3 || y == 4 || y == 5)) {
              errors.add(r.status() + " " + r.body());
            }
            seen[id] = y;
            requests.incrementAndGet();
          } catch (Exception e) {
            errors.add(e.toString());
          }
        }
      });
      t.start();
      clients.add(t);
    }
    try {
      waitUntil(() -> requests.get() > 200, "first requests");
      ServingFixtures.publish(warehouse, "affine", 2, d -> ServingFixtures.affine(d, 3f, 1f));
      waitUntil(() -> Arrays.stream(seen).allMatch(y -> y == 4), "every client sees version 2");

      // A broken version: skipped and logged, version 2 keeps serving.
      ServingFixtures.publish(warehouse, "affine", 3, d -> Files.writeString(d.resolve("saved_model.pb"), "not a protobuf"));
      waitUntil(() -> service.slot("affine").lastFailedVersion() == 3, "version 3 is tried");
      long before = requests.get();
      waitUntil(() -> requests.get() > before + 200, "requests after the broken version");
      assertEquals(2, service.slot("affine").version().getAsLong());
      assertTrue(Arrays.stream(seen).allMatch(y -> y == 4));
      Reply h = get("/healthz");
      assertEquals(2, h.body().at("/models/affine/version").asLong());
      assertTrue(h.body().at("/models/affine/last_failure").asText().startsWith("version 3 ("), h.body().toString());

      ServingFixtures.publish(warehouse, "affine", 4, d -> ServingFixtures.affine(d, 4f, 1f));
      waitUntil(() -> Arrays.stream(seen).allMatch(y -> y == 5), "every client sees version 4");
    } finally {
      stop.set(true);
      for (Thread t : clients) {
        t.join();
      }
    }
    assertTrue(errors.isEmpty(), errors.size() + " errors, first: " + errors.peek());
    assertTrue(requests.get() > 400, "requests: " + requests.get());
  }

  @Test
  void anUnreachableFeatureStoreIsA503() throws Exception {
    int port;
    try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
      port = free.getLocalPort();
    }
    start(1000, Optional.of(new RedisFeatureStore(URI.create("redis://127.0.0.1:" + port), "x", 0)));
    Reply r = post("/v1/budget", "{\"shop_id\": 7}");
    assertEquals(503, r.status());
    assertTrue(r.error().startsWith("The feature store (redis://127.0.0.1:" + port + " x) is unavailable: "), r.error());
    Reply h = get("/healthz");
    assertEquals(503, h.status());
    assertTrue(h.body().at("/feature_store/error").asText().contains("Jedis"), h.body().toString());
  }

  @Test
  void serveCommandLine() {
    dev.nightjar.testing.Jobs.Outcome o = dev.nightjar.testing.Jobs.main("serve", "--warehouse", warehouse.toString(), "--port", "http");
    assertEquals(2, o.status(), o.err());
    assertTrue(o.err().contains("Cannot set serving.port to http"), o.err());
    o = dev.nightjar.testing.Jobs.main("serve", "--help");
    assertEquals(0, o.status(), o.err());
    assertTrue(o.out().contains("--port N") && o.out().contains("key serving.port"), o.out());
  }

  static void waitUntil(java.util.function.BooleanSupplier c, String what) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!c.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("Timed out waiting for: " + what);
      }
      Thread.sleep(10);
    }
  }
}
