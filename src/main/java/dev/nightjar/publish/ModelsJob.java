package dev.nightjar.publish;

import dev.nightjar.common.CommandLine;
import dev.nightjar.common.Job;
import dev.nightjar.common.JobContext;
import dev.nightjar.common.JobResult;
import dev.nightjar.common.OptionSpec;
import dev.nightjar.common.Output;
import dev.nightjar.common.Settings;
import dev.nightjar.common.Suggest;
import dev.nightjar.common.UsageException;
import dev.nightjar.registry.ModelRegistry;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.hadoop.conf.Configuration;

/**
 * {@code jobs/run models list|show|promote|rollback|alias|diff}: inspect the registry's versions,
 * move or delete an alias, put {@code current} back to {@code previous}, compare two versions'
 * metrics. Needs no Spark: only the registry files (jobs/run starts it on a plain JVM).
 */
public final class ModelsJob implements Job {
  static final String LIST = "list";
  static final String SHOW = "show";
  static final String PROMOTE = "promote";
  static final String ROLLBACK = "rollback";
  static final String ALIAS = "alias";
  static final String DIFF = "diff";
  /** Characters of the source fingerprint {@code models list} shows: enough to tell versions apart. */
  static final int SHORT_FINGERPRINT = 12;

  private final PrintStream fixedOut;

  public ModelsJob() {
    this(null);
  }

  /** With {@code out} set, results go there instead of the context's stdout (tests). */
  ModelsJob(PrintStream out) {
    this.fixedOut = out;
  }

  @Override
  public String name() {
    return "models";
  }

  @Override
  public String description() {
    return "list, show or diff published model versions; promote, set or delete an alias; roll back current";
  }

  @Override
  public List<String> commands() {
    return List.of(LIST, SHOW, PROMOTE, ROLLBACK, ALIAS, DIFF);
  }

  @Override
  public boolean printsResult() {
    return true;
  }

  @Override
  public List<OptionSpec> options() {
    return List.of(
        OptionSpec.value("model", "NAME", "the model (category, budget, broad_query)", "all models for list"),
        OptionSpec.value("version", "N", "the version to show, promote or point the alias at", "the alias's version for show"),
        OptionSpec.value("alias", "ALIAS", "the alias to show or move", ModelRegistry.CURRENT),
        OptionSpec.flag("delete", "models alias: delete the alias (never current)"),
        OptionSpec.value("from", "N", "models diff: the older version", "previous"),
        OptionSpec.value("to", "N", "models diff: the newer version", "current"));
  }

  @Override
  public void validate(JobContext context) {
    String command = context.option(CommandLine.COMMAND).orElseThrow(() -> new UsageException(
        "models needs a command first: jobs/run models " + String.join("|", commands()) + " [options]"));
    if (!command.equals(LIST)) {
      context.option("model").orElseThrow(() -> new UsageException("models " + command + " needs --model NAME"));
    }
    if (command.equals(PROMOTE)) {
      context.option("version").orElseThrow(() -> new UsageException("models promote needs --version N"));
    }
    if (command.equals(ALIAS)) {
      context.option("alias").orElseThrow(() -> new UsageException("models alias needs --alias NAME"));
      if (context.flag("delete") == context.option("version").isPresent()) {
        throw new UsageException("models alias needs either --version N (set it) or --delete");
      }
    } else if (context.flag("delete")) {
      throw new UsageException("--delete is for models alias, not models " + command);
    }
    context.option("version").ifPresent(ModelsJob::version);
    context.option("from").ifPresent(v -> version("from", v));
    context.option("to").ifPresent(v -> version("to", v));
  }

