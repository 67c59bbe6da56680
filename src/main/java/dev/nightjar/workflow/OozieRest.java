package dev.nightjar.workflow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nightjar.common.JobFailedException;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

/**
 * The two calls of Oozie's Web Services API (v2) a submission needs: start a workflow job from a
 * configuration ({@code POST /v2/jobs?action=start}) and read its status ({@code GET
 * /v2/job/ID?show=info}). Used instead of {@code org.apache.oozie.client.OozieClient}, whose
 * dependencies (Jackson, hadoop-auth, Xerces) would clash with Spark's on the job jar's classpath.
 */
final class OozieRest {
  private final String oozieUrl;
  private final HttpClient http;
  private final Duration timeout;

  OozieRest(String oozieUrl, Duration timeout) {
    this.oozieUrl = oozieUrl.replaceAll("/+$", "");
    this.timeout = timeout;
    this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
  }

  /** Submits and starts a workflow job; returns its id. */
  String start(Map<String, String> conf) {
    StringBuilder xml = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<configuration>\n");
    conf.forEach((k, v) -> xml.append("  <property><name>").append(AdhocSubmitter.xml(k)).append("</name><value>")
        .append(AdhocSubmitter.xml(v)).append("</value></property>\n"));
    xml.append("</configuration>\n");
    HttpRequest req = HttpRequest.newBuilder(URI.create(oozieUrl + "/v2/jobs?action=start"))
        .timeout(timeout)
        .header("Content-Type", "application/xml;charset=UTF-8")
        .POST(HttpRequest.BodyPublishers.ofString(xml.toString()))
        .build();
    JsonNode r = call(req, 201, "submit the workflow");
    return r.path("id").asText();
  }

  /** The job's status (PREP, RUNNING, SUCCEEDED, KILLED, FAILED, SUSPENDED). */
  String status(String id) {
    HttpRequest req = HttpRequest.newBuilder(
            URI.create(oozieUrl + "/v2/job/" + URLEncoder.encode(id, StandardCharsets.UTF_8) + "?show=info"))
        .timeout(timeout).GET().build();
    return call(req, 200, "read the status of " + id).path("status").asText();
  }

  /** Where a person reads the job's logs: Oozie's console and its log endpoint. */
  String logLink(String id) {
    return oozieUrl + "/v2/job/" + id + "?show=log";
  }

  private JsonNode call(HttpRequest req, int expected, String what) {
    try {
      HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != expected && r.statusCode() != 200) {
        String why = r.headers().firstValue("oozie-error-message").orElse(r.body());
        throw new JobFailedException("Oozie at " + oozieUrl + " refused to " + what + ": HTTP " + r.statusCode()
            + " " + why);
      }
      return new ObjectMapper().readTree(r.body());
    } catch (IOException e) {
      throw new JobFailedException("Cannot reach Oozie at " + oozieUrl + " to " + what + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new JobFailedException("Interrupted while waiting for Oozie at " + oozieUrl, e);
    }
  }
}
