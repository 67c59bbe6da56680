package dev.nightjar.model;

import com.typesafe.config.Config;
import dev.nightjar.common.JobContext;
import dev.nightjar.common.OptionSpec;
import dev.nightjar.tables.Warehouse;
import java.io.IOException;
import java.util.List;

/** A model kind's comparison of its SavedModel with its Spark side on the same rows ({@code jobs/run parity}). */
public interface ParityCheck {
  /** The name of the largest difference in the result line, e.g. {@code max_score_diff}. */
  String diffName();

  /** Its own options ({@code parity.NAME.*}). */
  default List<OptionSpec> options() {
    return List.of();
  }

  /** Checks its settings without touching data. */
  default void validate(Config config) {}

  /** Compares up to {@code rows} rows of the run date; a row differs past {@code tolerance}. */
  ParityTally run(JobContext context, Warehouse warehouse, int rows, double tolerance) throws IOException;
}