  @Override
  public JobResult run(JobContext context) {
    PrintStream out = fixedOut != null ? fixedOut : context.out();
    boolean json = context.json();
    String root = Settings.string(context.config(), "warehouse.root");
    dev.nightjar.tables.Warehouse.requireRoot(root, new Configuration());
    ModelRegistry registry = ModelRegistry.open(root, new Configuration());
    String command = context.option(CommandLine.COMMAND).orElseThrow();
    String alias = context.option("alias").orElse(ModelRegistry.CURRENT);
    JobResult.Builder result = JobResult.builder(name()).metric("command", command);
    String m = context.option("model").map(name -> requireModel(registry, name)).orElse(null);
    switch (command) {
      case LIST -> {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (String model : m == null ? registry.models() : List.of(m)) {
          Map<String, Integer> aliases = registry.aliases(model);
          for (int v : registry.versions(model)) {
            rows.add(row(registry, model, v, aliases));
          }
        }
        if (json) {
          out.println(Output.json(rows));
        } else {
          Output.Table t = new Output.Table("model", "version", "aliases", "ds", "published", "fingerprint", "metrics");
          for (Map<String, Object> r : rows) {
            t.add(r.get("model"), r.get("version"), String.join(",", (List<String>) r.get("aliases")), r.get("ds"),
                r.get("published_at"), r.get("fingerprint"), metricsText((Map<?, ?>) r.get("metrics")));
          }
          t.print(out);
        }
        result.metric("versions", rows.size());
      }
      case SHOW -> {
        int v = context.option("version").map(ModelsJob::version).orElseGet(() -> aliasVersion(registry, m, alias));
        // metadata.json is JSON already: the same text with or without --json.
        out.println(Output.json(registry.metadata(m, v)));
        result.metric("model", m).metric("version", v);
      }
      case PROMOTE -> {
        int v = version(context.option("version").orElseThrow());
        int old;
        if (alias.equals(ModelRegistry.CURRENT)) {
          old = registry.promote(m, v);
        } else {
          old = registry.alias(m, alias).orElse(0);
          registry.setAlias(m, alias, v);
        }
        moved(out, json, m, alias, old, v);
        result.metric("model", m).metric("alias", alias).metric("version", v).metric("was", old);
      }
      case ALIAS -> {
        if (context.flag("delete")) {
          int old = registry.deleteAlias(m, alias);
          moved(out, json, m, alias, old, 0);
          result.metric("model", m).metric("alias", alias).metric("was", old);
        } else {
          int v = version(context.option("version").orElseThrow());
          int old = registry.alias(m, alias).orElse(0);
          if (alias.equals(ModelRegistry.CURRENT)) {
            registry.promote(m, v); // keeps previous, as promote does
          } else {
            registry.setAlias(m, alias, v);
          }
          moved(out, json, m, alias, old, v);
          result.metric("model", m).metric("alias", alias).metric("version", v).metric("was", old);
        }
      }
      case ROLLBACK -> {
        int from = registry.alias(m, ModelRegistry.CURRENT).orElse(0);
        int to = registry.rollback(m);
        moved(out, json, m, ModelRegistry.CURRENT, from, to);
        result.metric("model", m).metric("version", to).metric("was", from);
      }
      case DIFF -> {
        int from = context.option("from").map(v -> version("from", v)).orElseGet(() -> aliasVersion(registry, m, ModelRegistry.PREVIOUS));
        int to = context.option("to").map(v -> version("to", v)).orElseGet(() -> aliasVersion(registry, m, ModelRegistry.CURRENT));
        diff(out, json, registry, m, from, to);
        result.metric("model", m).metric("from", from).metric("to", to);
      }
      default -> throw new UsageException("Unknown command " + command);
    }
    return result.build();
  }

  /** The model, when the registry has it; else a usage error listing the ones it has. */
  static String requireModel(ModelRegistry registry, String model) {
    List<String> known = registry.models();
    if (!known.contains(model)) {
      throw new UsageException("Unknown model '" + model + "' in " + registry.root()
          + Suggest.hint(model, known, "") + " (known models: "
          + (known.isEmpty() ? "none published yet" : String.join(", ", known)) + ")");
    }
    return model;
  }

  private static int aliasVersion(ModelRegistry registry, String model, String alias) {
    return registry.alias(model, alias).orElseThrow(() -> new ModelRegistry.RegistryException("Model " + model
        + " has no alias " + alias + " (aliases: " + registry.aliases(model) + ", versions: " + registry.versions(model) + ")"));
  }

