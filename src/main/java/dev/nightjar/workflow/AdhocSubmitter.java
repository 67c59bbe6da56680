package dev.nightjar.workflow;

import dev.nightjar.Main;
import dev.nightjar.common.CommandLine;
import dev.nightjar.common.Job;
import dev.nightjar.common.JobFailedException;
import dev.nightjar.common.JobResult;
import dev.nightjar.common.Settings;
import dev.nightjar.common.UsageException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Ad hoc submission: asks the state source which cluster takes ad hoc jobs, generates a one-action
 * Oozie workflow for the job from {@code adhoc-workflow.xml}, writes it under the cluster's app
 * root, starts it through Oozie's REST API and waits for it, printing the link to its logs.
 */
final class AdhocSubmitter {
  private static final Set<String> RUNNING = Set.of("PREP", "RUNNING", "SUSPENDED", "PREPSUSPENDED");

  /**
   * @param poll time between status polls; zero = return right after submitting
   */
  record Request(String job, List<String> args, String stateSource, boolean dryRun, Duration timeout,
      Duration poll, Duration maxWait, String user) {}

  private final PrintStream out;

  AdhocSubmitter(PrintStream out) {
    this.out = out;
  }

  /** Checks the job and its options as jobs/run would, before anything is asked or sent. */
  static void validate(String jobName, List<String> args) {
    Job job = Main.jobs().stream().filter(j -> j.name().equals(jobName) && !j.isBenchmark()).findFirst()
        .orElseThrow(() -> new UsageException("Unknown job '" + jobName + "' (see: jobs/run --help for the list)"));
    CommandLine cl = CommandLine.parse(job, args.toArray(String[]::new));
    Settings.load(null, cl.confFile(), cl.overrides());
    for (String a : args) {
      if (a.contains("${")) {
        throw new UsageException("Cannot submit the argument '" + a + "': Oozie would read ${...} as an expression");
      }
    }
  }

  JobResult submit(Request req) {
    validate(req.job(), req.args());
    AdhocState state = AdhocState.read(req.stateSource(), req.timeout());
    AdhocState.Cluster cluster = state.route(req.stateSource());
    out.println("submit: ad hoc jobs go to cluster " + cluster.name() + " (Oozie " + cluster.oozieUrl() + ")");
    String name = "nightjar-adhoc-" + req.job() + "-" + req.user();
    String workflow = workflow(name, req.job(), req.args());
    String stamp = LocalDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS"));
    String appPath = cluster.appRoot().replaceAll("/+$", "") + "/" + req.user() + "/" + req.job() + "-" + stamp;
    Map<String, String> conf = new LinkedHashMap<>();
    conf.put("user.name", req.user());
    conf.put("oozie.wf.application.path", appPath);
    conf.put("nameNode", cluster.nameNode());
    conf.put("resourceManager", cluster.resourceManager());
    conf.put("queueName", cluster.queue());
    conf.put("jobJar", cluster.jobJar());
    conf.put("sparkOpts", cluster.sparkOpts());
    conf.put("oozie.use.system.libpath", "true");
    conf.put("oozie.action.sharelib.for.spark", "spark");
    JobResult.Builder result = JobResult.builder("submit").metric("cluster", cluster.name());
    if (req.dryRun()) {
      out.println("submit: --dry-run: the workflow " + appPath + "/workflow.xml would be:");
      out.print(workflow);
      out.println("submit: with the job configuration:");
      conf.forEach((k, v) -> out.println("  " + k + "=" + v));
      return result.build();
    }
    write(appPath + "/workflow.xml", workflow);
    OozieRest oozie = new OozieRest(cluster.oozieUrl(), req.timeout());
    String id = oozie.start(conf);
    out.println("submit: started Oozie job " + id + " on " + cluster.name());
    result.metric("oozie_job", id);
    if (req.poll().isZero()) {
      out.println("submit: logs: " + oozie.logLink(id));
      return result.build();
    }
    long deadline = System.nanoTime() + req.maxWait().toNanos();
    String status = oozie.status(id);
    while (RUNNING.contains(status)) {
      if (System.nanoTime() > deadline) {
        out.println("submit: logs: " + oozie.logLink(id));
        throw new JobFailedException("Oozie job " + id + " is still " + status + " after " + req.maxWait().toMinutes()
            + " minutes; it keeps running (logs: " + oozie.logLink(id) + ")");
      }
      sleep(req.poll());
      status = oozie.status(id);
    }
    out.println("submit: Oozie job " + id + " " + status + "; logs: " + oozie.logLink(id));
    result.metric("status", status);
    if (!status.equals("SUCCEEDED")) {
      throw new JobFailedException("Oozie job " + id + " for " + req.job() + " ended " + status + " (logs: "
          + oozie.logLink(id) + ")");
    }
    return result.build();
  }

  /** The one-action workflow for a job, from the template beside this class. */
  static String workflow(String name, String job, List<String> args) {
    String template;
    try (InputStream in = AdhocSubmitter.class.getResourceAsStream("adhoc-workflow.xml")) {
      template = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    StringBuilder argXml = new StringBuilder("            <arg>").append(xml(job)).append("</arg>");
    for (String a : args) {
      argXml.append("\n            <arg>").append(xml(a)).append("</arg>");
    }
    return template.replace("@NAME@", xml(name)).replace("@JOB@", xml(job)).replace("@ARGS@", argXml);
  }

  static String xml(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;")
        .replace("'", "&apos;");
  }

  private static void write(String file, String text) {
    Path p = new Path(file);
    try (OutputStream o = FileSystem.get(p.toUri(), new Configuration()).create(p, false)) {
      o.write(text.getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new JobFailedException("Cannot write the workflow to " + file + ": " + e.getMessage(), e);
    }
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new JobFailedException("Interrupted while waiting for the Oozie job", e);
    }
  }
}
