package dev.nightjar.workflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nightjar.testing.Jobs;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jobs/nightly --master spark://...}: jobs/run hands the nightly job its spark-submit options
 * as {@code --spark-args} (one a line), and every action's launcher command line ends with them. A
 * recording launcher script stands in for jobs/run, so no Spark action runs here.
 */
class NightlySparkArgsTest {
  private static final String TINY = "src/test/resources/dev/nightjar/workflow/tiny-workflow.xml";
  private static final String TINY_PROPS = "src/test/resources/dev/nightjar/workflow/tiny.properties";
  private static final List<String> SPARK = List.of("--master", "spark://127.0.0.1:7077", "--conf",
      "spark.executor.extraJavaOptions=--add-opens=java.base/java.nio=ALL-UNNAMED -Dx=1");

  @TempDir Path tmp;

  private String[] args(String... more) {
    List<String> a = new ArrayList<>(List.of("nightly", "--workflow", TINY, "--properties", TINY_PROPS,
        "--warehouse", tmp.resolve("wh").toString(), "--date", "2026-11-20", "--sample",
        "--set", "nightly.log-dir=" + tmp.resolve("logs"),
        // As jobs/run builds it: printf '%s\n' "${spark_args[@]}", so a trailing line break.
        "--spark-args", String.join("\n", SPARK) + "\n"));
    a.addAll(Arrays.asList(more));
    return a.toArray(String[]::new);
  }

  @Test
  void everyLaunchedActionGetsTheSparkSubmitOptions() throws IOException {
    Path record = tmp.resolve("calls.txt");
    Path launcher = tmp.resolve("fake-run");
    Files.writeString(launcher, "#!/bin/sh\n{ for a in \"$@\"; do printf '%s\\n' \"$a\"; done; echo ---; } >> '"
        + record + "'\necho \"RESULT $1\"\n");
    Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwxr-xr-x"));

    Jobs.Outcome o = Jobs.main(args("--launcher", launcher.toString()));
    assertEquals(0, o.status(), o.err());

    List<List<String>> calls = new ArrayList<>();
    List<String> cur = new ArrayList<>();
    for (String l : Files.readAllLines(record)) {
      if (l.equals("---")) {
        calls.add(cur);
        cur = new ArrayList<>();
      } else {
        cur.add(l);
      }
    }
    // The sample world first (the warehouse is empty, --sample), then the tiny workflow's four actions.
    assertEquals(List.of("generate-sample", "budget-features", "train-budget", "featurize", "export"),
        calls.stream().map(c -> c.get(0)).toList());
    for (List<String> c : calls) {
      assertEquals(SPARK, c.subList(c.size() - SPARK.size(), c.size()), c.toString());
    }
    assertEquals(List.of("featurize", "--warehouse", tmp.resolve("wh").toString(), "--date", "2026-11-20",
        SPARK.get(0), SPARK.get(1), SPARK.get(2), SPARK.get(3)), calls.get(3));
  }

  @Test
  void dryRunShowsThemAndInProcessActionsDoNotTakeThem() {
    String wh = tmp.resolve("wh").toString();
    assertEquals("nightly ds=2026-11-20 featurize: jobs/run featurize --warehouse " + wh
        + " --date 2026-11-20 --master spark://127.0.0.1:7077 --conf "
        + "'spark.executor.extraJavaOptions=--add-opens=java.base/java.nio=ALL-UNNAMED -Dx=1'",
        dryRun(args("--dry-run")).get(2));
    // In-process actions share the nightly JVM's session, which spark-submit built with these options.
    assertEquals("nightly ds=2026-11-20 featurize: jobs/run featurize --warehouse " + wh + " --date 2026-11-20",
        dryRun(args("--dry-run", "--in-process")).get(2));
  }

  private static List<String> dryRun(String[] args) {
    Jobs.Outcome o = Jobs.main(args);
    assertEquals(0, o.status(), o.err());
    List<String> lines = o.out().lines().filter(l -> l.startsWith("nightly ds=")).toList();
    assertTrue(lines.size() == 4, lines.toString());
    return lines;
  }
}
