package dev.nightjar.workflow;

import static dev.nightjar.testing.BenchSupport.fmt;
import static dev.nightjar.testing.BenchSupport.seconds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nightjar.common.Job;
import dev.nightjar.common.JobContext;
import dev.nightjar.common.JobFailedException;
import dev.nightjar.common.JobResult;
import dev.nightjar.common.OptionSpec;
import dev.nightjar.common.SparkSessions;
import dev.nightjar.testing.BenchSupport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * {@code jobs/bench cluster}: the nightly pipeline on a real Spark standalone cluster against the
 * same pipeline in local mode. Runs {@code jobs/nightly} for one date into a fresh local warehouse,
 * then starts a master and two workers as separate JVMs on loopback (ephemeral ports) from the
 * Maven classpath, runs {@code jobs/nightly --master spark://127.0.0.1:PORT} for the same date into
 * a second warehouse, tears the cluster down (always), and compares every Delta table of the two
 * warehouses row for row: order-insensitive, exact values (rows as Spark's JSON, whose doubles are
 * the shortest decimal that reads back as the same double, so equal text means equal bits). A table
 * that differs is compared again with doubles rounded to 12 significant digits; the bench fails
 * unless every table is equal at least that way, and reports both verdicts.
 *
 * <p>The workers' SPARK_HOME holds the dependency jars WITHOUT Delta, as a Spark distribution would:
 * executors get Delta only from the shaded job jar that spark-submit ships, so a broken jar fails here.
 * Both runs have two cores (local[*] on this machine's 2, or 2 workers x 1 core), so generated data
 * and partitioned computations see the same partitions.
 */
public final class ClusterBench implements Job {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
  private static final Duration RUN_TIMEOUT = Duration.ofMinutes(30);
  private static final Pattern MASTER_URL = Pattern.compile("Starting Spark master at (spark://[^\\s]+:\\d+)");

  @Override
  public String name() {
    return "bench-cluster";
  }

  @Override
  public String description() {
    return "the nightly pipeline on a 2-worker standalone cluster equals its local-mode run, table by table";
  }

  @Override
  public List<OptionSpec> options() {
    return List.of(
        OptionSpec.value("products", "N", "sample products", "2000"),
        OptionSpec.value("shops", "N", "sample shops (budget tables)", "400"),
        OptionSpec.value("days", "N", "days of shop history", "40"),
        OptionSpec.value("worker-memory", "SIZE", "memory each worker offers its executors", "2g"),
        OptionSpec.value("executor-memory", "SIZE", "heap of each executor", "1g"),
        OptionSpec.value("driver-memory", "SIZE", "heap of each action's driver (both runs)", "2g"),
        OptionSpec.flag("spark-defaults", "give the cluster run Spark's defaults (200 shuffle partitions ...) "
            + "instead of the tuning local mode applies (SparkSessions.localTuning)"),
        OptionSpec.value("work", "DIR", "scratch directory", "target/bench/cluster"),
        OptionSpec.flag("compare-only", "compare the two warehouses the last bench left in --work, run nothing"),
        OptionSpec.flag("reuse-local", "keep the local run of the last bench in --work (same options), rerun the cluster only"));
  }

  /** Settings that bless any budget model, so that recommend-budget (which needs one) runs. */
  static final List<String> OPEN_BUDGET_GATE = java.util.stream.Stream.of("auc-min=0", "log-loss-max=100",
          "calibration-error-max=1", "range-coverage-error-max=1", "cpv-rmse-log-max=100")
      .flatMap(g -> java.util.stream.Stream.of("--set", "monitoring.thresholds." + g)).toList();

  @Override
  public JobResult run(JobContext ctx) {
    Path root = projectRoot();
    boolean reuse = ctx.flag("reuse-local") || ctx.flag("compare-only");
    Path work = reuse ? Path.of(ctx.option("work").orElse("target/bench/cluster")).toAbsolutePath()
        : BenchSupport.workDir(ctx, "cluster");
    if (ctx.flag("compare-only")) {
      Comparison c = compare(ctx.spark(), work.resolve("local"), work.resolve("cluster"));
      System.out.println("BENCH cluster tables=" + c.tables() + " rows=" + c.rows() + " equal=" + c.differing().isEmpty()
          + " equal_to_" + SIGNIFICANT + "_digits=" + c.differingRounded().isEmpty() + " (compare only)"
          + (c.differing().isEmpty() ? "" : " differing=" + String.join(",", c.differing())));
      return JobResult.builder(name()).metric("tables", c.tables()).metric("rows", c.rows()).build();
    }
    String ds = ctx.runDate().toString();
    List<String> pipeline = new ArrayList<>(List.of("--date", ds,
        "--set", "sample.products=" + BenchSupport.longOption(ctx, "products", 2000),
        "--set", "sample.budget.shops=" + BenchSupport.longOption(ctx, "shops", 400),
        "--set", "sample.budget.days=" + BenchSupport.longOption(ctx, "days", 40)));
    // This compares runs, not model quality: the gate is opened so that the tiny sample's budget
    // model is blessed and recommend-budget (which needs a blessed model) runs in both.
    pipeline.addAll(OPEN_BUDGET_GATE);
    String driverMemory = ctx.option("driver-memory").orElse("2g");

    int localStatus;
    double localS;
    Path localResult = work.resolve("local.result");
    try {
      if (reuse && Files.exists(localResult)) {
        String[] r = Files.readString(localResult).trim().split(" ");
        localStatus = Integer.parseInt(r[0]);
        localS = Double.parseDouble(r[1]);
        System.out.println("local: reusing the run in " + work.resolve("local"));
      } else {
        long t0 = System.nanoTime();
        localStatus = nightly(root, work, "local", driverMemory, List.of(), pipeline);
        localS = seconds(t0);
        Files.writeString(localResult, localStatus + " " + localS + "\n");
      }
      for (String dir : List.of("cluster", "workers", "spark-home")) {
        BenchSupport.deleteTree(work.resolve(dir));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }

    Cluster cluster = new Cluster(root, work, ctx.option("worker-memory").orElse("2g"));
    Thread hook = new Thread(cluster::stop, "cluster-teardown");
    Runtime.getRuntime().addShutdownHook(hook); // also on Ctrl-C
    int clusterStatus;
    double clusterS;
    int[] apps;
    try {
      String master = cluster.start();
      System.out.println("cluster: " + master + ", 2 workers");
      List<String> spark = new ArrayList<>(List.of("--master", master,
          "--executor-memory", ctx.option("executor-memory").orElse("1g"),
          "--conf", "spark.executor.extraJavaOptions=" + String.join(" ", jvmOptions(root))));
      if (!ctx.flag("spark-defaults")) {
        // The same session settings as the local run, so that only where the work runs differs.
        SparkSessions.localTuning().forEach((k, v) -> spark.addAll(List.of("--conf", k + "=" + v)));
      }
      long t1 = System.nanoTime();
      clusterStatus = nightly(root, work, "cluster", driverMemory, spark, pipeline);
      clusterS = seconds(t1);
      apps = cluster.appsPerWorker();
    } finally {
      cluster.stop();
      Runtime.getRuntime().removeShutdownHook(hook);
    }

    Comparison c = compare(ctx.spark(), work.resolve("local"), work.resolve("cluster"));
    int tasks = executorTasks(work);
    boolean equal = c.differing().isEmpty() && localStatus == clusterStatus;
    boolean close = c.differingRounded().isEmpty() && localStatus == clusterStatus;
    System.out.println("BENCH cluster tables=" + c.tables() + " rows=" + c.rows() + " equal=" + equal
        + " equal_to_" + SIGNIFICANT + "_digits=" + close
        + " local_s=" + fmt(localS) + " cluster_s=" + fmt(clusterS) + " exit_local=" + localStatus
        + " exit_cluster=" + clusterStatus + " apps_per_worker=" + apps[0] + "," + apps[1]
        + " executor_tasks=" + tasks + (c.differing().isEmpty() ? "" : " differing=" + String.join(",", c.differing())));
    if (!close) {
      throw new JobFailedException("The cluster run differs from the local run: exit " + clusterStatus + " vs "
          + localStatus + ", tables " + c.differing() + " (details above; logs under " + work + ")");
    }
    if (apps[0] == 0 || apps[1] == 0 || tasks == 0) {
      throw new JobFailedException("Expected every action to run executors on both workers, found apps per worker "
          + apps[0] + "," + apps[1] + " and " + tasks + " executor tasks (logs under " + work + ")");
    }
    return JobResult.builder(name()).metric("tables", c.tables()).metric("rows", c.rows())
        .metric("equal", equal).build();
  }

  /** ROOT/target/test-classes/ is where this class comes from. */
  static Path projectRoot() {
    try {
      Path classes = Path.of(ClusterBench.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      return classes.getParent().getParent();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  static List<String> jvmOptions(Path root) {
    try (Stream<String> lines = Files.lines(root.resolve("jobs/jvm.options"))) {
      return lines.map(String::trim).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** jobs/nightly into WORK/NAME, its output in WORK/NAME.log and on stdout; returns its exit status. */
  private static int nightly(Path root, Path work, String name, String driverMemory, List<String> spark,
      List<String> pipeline) {
    List<String> cmd = new ArrayList<>(List.of(root.resolve("jobs/nightly").toString()));
    cmd.addAll(spark);
    cmd.addAll(List.of("--warehouse", work.resolve(name).toString(), "--sample"));
    cmd.addAll(pipeline);
    System.out.println(name + ": " + String.join(" ", cmd));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(root.toFile()).redirectErrorStream(true)
        .redirectOutput(work.resolve(name + ".log").toFile());
    pb.environment().put("NIGHTJAR_DRIVER_MEMORY", driverMemory);
    int status = Procs.run(pb, RUN_TIMEOUT, name + " nightly run");
    try (Stream<String> lines = Files.lines(work.resolve(name + ".log"))) {
      lines.filter(l -> l.startsWith("nightly") || l.startsWith("  ") || l.startsWith("nightjar:"))
          .forEach(l -> System.out.println("  " + l));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (status != 0 && status != 3) { // 3: a model not blessed, which the tiny sample may give
      throw new JobFailedException("The " + name + " nightly run failed (exit " + status + "); its output: "
          + work.resolve(name + ".log"));
    }
    return status;
  }

  /**
   * @param differing tables whose rows differ in any bit
   * @param differingRounded tables that still differ with every double rounded to {@link #SIGNIFICANT}
   *     significant digits: sums of doubles whose order depends on which partial aggregate arrives
   *     first may differ in the last bits between any two runs, local or not
   */
  record Comparison(int tables, long rows, List<String> differing, List<String> differingRounded) {}

  static final int SIGNIFICANT = 12;
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A JSON row with every floating-point number rounded to SIGNIFICANT digits. */
  static String rounded(String json) {
    try {
      return JSON.writeValueAsString(round(JSON.readTree(json)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static JsonNode round(JsonNode n) {
    if (n.isFloatingPointNumber()) {
      return DoubleNode.valueOf(new BigDecimal(n.asText()).round(new MathContext(SIGNIFICANT)).doubleValue());
    }
    if (n.isObject()) {
      ObjectNode o = (ObjectNode) n;
      List<String> names = new ArrayList<>();
      o.fieldNames().forEachRemaining(names::add);
      names.forEach(k -> o.set(k, round(o.get(k))));
    } else if (n.isArray()) {
      ArrayNode a = (ArrayNode) n;
      for (int i = 0; i < a.size(); i++) {
        a.set(i, round(a.get(i)));
      }
    }
    return n;
  }

  /** Every Delta table of either warehouse, compared as multisets of JSON rows plus schemas. */
  static Comparison compare(SparkSession spark, Path a, Path b) {
    TreeSet<String> names = new TreeSet<>(deltaTables(a));
    names.addAll(deltaTables(b));
    long rows = 0;
    List<String> differing = new ArrayList<>();
    List<String> differingRounded = new ArrayList<>();
    for (String t : names) {
      if (!Files.isDirectory(a.resolve(t).resolve("_delta_log")) || !Files.isDirectory(b.resolve(t).resolve("_delta_log"))) {
        System.out.println("compare " + t + ": only in " + (Files.isDirectory(a.resolve(t)) ? a : b));
        differing.add(t);
        differingRounded.add(t);
        continue;
      }
      Dataset<Row> x = spark.read().format("delta").load(a.resolve(t).toString());
      Dataset<Row> y = spark.read().format("delta").load(b.resolve(t).toString());
      Dataset<String> jx = x.toJSON().cache();
      Dataset<String> jy = y.toJSON().cache();
      long nx = jx.count();
      long ny = jy.count();
      long onlyX = jx.exceptAll(jy).count();
      long onlyY = jy.exceptAll(jx).count();
      boolean sameSchema = x.schema().json().equals(y.schema().json());
      rows += nx;
      String verdict = nx == ny && onlyX == 0 && onlyY == 0 && sameSchema ? "equal" : "DIFFERENT";
      System.out.println("compare " + t + ": local " + nx + " rows, cluster " + ny + " rows, only local " + onlyX
          + ", only cluster " + onlyY + (sameSchema ? "" : ", schemas differ") + ": " + verdict);
      if (!verdict.equals("equal")) {
        differing.add(t);
        jx.exceptAll(jy).limit(2).collectAsList().forEach(r -> System.out.println("    local:   " + r));
        jy.exceptAll(jx).limit(2).collectAsList().forEach(r -> System.out.println("    cluster: " + r));
        // Small tables here: the rounded comparison runs on the driver.
        List<String> rx = new ArrayList<>(jx.collectAsList().stream().map(ClusterBench::rounded).sorted().toList());
        List<String> ry = new ArrayList<>(jy.collectAsList().stream().map(ClusterBench::rounded).sorted().toList());
        boolean close = sameSchema && rx.equals(ry);
        System.out.println("compare " + t + " with doubles rounded to " + SIGNIFICANT + " significant digits: "
            + (close ? "equal" : "DIFFERENT"));
        if (!close) {
          differingRounded.add(t);
        }
      }
      jx.unpersist();
      jy.unpersist();
    }
    return new Comparison(names.size(), rows, differing, differingRounded);
  }

  /** Table names: the warehouse's directories that hold a Delta log. */
  private static List<String> deltaTables(Path warehouse) {
    try (Stream<Path> s = Files.list(warehouse)) {
      return s.filter(p -> Files.isDirectory(p.resolve("_delta_log"))).map(p -> p.getFileName().toString()).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** "Running task" lines in the executors' logs under the workers' work directories. */
  private static int executorTasks(Path work) {
    int n = 0;
    try (Stream<Path> s = Files.walk(work.resolve("workers"))) {
      for (Path p : s.filter(p -> p.getFileName().toString().equals("stderr")).toList()) {
        n += (int) Files.readAllLines(p, StandardCharsets.UTF_8).stream().filter(l -> l.contains("Running task")).count();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return n;
  }

  /** A master and two workers, each its own JVM on the Maven classpath, bound to loopback. */
  static final class Cluster {
    private final Path root;
    private final Path work;
    private final String workerMemory;
    private final List<Process> procs = new ArrayList<>();

    Cluster(Path root, Path work, String workerMemory) {
      this.root = root;
      this.work = work;
      this.workerMemory = workerMemory;
    }

    /** Starts the cluster; returns the master URL once both workers registered. */
    String start() {
      Path sparkHome = sparkHome();
      Path masterLog = work.resolve("master.log");
      Process master = launch(sparkHome, masterLog, "org.apache.spark.deploy.master.Master",
          "--host", "127.0.0.1", "--port", "0", "--webui-port", "0");
      Matcher m = Procs.awaitLog(master, masterLog, MASTER_URL, START_TIMEOUT, "the Spark master");
      String url = m.group(1);
      List<Path> logs = new ArrayList<>();
      for (int i = 1; i <= 2; i++) {
        Path dir = work.resolve("workers/worker-" + i);
        Path log = work.resolve("worker-" + i + ".log");
        logs.add(log);
        launch(sparkHome, log, "org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1", "--port", "0",
            "--webui-port", "0", "--cores", "1", "--memory", workerMemory, "--work-dir", dir.toString(), url);
      }
      for (int i = 0; i < 2; i++) {
        Procs.awaitLog(procs.get(i + 1), logs.get(i), Pattern.compile("Successfully registered with master"),
            START_TIMEOUT, "worker " + (i + 1));
      }
      return url;
    }

    /**
     * What a worker needs to launch executors: SPARK_HOME with an empty RELEASE file (so Spark
     * takes SPARK_HOME/jars as a distribution's) and jars/ linking the dependency jars, except
     * Delta, which executors must get from the job jar.
     */
    private Path sparkHome() {
      Path home = work.resolve("spark-home");
      Path jars = home.resolve("jars");
      try {
        Files.createDirectories(jars);
        Files.writeString(home.resolve("RELEASE"), "");
        for (String entry : classpath().split(java.io.File.pathSeparator)) {
          Path jar = Path.of(entry);
          Path link = jars.resolve(jar.getFileName().toString());
          if (entry.endsWith(".jar") && !entry.contains("/io/delta/") && !Files.exists(link)) {
            Files.createSymbolicLink(link, jar);
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot build the workers' SPARK_HOME in " + home + ": " + e.getMessage(), e);
      }
      return home;
    }

    /** The compile+provided classpath jobs/run wrote (the local run built it). */
    private String classpath() {
      try {
        return Files.readString(root.resolve("target/classpath.txt")).trim();
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot read target/classpath.txt (jobs/run writes it): " + e.getMessage(), e);
      }
    }

    private Process launch(Path sparkHome, Path log, String mainClass, String... args) {
      List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-Xmx512m"));
      cmd.addAll(jvmOptions(root));
      cmd.addAll(List.of("-cp", classpath(), mainClass));
      cmd.addAll(List.of(args));
      ProcessBuilder pb = new ProcessBuilder(cmd).directory(work.toFile()).redirectErrorStream(true)
          .redirectOutput(log.toFile());
      Map<String, String> env = pb.environment();
      env.put("SPARK_HOME", sparkHome.toString());
      env.put("SPARK_SCALA_VERSION", "2.13");
      env.put("SPARK_LOCAL_IP", "127.0.0.1");
      try {
        Process p = pb.start();
        synchronized (procs) {
          procs.add(p);
        }
        return p;
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot start " + mainClass + ": " + e.getMessage(), e);
      }
    }

    /** Apps each worker ran executors for (WORK/workers/worker-N/app-*). */
    int[] appsPerWorker() {
      int[] n = new int[2];
      for (int i = 0; i < 2; i++) {
        Path dir = work.resolve("workers/worker-" + (i + 1));
        if (Files.isDirectory(dir)) {
          try (Stream<Path> s = Files.list(dir)) {
            n[i] = (int) s.filter(p -> p.getFileName().toString().startsWith("app-")).count();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      }
      return n;
    }

    /** Workers (and their executors) first, then the master; idempotent. */
    void stop() {
      List<Process> all;
      synchronized (procs) {
        all = new ArrayList<>(procs);
        procs.clear();
      }
      for (int i = all.size() - 1; i >= 0; i--) {
        Procs.stop(all.get(i));
      }
    }
  }
}
