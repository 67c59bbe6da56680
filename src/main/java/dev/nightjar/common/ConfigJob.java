package dev.nightjar.common;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code jobs/run config [PREFIX]}: every configuration key (under PREFIX) with its type, its
 * default, its value after the site file, {@code --conf-file} and {@code --set}, and the comment
 * it has in its {@code .conf} file. Needs no Spark.
 */
public final class ConfigJob implements Job {
  @Override
  public String name() {
    return "config";
  }

  @Override
  public String description() {
    return "list the configuration keys (under a prefix) with type, default, current value and documentation";
  }

  @Override
  public String positional() {
    return "prefix";
  }

  @Override
  public boolean printsResult() {
    return true;
  }

  @Override
  public List<OptionSpec> options() {
    return List.of(OptionSpec.value("prefix", "PREFIX", "only keys starting with it (or give it as the first argument)",
        "every key"));
  }

  /** The rows: key to (type, default, current, comment); secret-looking values masked. */
  static List<Map<String, Object>> entries(Config current, String prefix) {
    Config reference = Settings.referenceWithComments();
    Config resolved = reference.resolve();
    Map<String, ConfigValue> sorted = new TreeMap<>();
    for (Map.Entry<String, ConfigValue> e : resolved.entrySet()) {
      sorted.put(e.getKey(), e.getValue());
    }
    List<Map<String, Object>> rows = new ArrayList<>();
    for (Map.Entry<String, ConfigValue> e : sorted.entrySet()) {
      String key = e.getKey();
      if (!key.startsWith(prefix)) {
        continue;
      }
      ConfigValue dflt = e.getValue();
      ConfigValue cur = current.hasPathOrNull(key) && current.hasPath(key) ? current.getValue(key) : null;
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("key", key);
      r.put("type", type(dflt));
      r.put("default", shown(key, dflt));
      r.put("current", cur == null ? null : shown(key, cur));
      // The comment lives on the unresolved value's origin (the line above it in its .conf file).
      List<String> comments = comments(reference.root(), key, dflt);
      r.put("comment", String.join(" ", comments.stream().map(String::strip).toList()).strip());
      r.put("file", dflt.origin().resource());
      rows.add(r);
    }
    return rows;
  }

  /** The comment of a key, read from the unresolved tree (a resolved substitution loses it). */
  private static List<String> comments(com.typesafe.config.ConfigObject root, String key, ConfigValue resolved) {
    ConfigValue v = root;
    for (String segment : com.typesafe.config.ConfigUtil.splitPath(key)) {
      if (!(v instanceof com.typesafe.config.ConfigObject o) || o.get(segment) == null) {
        return resolved.origin().comments();
      }
      v = o.get(segment);
    }
    return v.origin().comments();
  }

  private static String type(ConfigValue v) {
    return switch (v.valueType()) {
      case NUMBER -> v.unwrapped() instanceof Integer || v.unwrapped() instanceof Long ? "int" : "number";
      case STRING -> "string";
      case BOOLEAN -> "boolean";
      case LIST -> "list";
      case OBJECT -> "object";
      case NULL -> "null";
    };
  }

  private static Object shown(String key, ConfigValue v) {
    if (Settings.isSecret(key)) {
      return "****";
    }
    return switch (v.valueType()) {
      case NUMBER, BOOLEAN, STRING -> v.unwrapped();
      default -> v.render(ConfigRenderOptions.concise());
    };
  }

  @Override
  public void validate(JobContext context) {
    String prefix = context.option("prefix").orElse("");
    if (!prefix.isEmpty() && entries(context.config(), prefix).isEmpty()) {
      List<String> keys = Settings.keys(Settings.reference());
      List<String> names = new ArrayList<>(keys);
      // Prefixes are names too: "entropy.threshold" for "entropy.treshold".
      for (String k : keys) {
        for (int dot = k.indexOf('.'); dot > 0; dot = k.indexOf('.', dot + 1)) {
          String p = k.substring(0, dot);
          if (!names.contains(p)) {
            names.add(p);
          }
        }
      }
      throw new UsageException("No configuration key starts with '" + prefix + "'" + Suggest.hint(prefix, names, "")
          + " (jobs/run config lists them all)");
    }
  }

  @Override
  public JobResult run(JobContext context) {
    List<Map<String, Object>> rows = entries(context.config(), context.option("prefix").orElse(""));
    if (context.json()) {
      context.out().println(Output.json(rows));
    } else {
      Output.Table t = new Output.Table("key", "type", "default", "current", "comment");
      for (Map<String, Object> r : rows) {
        Object d = r.get("default");
        Object c = r.get("current");
        t.add(r.get("key"), r.get("type"), text(d), java.util.Objects.equals(c, d) ? "=" : text(c), r.get("comment"));
      }
      t.print(context.out());
    }
    return JobResult.builder(name()).metric("keys", rows.size()).build();
  }

  private static String text(Object v) {
    return v == null ? "" : v instanceof String s ? (s.isEmpty() ? "\"\"" : s) : Output.cell(v);
  }
}
