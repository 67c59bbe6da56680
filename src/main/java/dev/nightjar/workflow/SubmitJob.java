package dev.nightjar.workflow;

import com.typesafe.config.Config;
import dev.nightjar.common.Job;
import dev.nightjar.common.JobContext;
import dev.nightjar.common.JobResult;
import dev.nightjar.common.OptionSpec;
import dev.nightjar.common.Settings;
import dev.nightjar.common.UsageException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * {@code jobs/submit [--dry-run] JOB [job options]}: an ad hoc job on whichever cluster the
 * administrators' state source names (see {@link AdhocState}), as a generated Oozie workflow.
 */
public final class SubmitJob implements Job {
  static final String STATE = "submit.state";
  static final String TIMEOUT = "submit.timeout-seconds";
  static final String POLL = "submit.poll-seconds";
  static final String MAX_WAIT = "submit.max-wait-minutes";
  /** jobs/submit passes the user's job arguments in one option, separated by this character. */
  static final String ARG_SEPARATOR = "\n";

  @Override
  public String name() {
    return "submit";
  }

  @Override
  public String description() {
    return "Submit an ad hoc job to the active cluster's Oozie (jobs/submit [--dry-run] JOB [options])";
  }

  @Override
  public List<OptionSpec> options() {
    return List.of(
        OptionSpec.value("job", "JOB", "the job to submit", "required"),
        OptionSpec.value("args", "ARGS", "its arguments, one per line (jobs/submit fills this in)", "none"),
        OptionSpec.config("state", STATE, "FILE_OR_URL", "where to ask which cluster takes ad hoc jobs"),
        OptionSpec.flag("dry-run", "print the generated workflow and its configuration, submit nothing"));
  }

  record Options(String job, List<String> args, String state, Duration timeout, Duration poll, Duration maxWait) {
    static Options from(JobContext ctx) {
      Config c = ctx.config();
      String job = ctx.option("job").orElseThrow(() -> new UsageException("Which job? Give --job JOB (jobs/submit JOB ...)"));
      String raw = ctx.option("args").orElse("");
      List<String> args = raw.isEmpty() ? List.of() : Arrays.asList(raw.split(ARG_SEPARATOR, -1));
      String state = Settings.string(c, STATE);
      if (state.isBlank()) {
        throw Settings.bad(STATE, "\"\"", "the ad hoc state file or http(s) URL the administrators publish");
      }
      return new Options(job, args, state, Duration.ofSeconds(Settings.intIn(c, TIMEOUT, 1, 3600)),
          Duration.ofSeconds(Settings.intIn(c, POLL, 0, 3600)),
          Duration.ofMinutes(Settings.intIn(c, MAX_WAIT, 1, 7 * 24 * 60)));
    }
  }

  @Override
  public void validate(JobContext ctx) {
    Options o = Options.from(ctx);
    AdhocSubmitter.validate(o.job(), o.args());
  }

  @Override
  public JobResult run(JobContext ctx) {
    Options o = Options.from(ctx);
    return new AdhocSubmitter(System.out).submit(new AdhocSubmitter.Request(o.job(), o.args(), o.state(),
        ctx.flag("dry-run"), o.timeout(), o.poll(), o.maxWait(), System.getProperty("user.name")));
  }
}
