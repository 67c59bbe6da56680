package dev.nightjar.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nightjar.common.Settings;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Back pressure, the per-request deadline and /metrics, on a real service over loopback. */
class ServingLimitsTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String PRODUCT = "{\"title\": \"Running shoe\"}";

  @TempDir Path warehouse;

  static ServingService start(Path warehouse, Map<String, String> extra) throws IOException {
    return ServingFixtures.start(warehouse, extra);
  }

  /** A request whose body arrives in two parts: the request thread waits for the second. */
  static final class SlowRequest implements AutoCloseable {
    final Socket socket;
    final byte[] rest;

    SlowRequest(int port, String path, String body, int firstBytes) throws IOException {
      socket = new Socket("127.0.0.1", port);
      socket.setSoTimeout(30_000);
      byte[] b = body.getBytes(StandardCharsets.UTF_8);
      OutputStream out = socket.getOutputStream();
      out.write(("POST " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: " + b.length + "\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      out.write(b, 0, firstBytes);
      out.flush();
      rest = java.util.Arrays.copyOfRange(b, firstBytes, b.length);
    }

    ServingFuzzTest.Response finish() throws IOException {
      socket.getOutputStream().write(rest);
      socket.getOutputStream().flush();
      return read(socket.getInputStream());
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }

  static ServingFuzzTest.Response read(InputStream in) throws IOException {
    String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    int split = text.indexOf("\r\n\r\n");
    String[] lines = text.substring(0, split).split("\r\n");
    Map<String, String> headers = new LinkedHashMap<>();
    for (int i = 1; i < lines.length; i++) {
      int c = lines[i].indexOf(':');
      headers.put(lines[i].substring(0, c).trim().toLowerCase(java.util.Locale.ROOT), lines[i].substring(c + 1).trim());
    }
    return new ServingFuzzTest.Response(Integer.parseInt(lines[0].split(" ")[1]), headers,
        text.substring(split + 4).getBytes(StandardCharsets.UTF_8));
  }

  static ServingFuzzTest.Response call(int port, String method, String path, String body) throws IOException {
    String req = method + " " + path + " HTTP/1.1\r\nHost: x\r\n" + (body == null ? "\r\n" : "\r\n" + body);
    return ServingFuzzTest.send(port, ServingFuzzTest.request(req.getBytes(StandardCharsets.UTF_8)));
  }

  static String error(ServingFuzzTest.Response r) throws IOException {
    return JSON.readTree(r.body()).path("error").asText();
  }

  @Test
  void aFullQueueIsA429WithRetryAfterAtOnceAndNothingQueuedIsLost() throws Exception {
    ServingFixtures.publish(warehouse, "category", 1, d -> ServingFixtures.category(d, 1));
    try (ServingService s = start(warehouse, Map.of("serving.threads", "1", "serving.queue", "1",
        "serving.retry-after-seconds", "7"))) {
      // The only thread waits for the rest of A's body; B waits in the queue; C finds it full.
      try (SlowRequest a = new SlowRequest(s.port(), "/v1/categorize", PRODUCT, 5)) {
        Thread.sleep(300);
        try (SlowRequest b = new SlowRequest(s.port(), "/v1/categorize", PRODUCT, 5)) {
          Thread.sleep(300);
          long t0 = System.nanoTime();
          ServingFuzzTest.Response c = call(s.port(), "POST", "/v1/categorize", PRODUCT);
          long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
          assertEquals(429, c.status());
          assertEquals("7", c.headers().get("retry-after"));
          assertEquals("The service is busy: all 1 request threads are working and 1 requests wait"
              + " (serving.threads, serving.queue); retry after 7 s", error(c));
          assertTrue(ms < 5_000, "answered at once, not after the queue drained: " + ms + " ms");
          assertEquals(200, a.finish().status());
          assertEquals(200, b.finish().status());
        }
      }
      assertEquals(200, call(s.port(), "POST", "/v1/categorize", PRODUCT).status());
    }
  }

  @Test
  void aRequestPastItsDeadlineIsAbandonedWithA503() throws Exception {
    ServingFixtures.publish(warehouse, "category", 1, d -> ServingFixtures.category(d, 1));
    try (ServingService s = start(warehouse, Map.of("serving.request-timeout-ms", "100"))) {
      try (SlowRequest a = new SlowRequest(s.port(), "/v1/categorize", PRODUCT, 5)) {
        Thread.sleep(400);
        ServingFuzzTest.Response r = a.finish();
        assertEquals(503, r.status());
        assertEquals("1", r.headers().get("retry-after"));
        assertEquals("The request was abandoned while cleaning the products: it took longer than 100 ms"
            + " (serving.request-timeout-ms); send fewer or smaller products, or retry later", error(r));
      }
      assertEquals(200, call(s.port(), "POST", "/v1/categorize", PRODUCT).status());
    }
  }

  /** The samples of a /metrics answer as parsed by the Prometheus Python client's own parser. */
  static JsonNode parse(byte[] exposition) throws Exception {
    Path py = Path.of("/usr/bin/python3");
    Assumptions.assumeTrue(Files.isExecutable(py), "no /usr/bin/python3");
    Process probe = new ProcessBuilder(py.toString(), "-c", "import prometheus_client.parser").redirectErrorStream(true).start();
    Assumptions.assumeTrue(probe.waitFor() == 0, "Debian's python3-prometheus-client is missing (jobs/setup installs"
        + " it with Jupyter's notebook server)");
    Process p = new ProcessBuilder(py.toString(), "-c", "import sys, json\n"
        + "from prometheus_client.parser import text_string_to_metric_families\n"
        + "print(json.dumps([[f.type, s.name, s.labels, s.value] for f in"
        + " text_string_to_metric_families(sys.stdin.read()) for s in f.samples]))").start();
    try (OutputStream out = p.getOutputStream()) {
      out.write(exposition);
    }
    String got = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), "the parser refused the exposition: " + err);
    return JSON.readTree(got);
  }

  /** The value of sample {@code name} with exactly {@code labels}, or 0 when absent. */
  static double value(JsonNode samples, String name, Map<String, String> labels) {
    for (JsonNode s : samples) {
      if (s.get(1).asText().equals(name) && JSON.convertValue(s.get(2), Map.class).equals(labels)) {
        return s.get(3).asDouble();
      }
    }
    return 0;
  }

  @Test
  void metricsInThePrometheusTextFormatMoveWithRequestsSwapsAndFailures() throws Exception {
    ServingFixtures.publish(warehouse, "category", 1, d -> ServingFixtures.category(d, 1));
    try (ServingService s = start(warehouse, Map.of())) {
      ServingFuzzTest.Response m = call(s.port(), "GET", "/metrics", null);
      assertEquals(200, m.status());
      assertEquals("text/plain; version=0.0.4; charset=utf-8", m.headers().get("content-type"));
      JsonNode before = parse(m.body());
      assertEquals(1, value(before, "nightjar_serving_model_version", Map.of("model", "category")));
      assertEquals(1, value(before, "nightjar_serving_model_swaps_total", Map.of("model", "category")));
      assertEquals(0, value(before, "nightjar_serving_model_load_failures_total", Map.of("model", "category")));
      Map<String, String> ok = Map.of("endpoint", "categorize", "status", "200");
      Map<String, String> bad = Map.of("endpoint", "categorize", "status", "400");
      assertEquals(0, value(before, "nightjar_serving_requests_total", ok));

      for (int i = 0; i < 3; i++) {
        assertEquals(200, call(s.port(), "POST", "/v1/categorize", PRODUCT).status());
      }
      assertEquals(400, call(s.port(), "POST", "/v1/categorize", "{\"title\": 42}").status());
      // A new version swaps in; a broken one (truncated saved_model.pb) is skipped and counted.
      ServingFixtures.publish(warehouse, "category", 2, d -> ServingFixtures.category(d, 2));
      s.pollRegistry();
      Path broken = ServingFixtures.publish(warehouse, "category", 3, d -> ServingFixtures.category(d, 3));
      byte[] pb = Files.readAllBytes(broken.resolve("saved_model.pb"));
      Files.write(broken.resolve("saved_model.pb"), java.util.Arrays.copyOf(pb, pb.length / 2));
      s.pollRegistry();

      JsonNode after = parse(call(s.port(), "GET", "/metrics", null).body());
      assertEquals(3, value(after, "nightjar_serving_requests_total", ok));
      assertEquals(1, value(after, "nightjar_serving_requests_total", bad));
      assertEquals(3, value(after, "nightjar_serving_request_duration_seconds_count", ok));
      assertEquals(3, value(after, "nightjar_serving_request_duration_seconds_bucket",
          Map.of("endpoint", "categorize", "status", "200", "le", "+Inf")));
      assertEquals(1, value(after, "nightjar_serving_requests_total", Map.of("endpoint", "metrics", "status", "200")));
      assertEquals(2, value(after, "nightjar_serving_model_version", Map.of("model", "category")));
      assertEquals(2, value(after, "nightjar_serving_model_swaps_total", Map.of("model", "category")));
      assertEquals(1, value(after, "nightjar_serving_model_load_failures_total", Map.of("model", "category")));
      assertEquals("histogram", typeOf(after, "nightjar_serving_request_duration_seconds_count"));
      assertEquals("counter", typeOf(after, "nightjar_serving_requests_total"));
    }
  }

  @Test
  void aCategoryVersionThatRecordsNoFeaturizationIsRefusedLoggedAndCounted() throws Exception {
    java.util.List<String> logged = new java.util.concurrent.CopyOnWriteArrayList<>();
    var appender = new org.apache.logging.log4j.core.appender.AbstractAppender("capture", null, null, true,
        org.apache.logging.log4j.core.config.Property.EMPTY_ARRAY) {
      @Override
      public void append(org.apache.logging.log4j.core.LogEvent e) {
        if (e.getLevel() == org.apache.logging.log4j.Level.ERROR) {
          logged.add(e.getMessage().getFormattedMessage());
        }
      }
    };
    appender.start();
    var logger = (org.apache.logging.log4j.core.Logger) org.apache.logging.log4j.LogManager.getLogger(ModelSlot.class);
    logger.addAppender(appender);
    ServingFixtures.publish(warehouse, "category", 1, d -> ServingFixtures.category(d, 1));
    try (ServingService s = start(warehouse, Map.of())) {
      // Version 2 has its SavedModel but no metadata.json; version 3 a metadata.json without one.
      Path v2 = ServingFixtures.publish(warehouse, "category", 2, d -> dev.nightjar.category.CategorySavedModel.export(
          new dev.nightjar.category.KeslerModel("m2", ServingFixtures.TAXONOMY, new float[1 << 12], Map.of()), d));
      s.pollRegistry();
      String expected2 = "java.lang.IllegalArgumentException: Cannot serve category version " + v2 + ": expected a"
          + " metadata.json recording the model's featurization (training_info.featurization), found no metadata.json;"
          + " republish the model";
      assertEquals("version 2 (" + v2 + "): " + expected2, s.slot("category").lastFailure());
      assertEquals(java.util.List.of("Cannot load category version 2 from " + v2 + "; still serving version 1: "
          + expected2), logged);
      Path v3 = ServingFixtures.publish(warehouse, "category", 3, d -> {
        dev.nightjar.category.CategorySavedModel.export(
            new dev.nightjar.category.KeslerModel("m3", ServingFixtures.TAXONOMY, new float[1 << 12], Map.of()), d);
        Files.writeString(d.resolve("metadata.json"), "{\"training_info\": {\"trainingDate\": \"2026-11-20\"}}");
      });
      s.pollRegistry();
      assertEquals("version 3 (" + v3 + "): java.lang.IllegalArgumentException: Cannot serve category version " + v3
          + ": expected " + v3.resolve("metadata.json") + " to record the model's featurization"
          + " (training_info.featurization), found none; republish the model with a featurization",
          s.slot("category").lastFailure());

      assertEquals(1, s.slot("category").version().getAsLong());
      assertEquals(200, call(s.port(), "POST", "/v1/categorize", PRODUCT).status());
      JsonNode m = parse(call(s.port(), "GET", "/metrics", null).body());
      assertEquals(2, value(m, "nightjar_serving_model_load_failures_total", Map.of("model", "category")));
      assertEquals(1, value(m, "nightjar_serving_model_version", Map.of("model", "category")));
    } finally {
      logger.removeAppender(appender);
    }
  }

  private static String typeOf(JsonNode samples, String name) {
    for (JsonNode s : samples) {
      if (s.get(1).asText().equals(name)) {
        return s.get(0).asText();
      }
    }
    return "absent";
  }
}
