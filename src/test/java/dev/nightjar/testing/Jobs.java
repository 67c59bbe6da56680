package dev.nightjar.testing;

import dev.nightjar.Main;
import dev.nightjar.common.Job;
import dev.nightjar.common.JobContext;
import dev.nightjar.common.JobResult;
import dev.nightjar.common.Settings;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** Runs jobs in tests through either entry point: the Java API or the spark-submit main. */
public final class Jobs {
  private Jobs() {}

  /** The Java API: a context built from configuration overrides. */
  public static JobResult runApi(Job job, java.nio.file.Path warehouse, LocalDate date, Map<String, String> sets,
      Map<String, String> options) {
    SharedSpark.get();
    Map<String, String> all = new LinkedHashMap<>(sets);
    all.put("warehouse.root", warehouse.toString());
    JobContext ctx =
        new JobContext(job.name(), Settings.load(null, null, all), date, true, options, Set.of());
    job.validate(ctx);
    return job.run(ctx);
  }

  /** Output and status of {@link Main#run}, as {@code jobs/run} would print them. */
  public record Outcome(int status, String out, String err) {}

  public static Outcome main(String... args) {
    SharedSpark.get();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int status =
        Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Outcome(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }
}
