package dev.nightjar.publish;

import dev.nightjar.common.CommandLine;
import dev.nightjar.common.Job;
import dev.nightjar.common.JobContext;
import dev.nightjar.common.JobResult;
import dev.nightjar.common.OptionSpec;
import dev.nightjar.common.Settings;
import dev.nightjar.common.UsageException;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.hadoop.conf.Configuration;

/**
 * {@code jobs/run models list|show|promote|rollback}: inspect the registry's versions, move an
 * alias, or put {@code current} back to {@code previous}. Needs no Spark: only the registry files.
 */
public final class ModelsJob implements Job {
  static final String LIST = "list";
  static final String SHOW = "show";
  static final String PROMOTE = "promote";
  static final String ROLLBACK = "rollback";

  private final PrintStream out;

  public ModelsJob() {
    this(System.out);
  }

  ModelsJob(PrintStream out) {
    this.out = out;
  }

  @Override
  public String name() {
    return "models";
  }

  @Override
  public String description() {
    return "list or show published model versions, promote a version to an alias, roll back current";
  }

  @Override
  public List<String> commands() {
    return List.of(LIST, SHOW, PROMOTE, ROLLBACK);
  }

  @Override
  public List<OptionSpec> options() {
    return List.of(
        OptionSpec.value("model", "NAME", "the model (category, budget, broad_query)", "all models for list"),
        OptionSpec.value("version", "N", "the version to show or promote", "the alias's version for show"),
        OptionSpec.value("alias", "ALIAS", "the alias to show or move", ModelRegistry.CURRENT));
  }

  @Override
  public void validate(JobContext context) {
    String command = context.option(CommandLine.COMMAND).orElseThrow(() -> new UsageException(
        "models needs a command first: jobs/run models list|show|promote|rollback [options]"));
    if (!command.equals(LIST)) {
      context.option("model").orElseThrow(() -> new UsageException("models " + command + " needs --model NAME"));
    }
    if (command.equals(PROMOTE)) {
      context.option("version").orElseThrow(() -> new UsageException("models promote needs --version N"));
    }
    context.option("version").ifPresent(ModelsJob::version);
  }

  @Override
  public JobResult run(JobContext context) {
    ModelRegistry registry = ModelRegistry.open(Settings.string(context.config(), "warehouse.root"), new Configuration());
    String command = context.option(CommandLine.COMMAND).orElseThrow();
    String alias = context.option("alias").orElse(ModelRegistry.CURRENT);
    JobResult.Builder result = JobResult.builder(name()).metric("command", command);
    switch (command) {
      case LIST -> {
        List<String> models = context.option("model").map(List::of).orElse(registry.models());
        int n = 0;
        for (String m : models) {
          Map<String, Integer> aliases = registry.aliases(m);
          for (int v : registry.versions(m)) {
            out.println(describe(registry, m, v, aliases));
            n++;
          }
        }
        result.metric("versions", n);
      }
      case SHOW -> {
        String m = context.option("model").orElseThrow();
        int v = context.option("version").map(ModelsJob::version).orElseGet(() -> registry.alias(m, alias)
            .orElseThrow(() -> new ModelRegistry.RegistryException("Model " + m + " has no alias " + alias
                + " (aliases: " + registry.aliases(m) + ", versions: " + registry.versions(m) + ")")));
        try {
          out.println(ModelRegistry.JSON.writeValueAsString(registry.metadata(m, v)));
        } catch (java.io.IOException e) {
          throw new ModelRegistry.RegistryException("Cannot print metadata: " + e.getMessage(), e);
        }
        result.metric("model", m).metric("version", v);
      }
      case PROMOTE -> {
        String m = context.option("model").orElseThrow();
        int v = version(context.option("version").orElseThrow());
        int old;
        if (alias.equals(ModelRegistry.CURRENT)) {
          old = registry.promote(m, v);
        } else {
          old = registry.alias(m, alias).orElse(0);
          registry.setAlias(m, alias, v);
        }
        out.printf("%s %s: %s -> %d%n", m, alias, old == 0 ? "none" : Integer.toString(old), v);
        result.metric("model", m).metric("alias", alias).metric("version", v).metric("was", old);
      }
      case ROLLBACK -> {
        String m = context.option("model").orElseThrow();
        int from = registry.alias(m, ModelRegistry.CURRENT).orElse(0);
        int to = registry.rollback(m);
        out.printf("%s current: %d -> %d%n", m, from, to);
        result.metric("model", m).metric("version", to).metric("was", from);
      }
      default -> throw new UsageException("Unknown command " + command);
    }
    return result.build();
  }

  /** One line per version: model, version, aliases, run date, verdict and the headline metrics. */
  static String describe(ModelRegistry registry, String model, int version, Map<String, Integer> aliases) {
    Map<String, Object> meta = registry.metadata(model, version);
    String names = aliases.entrySet().stream().filter(e -> e.getValue() == version).map(Map.Entry::getKey)
        .collect(Collectors.joining(","));
    Object metrics = meta.getOrDefault("metrics", Map.of());
    return String.format("%-12s v%-4d %-18s ds=%s source=%s metrics=%s", model, version,
        names.isEmpty() ? "-" : "[" + names + "]", meta.get("ds"), meta.get("source_path"), metrics);
  }

  private static int version(String s) {
    try {
      int v = Integer.parseInt(s);
      if (v >= 1) {
        return v;
      }
    } catch (NumberFormatException e) {
      // falls through to the message below
    }
    throw new UsageException("Cannot set --version to " + s + ": expected a version number >= 1");
  }
}