  private static void moved(PrintStream out, boolean json, String model, String alias, int from, int to) {
    if (json) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("model", model);
      m.put("alias", alias);
      m.put("from", from == 0 ? null : from);
      m.put("to", to == 0 ? null : to);
      out.println(Output.json(m));
    } else {
      out.printf("%s %s: %s -> %s%n", model, alias, from == 0 ? "none" : Integer.toString(from),
          to == 0 ? "deleted" : Integer.toString(to));
    }
  }

  /** One version for {@code list}: aliases, run date, publish time, short fingerprint, metrics. */
  static Map<String, Object> row(ModelRegistry registry, String model, int version, Map<String, Integer> aliases) {
    Map<String, Object> meta = registry.metadata(model, version);
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("model", model);
    r.put("version", version);
    r.put("aliases", aliases.entrySet().stream().filter(e -> e.getValue() == version).map(Map.Entry::getKey)
        .collect(Collectors.toList()));
    r.put("ds", meta.get("ds"));
    Object published = meta.get("published_at");
    r.put("published_at", published == null ? null : published.toString().replaceFirst("\\.\\d+Z$", "Z"));
    Object fp = meta.get("source_fingerprint");
    String f = fp == null ? "" : fp.toString().replaceFirst("^[a-z0-9-]+:", "");
    r.put("fingerprint", f.length() > SHORT_FINGERPRINT ? f.substring(0, SHORT_FINGERPRINT) : f);
    r.put("source_path", meta.get("source_path"));
    Object metrics = meta.get("metrics");
    r.put("metrics", metrics instanceof Map<?, ?> mm ? mm : Map.of());
    return r;
  }

  private static String metricsText(Map<?, ?> metrics) {
    return metrics.entrySet().stream().map(e -> e.getKey() + "=" + Output.cell(e.getValue()))
        .collect(Collectors.joining(" "));
  }

  /** Two versions' metrics side by side, with the change. */
  private static void diff(PrintStream out, boolean json, ModelRegistry registry, String model, int from, int to) {
    Map<String, Object> a = registry.metadata(model, from);
    Map<String, Object> b = registry.metadata(model, to);
    Map<?, ?> ma = a.get("metrics") instanceof Map<?, ?> x ? x : Map.of();
    Map<?, ?> mb = b.get("metrics") instanceof Map<?, ?> x ? x : Map.of();
    Set<Object> names = new LinkedHashSet<>(ma.keySet());
    names.addAll(mb.keySet());
    List<Map<String, Object>> rows = new ArrayList<>();
    for (String field : List.of("ds", "published_at", "source_fingerprint")) {
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("field", field);
      r.put("from", a.get(field));
      r.put("to", b.get(field));
      rows.add(r);
    }
    List<Map<String, Object>> metrics = new ArrayList<>();
    for (Object n : names) {
      Object va = ma.get(n);
      Object vb = mb.get(n);
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("metric", n.toString());
      r.put("from", va);
      r.put("to", vb);
      r.put("change", va instanceof Number x && vb instanceof Number y ? y.doubleValue() - x.doubleValue() : null);
      metrics.add(r);
    }
    if (json) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("model", model);
      m.put("from", from);
      m.put("to", to);
      m.put("fields", rows);
      m.put("metrics", metrics);
      out.println(Output.json(m));
      return;
    }
    Output.Table t = new Output.Table("", "v" + from, "v" + to, "change");
    for (Map<String, Object> r : rows) {
      t.add(r.get("field"), r.get("from"), r.get("to"), "");
    }
    for (Map<String, Object> r : metrics) {
      t.add(r.get("metric"), r.get("from"), r.get("to"), r.get("change"));
    }
    out.println(model + ": version " + from + " -> " + to);
    t.print(out);
  }

  private static int version(String s) {
    return version("version", s);
  }

  private static int version(String option, String s) {
    try {
      int v = Integer.parseInt(s);
      if (v >= 1) {
        return v;
      }
    } catch (NumberFormatException e) {
      // falls through to the message below
    }
    throw new UsageException("Cannot set --" + option + " to " + s + ": expected a version number >= 1");
  }
}
