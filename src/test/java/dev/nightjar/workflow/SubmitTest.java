package dev.nightjar.workflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.nightjar.common.ExitCodes;
import dev.nightjar.common.JobFailedException;
import dev.nightjar.common.JobResult;
import dev.nightjar.testing.Jobs;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * jobs/submit: routing and the disabled message against a state file and a local HTTP state
 * endpoint, the generated workflow against Oozie's XSDs, and the REST submission against a local
 * HTTP server answering Oozie's v2 job API.
 */
class SubmitTest {
  @TempDir Path tmp;
  private final List<HttpServer> servers = new ArrayList<>();

  @AfterEach
  void stopServers() {
    servers.forEach(s -> s.stop(0));
  }

  private static String state(String active, boolean disabled, String message, String oozieUrl, String appRoot) {
    String cluster = "{\"oozie_url\": \"%s\", \"name_node\": \"hdfs://nn-%s:8020\", \"resource_manager\": \"rm:8032\","
        + " \"queue\": \"adhoc\", \"app_root\": \"%s\", \"job_jar\": \"hdfs://nn/apps/nightjar.jar\","
        + " \"spark_opts\": \"--executor-memory 8g\"}";
    return "{\"adhoc\": {\"active\": \"" + active + "\", \"disabled\": " + disabled + ", \"message\": \"" + message
        + "\"}, \"clusters\": {\"east\": " + String.format(cluster, oozieUrl + "/east/", "east", appRoot)
        + ", \"west\": " + String.format(cluster, oozieUrl + "/west", "west", appRoot) + "}}";
  }

  private record Out(JobResult result, String text) {}

  private static Out submit(String stateSource, boolean dryRun, List<String> args) {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    AdhocSubmitter s = new AdhocSubmitter(new PrintStream(buf, true, StandardCharsets.UTF_8));
    JobResult r = s.submit(new AdhocSubmitter.Request("featurize", args, stateSource, dryRun, Duration.ofSeconds(5),
        Duration.ofMillis(10), Duration.ofMinutes(1), "ana"));
    return new Out(r, buf.toString(StandardCharsets.UTF_8));
  }

  /** The workflow XML a dry run printed. */
  private static String printedWorkflow(String text) {
    int a = text.indexOf("<?xml");
    int b = text.indexOf("</workflow-app>") + "</workflow-app>".length();
    return text.substring(a, b);
  }

  private HttpServer server(com.sun.net.httpserver.HttpHandler handler) throws IOException {
    HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    s.createContext("/", handler);
    s.start();
    servers.add(s);
    return s;
  }

  private static String url(HttpServer s) {
    return "http://127.0.0.1:" + s.getAddress().getPort();
  }

