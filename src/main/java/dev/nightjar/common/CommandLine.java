package dev.nightjar.common;

import java.io.File;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A job's parsed command line. Options are {@code --name value} or {@code --name=value}; options
 * bound to a configuration key become {@code --set} overrides so the configuration stays the one
 * typed source of values.
 */
public final class CommandLine {
  /** Options every job takes. */
  public static final List<OptionSpec> COMMON =
      List.of(
          OptionSpec.config(
              "warehouse",
              "warehouse.root",
              "DIR_OR_URI",
              "root of all tables; any Hadoop file-system URI (hdfs://, s3a://, file:/)"),
          OptionSpec.value("date", "YYYY-MM-DD", "the run date (the ds partition written)", "today, UTC"),
          OptionSpec.value("conf-file", "FILE", "a HOCON file layered over conf/application.conf", "none"),
          OptionSpec.value("set", "KEY=VALUE", "set a configuration key (repeatable)", "none"),
          OptionSpec.flag("json", "print the result as JSON on stdout (logs stay on stderr)"),
          OptionSpec.flag("verbose", "log more on stderr, with the effective configuration (secrets masked)"),
          OptionSpec.flag("ui", "turn on the Spark web UI on a free port and print its URL"),
          OptionSpec.flag("help", "print this job's options and exit"));

  /** The option holding the sub-command of a job that has them ({@link Job#commands()}). */
  public static final String COMMAND = "command";

  private final LocalDate date;
  private final boolean dateGiven;
  private final File confFile;
  private final Map<String, String> overrides;
  private final Map<String, String> options;
  private final Set<String> flags;

  private CommandLine(
      LocalDate date,
      boolean dateGiven,
      File confFile,
      Map<String, String> overrides,
      Map<String, String> options,
      Set<String> flags) {
    this.date = date;
    this.dateGiven = dateGiven;
    this.confFile = confFile;
    this.overrides = overrides;
    this.options = options;
    this.flags = flags;
  }

  public static CommandLine parse(Job job, String[] args) {
    List<OptionSpec> specs = new ArrayList<>(COMMON);
    specs.addAll(job.options());
    LocalDate date = LocalDate.now(ZoneOffset.UTC);
    boolean dateGiven = false;
    File confFile = null;
    Map<String, String> overrides = new LinkedHashMap<>();
    Map<String, String> options = new LinkedHashMap<>();
    Set<String> flags = new LinkedHashSet<>();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (i == 0 && !job.commands().isEmpty() && !arg.startsWith("-")) {
        // Jobs with sub-commands (jobs/run models list) take the command first.
        if (!job.commands().contains(arg)) {
          throw new UsageException("Unknown command '" + arg + "' for job " + job.name() + ": expected one of "
              + String.join(", ", job.commands()) + Suggest.hint(arg, job.commands(), "") + helpHint(job));
        }
        options.put(COMMAND, arg);
        continue;
      }
      if (job.positional() != null && !arg.startsWith("-") && !options.containsKey(job.positional())) {
        // jobs/run sql "SELECT ...", jobs/run config PREFIX
        options.put(job.positional(), arg);
        continue;
      }
      if (arg.length() == 2 && arg.charAt(0) == '-' && job.shortOptions().containsKey(arg.charAt(1))) {
        arg = "--" + job.shortOptions().get(arg.charAt(1));
      }
      if (!arg.startsWith("--") || arg.length() == 2) {
        throw new UsageException(
            "Unexpected argument '" + arg + "' for job " + job.name() + helpHint(job));
      }
      String name = arg.substring(2);
      String value = null;
      int eq = name.indexOf('=');
      if (eq >= 0) {
        value = name.substring(eq + 1);
        name = name.substring(0, eq);
      }
      OptionSpec spec = find(specs, name);
      if (spec == null) {
        throw new UsageException("Unknown option --" + name + " for job " + job.name()
            + Suggest.hint(name, specs.stream().map(OptionSpec::name).toList(), "--") + helpHint(job));
      }
      if (spec.isFlag()) {
        if (value != null) {
          throw new UsageException("Option --" + name + " takes no value, found '" + value + "'");
        }
        flags.add(name);
        continue;
      }
      if (value == null) {
        if (i + 1 >= args.length) {
          throw new UsageException("Option --" + name + " needs a value: " + spec.valueName());
        }
        value = args[++i];
      }
      switch (name) {
        case "date" -> {
          date = parseDate(value);
          dateGiven = true;
        }
        case "conf-file" -> confFile = new File(value);
        case "set" -> {
          int e = value.indexOf('=');
          if (e <= 0) {
            throw new UsageException("Option --set needs KEY=VALUE, found '" + value + "'");
          }
          overrides.put(value.substring(0, e).trim(), value.substring(e + 1));
        }
        default -> {
          if (spec.configKey() != null) {
            overrides.put(spec.configKey(), value);
          } else {
            options.put(name, value);
          }
        }
      }
    }
    return new CommandLine(date, dateGiven, confFile, overrides, options, flags);
  }

  public static LocalDate parseDate(String value) {
    try {
      return LocalDate.parse(value);
    } catch (DateTimeParseException e) {
      throw new UsageException("Cannot set --date to " + value + ": expected YYYY-MM-DD");
    }
  }

  private static OptionSpec find(List<OptionSpec> specs, String name) {
    for (OptionSpec s : specs) {
      if (s.name().equals(name)) {
        return s;
      }
    }
    return null;
  }

  private static String helpHint(Job job) {
    return " (see: jobs/run " + job.name() + " --help)";
  }

  public LocalDate date() {
    return date;
  }

  /** Whether {@code --date} was given (some jobs, like export, then filter by it). */
  public boolean dateGiven() {
    return dateGiven;
  }

  public File confFile() {
    return confFile;
  }

  public Map<String, String> overrides() {
    return overrides;
  }

  public Map<String, String> options() {
    return options;
  }

  public Set<String> flags() {
    return flags;
  }
}
