package dev.nightjar.workflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nightjar.common.ExitCodes;
import dev.nightjar.common.JobFailedException;
import dev.nightjar.common.JobResult;
import dev.nightjar.common.UsageException;
import dev.nightjar.testing.Jobs;
import dev.nightjar.testing.SharedSpark;
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
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local runner: plans of the real nightly workflow, then a tiny two-branch workflow run
 * in-process on a tiny sample world: sample generation, NOT BLESSED carrying on, a failed action,
 * --resume, and a rerun through the command line.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NightlyRunnerTest {
  private static final LocalDate D = LocalDate.parse("2026-11-20");
  private static final Path TINY = Path.of("src/test/resources/dev/nightjar/workflow/tiny-workflow.xml");
  private static final Path TINY_PROPS = Path.of("src/test/resources/dev/nightjar/workflow/tiny.properties");
  /** A tiny sample world, and a calibration bound no model meets, so train-budget exits 3. */
  private static final List<String> SETS = List.of(
      "--set", "sample.products=300", "--set", "sample.budget.shops=60", "--set", "sample.budget.days=30",
      "--set", "monitoring.thresholds.calibration-error-max=0.0001");

  @TempDir static Path tmp;

  private static WorkflowDefinition nightly() throws IOException {
    try (InputStream in = Files.newInputStream(Path.of("workflows/nightly/workflow.xml"))) {
      return WorkflowDefinition.parse(in, "workflow.xml");
    }
  }

  private static Map<String, String> params(String trainCategory) {
    Map<String, String> p = new HashMap<>(Map.of("ds", "2026-11-20", "warehouse", "/wh", "jobJar", "j.jar",
        "trainCategory", trainCategory, "queueName", "q", "nameNode", "hdfs://nn", "resourceManager", "rm"));
    return p;
  }

  private static List<String> names(List<WorkflowDefinition.Step> steps) {
    return steps.stream().map(WorkflowDefinition.Step::name).toList();
  }

  @Test
  @Order(1)
  void planFollowsForkJoinAndTheTrainCategoryDecision() throws IOException {
    WorkflowDefinition wf = nightly();
    assertEquals("nightjar-nightly", wf.name());
    Map<String, String> p = new HashMap<>(wf.parameterDefaults());
    p.putAll(params("false"));
    List<WorkflowDefinition.Step> plan = wf.plan(p);
    assertEquals(List.of("featurize", "predict-category", "entropy", "budget-features", "train-budget",
        "recommend-budget", "report-extracts", "publish"), names(plan));
    assertEquals(List.of("featurize", "--warehouse", "/wh", "--date", "2026-11-20"), plan.get(0).args());
    p.put("trainCategory", "true");
    plan = wf.plan(p);
    assertEquals(List.of("featurize", "train-category", "predict-category", "entropy", "budget-features",
        "train-budget", "recommend-budget", "report-extracts", "publish"), names(plan));
    assertEquals(List.of("train-category", "--warehouse", "/wh", "--date", "2026-11-20", "--taxonomy", "taxonomy"),
        plan.get(1).args());
  }

  @Test
  @Order(2)
  void planErrorsNameTheProblem() throws IOException {
    Map<String, String> p = new HashMap<>(nightly().parameterDefaults());
    p.putAll(params("false"));
    p.remove("ds");
    UsageException e = assertThrows(UsageException.class, () -> nightly().plan(p));
    assertEquals("action featurize uses ${ds}, which neither job.properties nor the workflow's parameters define",
        e.getMessage());
    String shell = "<workflow-app name='w' xmlns='uri:oozie:workflow:1.0'><start to='a'/>"
        + "<action name='a'><shell xmlns='uri:oozie:shell-action:1.0'><exec>x</exec></shell>"
        + "<ok to='end'/><error to='k'/></action><kill name='k'><message>m</message></kill><end name='end'/></workflow-app>";
    e = assertThrows(UsageException.class, () -> parse(shell));
    assertEquals("Workflow s.xml: action a is a <shell> action; the local runner runs <spark> actions only", e.getMessage());
    String toKill = "<workflow-app name='w' xmlns='uri:oozie:workflow:1.0'><start to='d'/>"
        + "<decision name='d'><switch><case to='end'>${go eq 'yes'}</case><default to='k'/></switch></decision>"
        + "<kill name='k'><message>m</message></kill><end name='end'/></workflow-app>";
    assertEquals(List.of(), parse(toKill).plan(Map.of("go", "yes")));
    e = assertThrows(UsageException.class, () -> parse(toKill).plan(Map.of("go", "no")));
    assertEquals("Workflow s.xml: with these parameters the decisions lead to the kill node k", e.getMessage());
    String bare = toKill.replace("${go eq 'yes'}", "${go}");
    e = assertThrows(UsageException.class, () -> parse(bare).plan(Map.of("go", "maybe")));
    assertEquals("decision d: expected the predicate ${go} to be true or false, found 'maybe'", e.getMessage());
  }

  private static WorkflowDefinition parse(String xml) {
    return WorkflowDefinition.parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)), "s.xml");
  }

  private record Run(JobResult result, String out) {}

  private static Run run(Map<String, String> props, boolean resume) {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8);
    WorkflowDefinition wf;
    try (InputStream in = Files.newInputStream(TINY)) {
      wf = WorkflowDefinition.parse(in, TINY.toString());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    NightlyRunner.Request req = new NightlyRunner.Request(wf, props, warehouse(), List.of(D), resume, "false",
        SETS, false, tmp.resolve("logs"));
    try {
      return new Run(new NightlyRunner(ActionLauncher.inProcess(), out).run(req), buf.toString(StandardCharsets.UTF_8));
    } finally {
      System.out.print(buf.toString(StandardCharsets.UTF_8));
    }
  }

  private static String warehouse() {
    return tmp.resolve("wh").toString();
  }

  private static long featureRows() {
    return SharedSpark.get().read().format("delta").load(warehouse() + "/product_features")
        .where("ds = '" + D + "'").count();
  }

  private static String state() throws IOException {
    return Files.readString(tmp.resolve("wh/_runs/tiny-" + D + ".json"));
  }

  @Test
  @Order(3)
  void firstRunGeneratesTheSampleAndCarriesOnPastANotBlessedModel() throws IOException {
    Run r = run(Map.of("sparkMaster", "local[*]", "jobJar", "j.jar"), false);
    List<String> lines = r.out().lines().filter(l -> l.startsWith("nightly ds=") || l.startsWith("nightly:")).toList();
    assertTrue(lines.get(0).startsWith("nightly: no products in " + warehouse() + "; generating the sample world"), lines.get(0));
    assertTrue(lines.get(1).matches("nightly ds=2026-11-20 generate-sample +OK .*rows taxonomy=\\d+ products=300 .*"), lines.get(1));
    assertTrue(lines.get(2).matches("nightly ds=2026-11-20 budget-features +OK .*rows budget_features=\\d+ .*"), lines.get(2));
    assertTrue(lines.get(3).matches("nightly ds=2026-11-20 train-budget +NOT BLESSED .*calibration_error = .*"), lines.get(3));
    // The other branch still runs after the unblessed model.
    assertTrue(lines.get(4).matches("nightly ds=2026-11-20 featurize +OK .*rows product_features=300 quarantine=0"), lines.get(4));
    assertTrue(lines.get(5).matches("nightly ds=2026-11-20 export +OK .*"), lines.get(5));
    assertEquals(6, lines.size(), lines.toString());
    assertEquals(ExitCodes.NOT_BLESSED, r.result().exitCode());
    assertEquals(300L, r.result().rowsWritten().get("product_features"));
    assertTrue(r.out().contains("nightly summary: 5 actions, 4 OK, 1 NOT BLESSED, 0 failed"), r.out());
    assertTrue(r.out().contains("  model budget budget-2026-11-20: NOT BLESSED: calibration_error = "), r.out());
    assertEquals(300, Files.readAllLines(tmp.resolve("export-" + D + ".jsonl")).size());
    assertTrue(state().contains("\"status\" : \"NOT_BLESSED\""), state());
  }

  @Test
  @Order(4)
  void aFailedActionStopsTheRunNamingItAndResumeContinuesFromIt() throws IOException {
    JobFailedException e = assertThrows(JobFailedException.class,
        () -> run(Map.of("sparkMaster", "local[*]", "jobJar", "j.jar", "exportTable", "no_such_table"), false));
    assertTrue(e.getMessage().startsWith("action export failed for ds=2026-11-20 (exit 1); its output: "
        + tmp.resolve("logs/tiny-2026-11-20/export.log")), e.getMessage());
    assertTrue(e.getMessage().endsWith("continue from export with --resume"), e.getMessage());
    assertTrue(Files.readString(tmp.resolve("logs/tiny-2026-11-20/export.log")).contains("no_such_table"));
    assertTrue(state().contains("\"status\" : \"FAILED\""), state());
    assertEquals(300, featureRows()); // the actions before it kept their outputs

    Run r = run(Map.of("sparkMaster", "local[*]", "jobJar", "j.jar"), true);
    List<String> lines = r.out().lines().filter(l -> l.startsWith("nightly ds=")).toList();
    assertEquals(List.of(
        "nightly ds=2026-11-20 budget-features      SKIPPED (OK in the earlier run)",
        "nightly ds=2026-11-20 train-budget         SKIPPED (NOT BLESSED in the earlier run)",
        "nightly ds=2026-11-20 featurize            SKIPPED (OK in the earlier run)"), lines.subList(0, 3));
    assertTrue(lines.get(3).matches("nightly ds=2026-11-20 export +OK .*"), lines.get(3));
    assertEquals(ExitCodes.NOT_BLESSED, r.result().exitCode());
    assertTrue(state().contains("\"status\" : \"NOT_BLESSED\""), state());
  }

  @Test
  @Order(5)
  void rerunThroughTheCommandLineReplacesTheDate() throws IOException {
    List<String> args = new java.util.ArrayList<>(List.of("nightly", "--workflow", TINY.toString(),
        "--properties", TINY_PROPS.toString(), "--warehouse", warehouse(), "--date", D.toString(), "--in-process",
        "--set", "nightly.log-dir=" + tmp.resolve("logs2")));
    args.addAll(SETS);
    Jobs.Outcome o = Jobs.main(args.toArray(String[]::new));
    assertEquals(ExitCodes.NOT_BLESSED, o.status(), o.err());
    assertTrue(o.out().matches("(?s).*\nRESULT nightly rows.budget_features=\\d+ rows.quarantine=0 rows.model_metrics=\\d+ "
        + "rows.model_calibration=\\d+ rows.product_features=300 actions=4 ok=3 not_blessed=1 failed=0 seconds=.*"), o.out());
    assertEquals(300, featureRows()); // replaced, not appended
    assertTrue(Files.exists(tmp.resolve("logs2/tiny-2026-11-20/featurize.log")));
  }

  @Test
  @Order(6)
  void commandLineErrorsAndDryRunBackfill() {
    String[] base = {"nightly", "--workflow", TINY.toString(), "--properties", TINY_PROPS.toString(),
        "--warehouse", warehouse(), "--in-process"};
    Jobs.Outcome o = Jobs.main(concat(base, "--from", "2026-11-01"));
    assertEquals(ExitCodes.USAGE, o.status());
    assertEquals("nightjar: A backfill needs both --from and --to, found only --from\n", o.err());
    o = Jobs.main(concat(base, "--from", "2026-11-03", "--to", "2026-11-01"));
    assertEquals("nightjar: Cannot backfill --from 2026-11-03 --to 2026-11-01: expected --to on or after --from, "
        + "at most 366 days\n", o.err());
    o = Jobs.main(concat(base, "--date", "2026-11-01", "--from", "2026-11-01", "--to", "2026-11-02"));
    assertEquals("nightjar: Give either --date or --from/--to, not both\n", o.err());
    // A warehouse without products (a typo) is refused unless --sample asks for the sample world; nothing is created.
    Path typo = tmp.resolve("no-such-warehouse");
    String[] elsewhere = {"nightly", "--workflow", TINY.toString(), "--properties", TINY_PROPS.toString(),
        "--warehouse", typo.toString(), "--in-process", "--date", "2026-11-01"};
    o = Jobs.main(elsewhere);
    assertEquals(ExitCodes.USAGE, o.status(), o.err());
    assertEquals("nightjar: No products table in " + typo + ": expected a warehouse holding the catalog (check --warehouse),"
        + " or --sample to generate the sample world into it\n", o.err());
    assertFalse(Files.exists(typo), "nothing written to " + typo);
    o = Jobs.main("nightly", "--workflow", "no/such.xml", "--in-process");
    assertEquals("nightjar: Cannot read " + Path.of("no/such.xml").toAbsolutePath() + ": no such file\n", o.err());

    o = Jobs.main(concat(base, "--from", "2026-11-01", "--to", "2026-11-02", "--dry-run"));
    assertEquals(0, o.status(), o.err());
    List<String> lines = o.out().lines().filter(l -> l.startsWith("nightly ds=")).toList();
    assertEquals(8, lines.size(), lines.toString());
    assertEquals("nightly ds=2026-11-01 budget-features: jobs/run budget-features --warehouse " + warehouse()
        + " --date 2026-11-01", lines.get(0));
    assertTrue(lines.get(7).startsWith("nightly ds=2026-11-02 export: jobs/run export --warehouse " + warehouse()
        + " --date 2026-11-02 --table product_features --output "), lines.get(7));
  }

  private static String[] concat(String[] a, String... b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
