package dev.nightjar.parity;

import com.typesafe.config.Config;
import dev.nightjar.common.ExitCodes;
import dev.nightjar.common.Job;
import dev.nightjar.common.JobContext;
import dev.nightjar.common.JobResult;
import dev.nightjar.common.OptionSpec;
import dev.nightjar.common.Settings;
import dev.nightjar.model.ModelKind;
import dev.nightjar.model.ModelKinds;
import dev.nightjar.model.ParityCheck;
import dev.nightjar.model.ParityTally;
import dev.nightjar.tables.Warehouse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code jobs/run parity}: each model kind's SavedModel, run through tensorflow-java, against its
 * Spark side on the same rows ({@link ModelKind#parity}: the category classifier against {@code
 * category_predictions}, the budget models against their Spark pipelines). Exits with status 1 on
 * any mismatch (or nothing to compare), printing up to five of them.
 */
public final class ParityJob implements Job {
  private static final Logger LOG = LoggerFactory.getLogger(ParityJob.class);

  static final String CHECK = "parity.check";
  static final String ROWS = "parity.rows";
  static final String TOLERANCE = "parity.tolerance";

  /** The kinds with a parity check, by name. */
  private static Map<String, ParityCheck> checks() {
    Map<String, ParityCheck> out = new LinkedHashMap<>();
    for (ModelKind k : ModelKinds.all()) {
      k.parity().ifPresent(p -> out.put(k.name(), p));
    }
    return out;
  }

  /** The checks {@code parity.check} names, in its order. */
  static Map<String, ParityCheck> selected(Config c) {
    String check = Settings.string(c, CHECK);
    List<String> parts = Arrays.stream(check.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    Map<String, ParityCheck> all = checks();
    if (parts.isEmpty() || !all.keySet().containsAll(parts)) {
      throw Settings.bad(CHECK, check, "a comma-separated list of " + String.join(", ", all.keySet()));
    }
    Map<String, ParityCheck> out = new LinkedHashMap<>();
    parts.forEach(p -> out.put(p, all.get(p)));
    return out;
  }

  @Override
  public String name() {
    return "parity";
  }

  @Override
  public String description() {
    return "check that the TensorFlow SavedModels predict what the Spark models predict (exit 1 on any mismatch)";
  }

  @Override
  public List<OptionSpec> options() {
    List<OptionSpec> out = new ArrayList<>(List.of(
        OptionSpec.config("check", CHECK, "WHAT", "the models to check: " + String.join(",", checks().keySet())),
        OptionSpec.config("rows", ROWS, "N", "rows compared per model")));
    checks().values().forEach(p -> out.addAll(p.options()));
    return out;
  }

  @Override
  public void validate(JobContext context) {
    Config c = context.config();
    Settings.intIn(c, ROWS, 1, 100_000_000);
    Settings.doubleIn(c, TOLERANCE, 0, 1);
    selected(c).values().forEach(p -> p.validate(c));
  }

  @Override
  public JobResult run(JobContext context) {
    Config c = context.config();
    int rows = Settings.intIn(c, ROWS, 1, 100_000_000);
    double tolerance = Settings.doubleIn(c, TOLERANCE, 0, 1);
    Warehouse w = Warehouse.of(context);
    JobResult.Builder result = JobResult.builder(name());
    List<String> failures = new ArrayList<>();
    try {
      for (Map.Entry<String, ParityCheck> e : selected(c).entrySet()) {
        String model = e.getKey();
        ParityTally t = e.getValue().run(context, w, rows, tolerance);
        result.metric(model + ".rows", t.rows()).metric(model + ".mismatches", t.mismatches())
            .metric(model + "." + e.getValue().diffName(), String.format(Locale.ROOT, "%.3g", t.maxDiff()));
        if (t.rows() == 0) {
          failures.add(model + ": no rows to compare");
        } else if (t.mismatches() > 0) {
          failures.add(model + ": " + t.mismatches() + " of " + t.rows() + " rows differ, e.g. "
              + String.join("; ", t.samples()));
        }
        LOG.info("parity {}: {} rows, {} mismatches, max difference {}", model, t.rows(), t.mismatches(), t.maxDiff());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (!failures.isEmpty()) {
      System.err.println("parity: " + String.join("\n  ", failures));
      result.metric("parity", "failed").exitCode(ExitCodes.FAILED);
    } else {
      result.metric("parity", "ok");
    }
    return result.build();
  }
}
