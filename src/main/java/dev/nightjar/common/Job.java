package dev.nightjar.common;

import java.util.List;

/**
 * A Nightjar job: a thin entry point that reads its settings, builds the work, runs it and
 * returns an immutable result. Jobs register themselves in {@code
 * META-INF/services/dev.nightjar.common.Job}; {@link dev.nightjar.Main} dispatches by {@link
 * #name()}.
 */
public interface Job {
  /** The name used on the command line, e.g. {@code featurize}. */
  String name();

  /** One line for {@code jobs/run --help}. */
  String description();

  /** Job-specific options; the common ones ({@code --warehouse}, {@code --date}, ...) are added. */
  default List<OptionSpec> options() {
    return List.of();
  }

  /**
   * Sub-commands, for jobs used as {@code jobs/run JOB COMMAND [options]}; the chosen one is {@code
   * context.option(CommandLine.COMMAND)}. Empty for ordinary jobs.
   */
  default List<String> commands() {
    return List.of();
  }

  /**
   * The name of the option that a bare argument fills ({@code jobs/run sql "SELECT ..."} fills
   * {@code query}), or null when the job takes none.
   */
  default String positional() {
    return null;
  }

  /** One-letter aliases of options ({@code -f} for {@code --file}). */
  default java.util.Map<Character, String> shortOptions() {
    return java.util.Map.of();
  }

  /**
   * Whether the job prints its own result on stdout ({@code show}, {@code models}, {@code sql}):
   * then nothing else is printed there. Otherwise the runner prints the job's {@link JobResult}
   * ({@code RESULT ...}, or JSON with {@code --json}).
   */
  default boolean printsResult() {
    return false;
  }

  /**
   * Checks the configuration this job uses, before any data is read. Throw {@link
   * UsageException} naming the key on a bad value.
   */
  default void validate(JobContext context) {}

  /** Runs the job. Throw {@link JobFailedException} with a message for people on failure. */
  JobResult run(JobContext context);

  /** Benchmarks are jobs too, listed apart and launched by {@code jobs/bench NAME}. */
  default boolean isBenchmark() {
    return name().startsWith("bench-");
  }
}
