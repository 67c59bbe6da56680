package dev.nightjar.publish;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nightjar.category.CategoryText;
import dev.nightjar.category.KeslerModel;
import dev.nightjar.common.JobResult;
import dev.nightjar.common.Settings;
import dev.nightjar.serving.ServingService;
import dev.nightjar.testing.Jobs;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What `jobs/run publish` writes is what `jobs/serve` serves: the registry contract end to end. */
class PublishServeTest {
  static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void theServiceServesWhatPublishWrote(@TempDir Path dir) throws Exception {
    LocalDate ds = LocalDate.of(2026, 11, 20);
    Path wh = dir.resolve("wh");
    PublishJobTest.sources(dir, wh, ds, true);
    JobResult r = Jobs.runApi(new PublishJob(), wh, ds, Map.of("publish.category.thresholds.hF-min", "0.1"), Map.of());
    assertEquals("v1:published", r.metrics().get("category"), r.toString());
    assertEquals("v1:published", r.metrics().get("broad_query"), r.toString());

    Map<String, String> sets = new LinkedHashMap<>();
    sets.put("serving.port", "0");
    sets.put("serving.host", "127.0.0.1");
    var config = Settings.load(new java.io.File("/nonexistent"), null, sets);
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    try (ServingService s = ServingService.start(ServingService.Options.from(config), wh, Optional.empty())) {
      String base = "http://127.0.0.1:" + s.port();
      JsonNode health = JSON.readTree(http.send(HttpRequest.newBuilder(URI.create(base + "/healthz")).build(),
          HttpResponse.BodyHandlers.ofString()).body());
      assertEquals(1, health.at("/models/category/version").asLong(), health.toString());
      assertEquals(1, health.at("/models/broad_query/version").asLong(), health.toString());

      // The published SavedModel answers as the published Spark model with predict-category's confidence stop.
      KeslerModel spark = KeslerModel.load(wh.resolve("models/category/1/spark").toString())
          .setMinConfidence(Settings.doubleIn(config, "category.predict.min-confidence", 0, 1));
      for (String title : List.of("blue cotton shirt", "steel kitchen knife", "running shoes for men", "gift pen")) {
        Map<String, Object> product = Map.of("title", title, "description", "a " + title + " of good quality");
        HttpResponse<String> res = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/categorize"))
            .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(product))).build(),
            HttpResponse.BodyHandlers.ofString());
        assertEquals(200, res.statusCode(), res.body());
        JsonNode got = JSON.readTree(res.body());
        KeslerModel.Prediction want = spark.predict(CategoryText.terms(
            Arrays.asList(title, "a " + title + " of good quality", null, null, null, null), 1000, 102400));
        assertEquals(want.path(), got.get("category_path").asText(), title);
        double[] scores = new double[got.get("levels").size()];
        for (int i = 0; i < scores.length; i++) {
          scores[i] = got.get("levels").get(i).get("score").asDouble();
        }
        assertArrayEquals(want.levelScores(), scores, 1e-6, title);
        assertEquals(1, got.get("model_version").asLong());
      }
      JsonNode gift = JSON.readTree(http.send(HttpRequest.newBuilder(URI.create(base + "/v1/broad-query?q=Gift")).build(),
          HttpResponse.BodyHandlers.ofString()).body());
      assertEquals(1, gift.get("broad_level").asInt(), gift.toString());
      assertEquals("Home", gift.get("show").get(0).get("name").asText());
    }
  }
}
