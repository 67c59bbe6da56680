package dev.nightjar.workflow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nightjar.common.JobFailedException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the administrators say about ad hoc jobs, read from a JSON file or an http(s) URL:
 *
 * <pre>{@code
 * {"adhoc": {"active": "east", "disabled": false, "message": ""},
 *  "clusters": {"east": {"oozie_url": "http://oozie-east:11000/oozie", "name_node": "hdfs://nn-east:8020",
 *                        "resource_manager": "rm-east:8032", "queue": "adhoc",
 *                        "app_root": "hdfs://nn-east:8020/user/nightjar/adhoc",
 *                        "job_jar": "hdfs://nn-east:8020/apps/nightjar/lib/nightjar.jar",
 *                        "spark_opts": "--executor-memory 8g"}}}
 * }</pre>
 */
record AdhocState(String active, boolean disabled, String message, Map<String, Cluster> clusters) {
  /** One cluster's Oozie and Hadoop endpoints. */
  record Cluster(String name, String oozieUrl, String nameNode, String resourceManager, String queue,
      String appRoot, String jobJar, String sparkOpts) {}

  static AdhocState read(String source, Duration timeout) {
    String text;
    try {
      if (source.startsWith("http://") || source.startsWith("https://")) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(timeout).build();
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(source)).timeout(timeout).GET().build(),
            HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
          throw new JobFailedException("Cannot read the ad hoc state from " + source + ": HTTP " + r.statusCode());
        }
        text = r.body();
      } else {
        text = Files.readString(Path.of(source));
      }
    } catch (IOException e) {
      throw new JobFailedException("Cannot read the ad hoc state from " + source + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new JobFailedException("Interrupted reading the ad hoc state from " + source, e);
    }
    try {
      JsonNode root = new ObjectMapper().readTree(text);
      JsonNode adhoc = required(root, "adhoc", source);
      Map<String, Cluster> clusters = new TreeMap<>();
      JsonNode cs = root.path("clusters");
      cs.fieldNames().forEachRemaining(n -> {
        JsonNode c = cs.get(n);
        clusters.put(n, new Cluster(n, required(c, "oozie_url", source).asText().replaceAll("/+$", ""),
            required(c, "name_node", source).asText(), required(c, "resource_manager", source).asText(),
            c.path("queue").asText("default"), required(c, "app_root", source).asText(),
            required(c, "job_jar", source).asText(), c.path("spark_opts").asText("")));
      });
      return new AdhocState(adhoc.path("active").asText(""), adhoc.path("disabled").asBoolean(false),
          adhoc.path("message").asText(""), clusters);
    } catch (IOException e) {
      throw new JobFailedException("Cannot read the ad hoc state from " + source + ": not JSON (" + e.getMessage() + ")");
    }
  }

  private static JsonNode required(JsonNode n, String field, String source) {
    JsonNode v = n.get(field);
    if (v == null || v.isNull()) {
      throw new JobFailedException("Cannot read the ad hoc state from " + source + ": expected a field " + field);
    }
    return v;
  }

  /** The cluster that takes ad hoc jobs now, or a failure with the administrators' message. */
  Cluster route(String source) {
    if (disabled) {
      throw new JobFailedException("ad hoc submission is disabled by the administrators: "
          + (message.isBlank() ? "(no message)" : message));
    }
    Cluster c = clusters.get(active);
    if (c == null) {
      throw new JobFailedException("The ad hoc state " + source + " names the active cluster '" + active
          + "', expected one of " + clusters.keySet());
    }
    return c;
  }
}