  private static void reply(com.sun.net.httpserver.HttpExchange ex, int status, String body) throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().add("Content-Type", "application/json");
    ex.sendResponseHeaders(status, b.length);
    ex.getResponseBody().write(b);
    ex.close();
  }

  @Test
  void stateFileRoutesToTheActiveClusterAndTheDryRunWorkflowIsValid() throws IOException {
    Path file = tmp.resolve("state.json");
    Files.writeString(file, state("west", false, "", "http://oozie", "hdfs://nn/user/adhoc"));
    Out o = submit(file.toString(), true, List.of("--date", "2026-11-20", "--warehouse", "/tmp/a&b<c>"));
    assertTrue(o.text().startsWith("submit: ad hoc jobs go to cluster west (Oozie http://oozie/west)\n"), o.text());
    String wf = printedWorkflow(o.text());
    assertEquals(List.of(), OozieSchemas.workflowErrors(wf));
    assertTrue(wf.contains("<workflow-app name=\"nightjar-adhoc-featurize-ana\""), wf);
    assertTrue(wf.contains("<arg>featurize</arg>\n            <arg>--date</arg>\n            <arg>2026-11-20</arg>\n"
        + "            <arg>--warehouse</arg>\n            <arg>/tmp/a&amp;b&lt;c&gt;</arg>\n"), wf);
    assertTrue(o.text().contains("  oozie.wf.application.path=hdfs://nn/user/adhoc/ana/featurize-"), o.text());
    assertTrue(o.text().contains("  nameNode=hdfs://nn-west:8020\n"), o.text());
    assertEquals("west", o.result().metrics().get("cluster"));

    Files.writeString(file, state("east", true, "Maintenance on east until 06:00 UTC; ask #data-platform", "http://oozie", "x"));
    JobFailedException e = assertThrows(JobFailedException.class, () -> submit(file.toString(), true, List.of()));
    assertEquals("ad hoc submission is disabled by the administrators: Maintenance on east until 06:00 UTC; "
        + "ask #data-platform", e.getMessage());

    Files.writeString(file, state("north", false, "", "http://oozie", "x"));
    e = assertThrows(JobFailedException.class, () -> submit(file.toString(), true, List.of()));
    assertEquals("The ad hoc state " + file + " names the active cluster 'north', expected one of [east, west]",
        e.getMessage());
  }

  @Test
  void httpStateEndpointIsAskedOnEverySubmission() throws IOException {
    AtomicReference<String> body = new AtomicReference<>(state("east", false, "", "http://oozie", "hdfs://nn/a"));
    List<String> asked = Collections.synchronizedList(new ArrayList<>());
    HttpServer s = server(ex -> {
      asked.add(ex.getRequestMethod() + " " + ex.getRequestURI());
      if (ex.getRequestURI().getPath().equals("/state")) {
        reply(ex, 200, body.get());
      } else {
        reply(ex, 500, "boom");
      }
    });
    Out o = submit(url(s) + "/state", true, List.of());
    assertTrue(o.text().startsWith("submit: ad hoc jobs go to cluster east (Oozie http://oozie/east)\n"), o.text());
    body.set(state("west", false, "", "http://oozie", "hdfs://nn/a"));
    o = submit(url(s) + "/state", true, List.of());
    assertTrue(o.text().startsWith("submit: ad hoc jobs go to cluster west (Oozie http://oozie/west)\n"), o.text());
    body.set(state("west", true, "Ad hoc jobs are paused for the quarter-end close", "http://oozie", "hdfs://nn/a"));
    JobFailedException e = assertThrows(JobFailedException.class, () -> submit(url(s) + "/state", false, List.of()));
    assertEquals("ad hoc submission is disabled by the administrators: Ad hoc jobs are paused for the quarter-end close",
        e.getMessage());
    e = assertThrows(JobFailedException.class, () -> submit(url(s) + "/other", true, List.of()));
    assertEquals("Cannot read the ad hoc state from " + url(s) + "/other: HTTP 500", e.getMessage());
    assertEquals(List.of("GET /state", "GET /state", "GET /state", "GET /other"), asked);
  }

  @Test
  void submitsThroughOozieRestApiWaitsAndPrintsTheLogLink() throws IOException {
    // A local server answering the two calls of Oozie's v2 REST API that submission makes.
    List<String> calls = Collections.synchronizedList(new ArrayList<>());
    AtomicReference<String> posted = new AtomicReference<>();
    List<String> statuses = Collections.synchronizedList(new ArrayList<>(List.of("RUNNING", "RUNNING", "SUCCEEDED")));
    HttpServer oozie = server(ex -> {
      calls.add(ex.getRequestMethod() + " " + ex.getRequestURI());
      if (ex.getRequestMethod().equals("POST")) {
        posted.set(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
        reply(ex, 201, "{\"id\": \"0000007-261124-oozie-W\"}");
      } else {
        reply(ex, 200, "{\"id\": \"0000007-261124-oozie-W\", \"status\": \"" + statuses.remove(0) + "\"}");
      }
    });
    Path apps = tmp.resolve("apps");
    Path stateFile = tmp.resolve("state.json");
    Files.writeString(stateFile, state("east", false, "", url(oozie), apps.toUri().toString()));
    Out o = submit(stateFile.toString(), false, List.of("--date", "2026-11-20"));
    String link = url(oozie) + "/east/v2/job/0000007-261124-oozie-W?show=log";
    assertTrue(o.text().endsWith("submit: Oozie job 0000007-261124-oozie-W SUCCEEDED; logs: " + link + "\n"), o.text());
    assertEquals(List.of("POST /east/v2/jobs?action=start", "GET /east/v2/job/0000007-261124-oozie-W?show=info",
        "GET /east/v2/job/0000007-261124-oozie-W?show=info", "GET /east/v2/job/0000007-261124-oozie-W?show=info"), calls);
    // The workflow was written under the cluster's app root, and the configuration points at it.
    Path written;
    try (Stream<Path> files = Files.walk(apps)) {
      written = files.filter(p -> p.getFileName().toString().equals("workflow.xml")).findFirst().orElseThrow();
    }
    assertEquals(List.of(), OozieSchemas.workflowErrors(Files.readString(written)));
    assertTrue(posted.get().contains("<property><name>oozie.wf.application.path</name><value>"
        + written.getParent().toUri().toString().replaceAll("/$", "") + "</value></property>")
        || posted.get().contains(written.getParent().toString()), posted.get());
    assertTrue(posted.get().contains("<property><name>user.name</name><value>ana</value></property>"), posted.get());
    assertTrue(posted.get().contains("<property><name>jobJar</name><value>hdfs://nn/apps/nightjar.jar</value></property>"));

    statuses.addAll(List.of("RUNNING", "KILLED"));
    JobFailedException e = assertThrows(JobFailedException.class,
        () -> submit(stateFile.toString(), false, List.of()));
    assertEquals("Oozie job 0000007-261124-oozie-W for featurize ended KILLED (logs: " + link + ")", e.getMessage());
  }

  @Test
  void commandLineChecksTheJobBeforeAskingAnyone() throws IOException {
    Path file = tmp.resolve("state.json");
    Files.writeString(file, state("east", false, "", "http://oozie", "hdfs://nn/a"));
    Jobs.Outcome o = Jobs.main("submit", "--job", "nope", "--state", file.toString(), "--dry-run");
    assertEquals(ExitCodes.USAGE, o.status());
    assertEquals("nightjar: Unknown job 'nope' (see: jobs/run --help for the list)\n", o.err());
    o = Jobs.main("submit", "--job", "featurize", "--args", "--date\n2026-11-20\n--colour\nred", "--state",
        file.toString(), "--dry-run");
    assertEquals(ExitCodes.USAGE, o.status());
    assertEquals("nightjar: Unknown option --colour for job featurize (see: jobs/run featurize --help)\n", o.err());
    o = Jobs.main("submit", "--job", "featurize", "--dry-run");
    assertEquals("nightjar: Cannot set submit.state to \"\": expected the ad hoc state file or http(s) URL the "
        + "administrators publish\n", o.err());
    o = Jobs.main("submit", "--job", "featurize", "--args", "--date\n2026-11-20", "--state", file.toString(), "--dry-run");
    assertEquals(0, o.status(), o.err());
    assertEquals("RESULT submit cluster=east\n", o.out());
  }
}
