package dev.nightjar.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nightjar.common.ExitCodes;
import dev.nightjar.testing.Jobs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the real nightly workflow in-process on a tiny sample world for three dates (so the budget
 * metrics have a z-score band on the last), then executes every notebook in {@code notebooks/}
 * headless with Debian's Jupyter against that run's report extracts; any cell error fails the
 * test. Skipped when Jupyter is not installed ({@code notebooks/setup} installs it). With
 * {@code -Dnightjar.notebooks.update=true} the executed copies replace the committed ones.
 */
class NotebooksTest {
  static final Path NOTEBOOKS = Path.of("notebooks");
  static final Path JUPYTER = Path.of("/usr/bin/jupyter");
  static final Path PYTHON = Path.of("/usr/bin/python3");
  static final String FROM = "2026-11-18";
  static final String TO = "2026-11-20";
  /** Notebook and the least number of plots it must show. */
  static final Map<String, Integer> PLOTS =
      Map.of("broad-query-threshold", 2, "category-model-report", 7, "budget-monitoring", 4);

  @TempDir static Path tmp;

  @Test
  void everyNotebookRunsOnANightlyRun() throws Exception {
    Path wh = tmp.resolve("wh");
    Jobs.Outcome run = Jobs.main("nightly", "--workflow", "workflows/nightly/workflow.xml",
        "--properties", "workflows/nightly/job.properties", "--warehouse", wh.toString(), "--in-process", "--sample",
        "--from", FROM, "--to", TO, "--set", "nightly.log-dir=" + tmp.resolve("logs"),
        "--set", "sample.products=1000", "--set", "sample.budget.shops=400", "--set", "sample.budget.days=60",
        "--set", "category.train.num-features=65536", "--set", "category.train.epochs=5",
        // A queue whatever the model's quality: its notebook section must have rows to show.
        "--set", "category.review.min-confidence=0.99");
    assertTrue(run.status() == 0 || run.status() == ExitCodes.NOT_BLESSED, run.err());
    Path day = wh.resolve("reports/ds=" + TO);
    for (String extract : List.of("query_entropy", "category_metrics", "category_levels", "category_confidence",
        "category_confusions", "category_review", "model_metrics", "model_calibration", "budget_recommendations")) {
      assertTrue(Files.size(day.resolve(extract + ".jsonl")) > 0, "extract " + extract + " is empty");
    }

    // report-extracts once turned off .crc files in Hadoop's local file system, which every writer
    // in the JVM shares: the run state written after it then sat beside a stale .crc (written
    // before), and every later --resume of the date failed with a ChecksumException.
    org.apache.hadoop.fs.FileSystem local = org.apache.hadoop.fs.FileSystem.getLocal(new org.apache.hadoop.conf.Configuration());
    local.create(new org.apache.hadoop.fs.Path(tmp.resolve("probe").toUri())).close();
    assertTrue(Files.exists(tmp.resolve(".probe.crc")), "the shared local file system no longer writes checksums");
    Jobs.Outcome resumed = Jobs.main("nightly", "--workflow", "workflows/nightly/workflow.xml",
        "--properties", "workflows/nightly/job.properties", "--warehouse", wh.toString(), "--in-process",
        "--date", FROM, "--resume", "--set", "nightly.log-dir=" + tmp.resolve("logs"));
    assertTrue((resumed.status() == 0 || resumed.status() == ExitCodes.NOT_BLESSED)
        && resumed.out().contains(" failed=0 "), resumed.out() + resumed.err());

    Assumptions.assumeTrue(Files.isExecutable(JUPYTER) && jupyterHasItsLibraries(),
        "Jupyter is not installed (expected " + JUPYTER + " with Debian's pandas and matplotlib): "
            + "run notebooks/setup to install it; the notebooks were not executed");
    Path kernels = tmp.resolve("jupyter/kernels/python3");
    Files.createDirectories(kernels);
    // The kernel is Debian's python (with Debian's pandas), whatever python3 is first on PATH.
    Files.writeString(kernels.resolve("kernel.json"), "{\"argv\": [\"" + PYTHON
        + "\", \"-Xfrozen_modules=off\", \"-m\", \"ipykernel_launcher\", \"-f\", \"{connection_file}\"],"
        + " \"display_name\": \"Python 3 (Debian)\", \"language\": \"python\"}\n");
    Path out = tmp.resolve("executed");
    for (String name : PLOTS.keySet()) {
      Path executed = execute(NOTEBOOKS.resolve(name + ".ipynb"), out, wh.resolve("reports"));
      JsonNode nb = new ObjectMapper().readTree(executed.toFile());
      int plots = 0;
      for (JsonNode cell : nb.path("cells")) {
        for (JsonNode o : cell.path("outputs")) {
          assertTrue(!o.path("output_type").asText().equals("error"), name + ": " + o);
          plots += o.path("data").has("image/png") ? 1 : 0;
        }
      }
      assertTrue(plots >= PLOTS.get(name), name + ": expected at least " + PLOTS.get(name) + " plots, found " + plots);
      assertTrue(nb.toString().contains("extracts of " + TO), name + " did not read the run of " + TO);
      if (Boolean.getBoolean("nightjar.notebooks.update")) {
        Files.copy(executed, NOTEBOOKS.resolve(name + ".ipynb"), StandardCopyOption.REPLACE_EXISTING);
      }
    }
  }

  private static boolean jupyterHasItsLibraries() throws IOException, InterruptedException {
    Process p = new ProcessBuilder(PYTHON.toString(), "-c", "import pandas, matplotlib, ipykernel, nbconvert")
        .redirectErrorStream(true).start();
    p.getInputStream().readAllBytes();
    return p.waitFor() == 0;
  }

  /** {@code jupyter nbconvert --execute}; fails with the notebook's error output on any cell error. */
  private static Path execute(Path notebook, Path outDir, Path reports) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(JUPYTER.toString(), "nbconvert", "--to", "notebook", "--execute",
        "--ExecutePreprocessor.timeout=600", "--ExecutePreprocessor.kernel_name=python3",
        "--output-dir", outDir.toString(), notebook.toString()));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    Map<String, String> env = pb.environment();
    for (String k : List.of("PYTHONPATH", "PYTHONHOME", "PYENV_VERSION", "VIRTUAL_ENV")) {
      env.remove(k);
    }
    env.put("JUPYTER_PATH", tmp.resolve("jupyter").toString());
    env.put("IPYTHONDIR", tmp.resolve("ipython").toString());
    env.put("NIGHTJAR_REPORTS", reports.toString());
    env.put("MPLBACKEND", "Agg");
    env.put("PYDEVD_DISABLE_FILE_VALIDATION", "1");
    Process p = pb.start();
    String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(10, TimeUnit.MINUTES), notebook + " did not finish in 10 minutes");
    assertEquals(0, p.exitValue(), notebook + " failed:\n" + log);
    return outDir.resolve(notebook.getFileName());
  }
}
