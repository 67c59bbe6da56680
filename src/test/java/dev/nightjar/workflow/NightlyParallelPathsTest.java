package dev.nightjar.workflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nightjar.common.JobFailedException;
import dev.nightjar.common.JobResult;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The paths of a fork side by side: the plan's tags, concurrency, plan-ordered results, a failed path. */
class NightlyParallelPathsTest {
  private static final String FORK =
      "<workflow-app name='w' xmlns='uri:oozie:workflow:1.0'><start to='f'/>"
          + "<fork name='f'><path start='a'/><path start='b'/></fork>"
          + action("a", "a2") + action("a2", "j") + action("b", "j")
          + "<join name='j' to='c'/>" + action("c", "end")
          + "<kill name='k'><message>m</message></kill><end name='end'/></workflow-app>";

  private static String action(String name, String ok) {
    return "<action name='" + name + "'><spark xmlns='uri:oozie:spark-action:1.0'><master>local</master>"
        + "<name>" + name + "</name><class>dev.nightjar.Main</class><jar>j.jar</jar><arg>" + name + "</arg></spark>"
        + "<ok to='" + ok + "'/><error to='k'/></action>";
  }

  private static WorkflowDefinition workflow() {
    return WorkflowDefinition.parse(new ByteArrayInputStream(FORK.getBytes(StandardCharsets.UTF_8)), "f.xml");
  }

  @Test
  void planTagsEachActionWithItsForkAndPath() throws IOException {
    List<WorkflowDefinition.Step> plan = workflow().plan(Map.of());
    assertEquals(List.of("a:f:0", "a2:f:0", "b:f:1", "c:null:-1"),
        plan.stream().map(s -> s.name() + ":" + s.fork() + ":" + s.path()).toList());
    WorkflowDefinition nightly;
    try (InputStream in = Files.newInputStream(Path.of("workflows/nightly/workflow.xml"))) {
      nightly = WorkflowDefinition.parse(in, "workflow.xml");
    }
    Map<String, String> p = new HashMap<>(nightly.parameterDefaults());
    p.putAll(Map.of("ds", "2026-11-20", "warehouse", "/wh", "jobJar", "j.jar", "trainCategory", "true",
        "queueName", "q", "nameNode", "hdfs://nn", "resourceManager", "rm"));
    assertEquals(List.of("featurize:0", "train-category:0", "predict-category:0", "entropy:0",
            "budget-features:1", "train-budget:1", "recommend-budget:1", "report-extracts:-1", "publish:-1"),
        nightly.plan(p).stream().map(s -> s.name() + ":" + s.path()).toList());
  }

  /** a and b each wait for the other to have started: only side by side can both succeed. */
  private static ActionLauncher meeting(CountDownLatch started, long waitSeconds, List<String> failing) {
    return (args, log) -> {
      String name = args.get(0);
      if (name.equals("a") || name.equals("b")) {
        started.countDown();
        try {
          if (!started.await(waitSeconds, TimeUnit.SECONDS)) {
            return new ActionLauncher.Outcome(1, null, name + " never met the other path");
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return new ActionLauncher.Outcome(1, null, "interrupted");
        }
      }
      if (failing.contains(name)) {
        return new ActionLauncher.Outcome(1, null, name + " failed on purpose");
      }
      return new ActionLauncher.Outcome(0, "RESULT " + name + " rows." + name + "=1", null);
    };
  }

  private static NightlyRunner.Request request(Path wh, boolean resume) throws IOException {
    Files.createDirectories(wh.resolve("products/_delta_log")); // no sample world to generate
    return new NightlyRunner.Request(workflow(), Map.of(), wh.toString(), List.of(LocalDate.parse("2026-11-20")),
        resume, "false", List.of(), false, wh.resolve("logs"));
  }

  @Test
  void pathsRunSideBySideAndResultsKeepThePlanOrder(@TempDir Path wh) throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    JobResult r = new NightlyRunner(meeting(new CountDownLatch(2), 30, List.of()),
        new PrintStream(buf, true, StandardCharsets.UTF_8), true).run(request(wh, false));
    assertEquals(Map.of("a", 1L, "a2", 1L, "b", 1L, "c", 1L), r.rowsWritten());
    assertEquals(List.of("a", "a2", "b", "c"), List.copyOf(r.rowsWritten().keySet()), "tables in the plan's order");
    assertEquals(4, r.metrics().get("ok"));
  }

  @Test
  void oneAfterAnotherThePathsCannotMeet(@TempDir Path wh) throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    JobFailedException e = assertThrows(JobFailedException.class,
        () -> new NightlyRunner(meeting(new CountDownLatch(2), 1, List.of()),
            new PrintStream(buf, true, StandardCharsets.UTF_8), false).run(request(wh, false)));
    assertTrue(e.getMessage().startsWith("action a failed for ds=2026-11-20 (exit 1)"), e.getMessage());
  }

  @Test
  void aFailedPathStopsThereTheOtherFinishesAndResumeRedoesOnlyTheRest(@TempDir Path wh) throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8);
    JobFailedException e = assertThrows(JobFailedException.class,
        () -> new NightlyRunner(meeting(new CountDownLatch(2), 30, List.of("a")), out, true).run(request(wh, false)));
    assertTrue(e.getMessage().startsWith("action a failed for ds=2026-11-20 (exit 1)"), e.getMessage());
    String text = buf.toString(StandardCharsets.UTF_8);
    assertTrue(text.contains(" b ") && !text.contains(" a2 ") && !text.contains(" c "), text);
    // b finished in the failed run, so the resumed run skips it; a meets nobody and need not.
    buf.reset();
    JobResult r = new NightlyRunner(meeting(new CountDownLatch(1), 30, List.of()), out, true).run(request(wh, true));
    assertEquals(List.of("a", "a2", "b", "c"), List.copyOf(r.rowsWritten().keySet()));
    assertTrue(buf.toString(StandardCharsets.UTF_8).contains("b                    SKIPPED (OK in the earlier run)"),
        buf.toString(StandardCharsets.UTF_8));
  }
}
