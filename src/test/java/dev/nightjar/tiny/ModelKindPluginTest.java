package dev.nightjar.tiny;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nightjar.common.JobResult;
import dev.nightjar.model.ModelKinds;
import dev.nightjar.parity.ParityJob;
import dev.nightjar.publish.PublishJob;
import dev.nightjar.serving.ServingFixtures;
import dev.nightjar.serving.ServingService;
import dev.nightjar.testing.Jobs;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Adding a model is one folder plus one service line: {@link TinyKind}, registered in test scope
 * only, is published, served and checked by the generic layers with no edit anywhere else.
 */
class ModelKindPluginTest {
  static final LocalDate DS = LocalDate.of(2026, 1, 1);
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path warehouse;

  @Test
  void theServiceLoaderFindsTheTestScopeKindBesideTheReal() {
    assertEquals(List.of("broad_query", "budget", "category", "tiny"), ModelKinds.names());
  }

  @Test
  void publishServingAndParityPickUpANewKind() throws Exception {
    Files.createDirectories(TinyKind.trained(warehouse, DS));
    Files.writeString(TinyKind.trained(warehouse, DS).resolve(TinyKind.FILE), "3\n");

    JobResult published = Jobs.runApi(new PublishJob(), warehouse, DS, Map.of(), Map.of("model", "tiny"));
    assertEquals("v1:published", published.metrics().get("tiny"), published.toString());
    assertEquals("1\n", Files.readString(warehouse.resolve("models/tiny/aliases/current")));
    assertEquals("3\n", Files.readString(warehouse.resolve("models/tiny/1/" + TinyKind.FILE)));
    JsonNode meta = JSON.readTree(warehouse.resolve("models/tiny/1/metadata.json").toFile());
    assertEquals(3.0, meta.path("metrics").path("k").asDouble());
    assertEquals("k = 3.0 > 0", meta.path("verdict").path("reasons").get(0).asText());

    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    try (ServingService s = ServingFixtures.start(warehouse, Map.of("serving.models", "[tiny]"))) {
      String base = "http://127.0.0.1:" + s.port();
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/tiny?x=2")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(200, r.statusCode(), r.body());
      assertEquals("{\"y\":6.0,\"model_version\":1}", r.body());
      HttpResponse<String> bad = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/tiny?x=two")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(400, bad.statusCode());
      assertEquals("{\"error\":\"Expected /v1/tiny?x=NUMBER, found x = two\"}", bad.body());
      HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create(base + "/healthz")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(1, JSON.readTree(health.body()).path("models").path("tiny").path("version").asInt(), health.body());
      HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertTrue(metrics.body().contains("endpoint=\"tiny\""), metrics.body());
    }

    JobResult parity = Jobs.runApi(new ParityJob(), warehouse, DS, Map.of("parity.check", "tiny"), Map.of());
    assertEquals(1L, parity.metrics().get("tiny.rows"), parity.toString());
    assertEquals(0L, parity.metrics().get("tiny.mismatches"), parity.toString());
    assertEquals("ok", parity.metrics().get("parity"), parity.toString());

    // A trained number that differs from the published one is a parity failure.
    Files.writeString(TinyKind.trained(warehouse, DS).resolve(TinyKind.FILE), "4\n");
    JobResult differs = Jobs.runApi(new ParityJob(), warehouse, DS, Map.of("parity.check", "tiny"), Map.of());
    assertEquals(1L, differs.metrics().get("tiny.mismatches"), differs.toString());
    assertEquals("failed", differs.metrics().get("parity"), differs.toString());
  }
}
