package dev.nightjar.common;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import java.io.File;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Loads a job's configuration in layers, later ones winning: {@code reference.conf} in the jar
 * (every default, documented), the site file {@code conf/application.conf}, {@code --conf-file},
 * then {@code --set key=value} and options bound to keys. Only keys the reference defines are
 * accepted, so a typo fails instead of being ignored.
 *
 * <p>Typed getters ({@link #intIn}, {@link #doubleIn}, ...) fail with a {@link UsageException}
 * naming the key, what was expected and what was found.
 */
public final class Settings {
  /** Environment variable or system property naming the site configuration file. */
  public static final String SITE_CONF_ENV = "NIGHTJAR_SITE_CONF";

  private static final Pattern SECRET_KEY =
      Pattern.compile("(?i).*(password|passwd|secret|token|credential|api[-_.]?key|access[-_.]?key).*");

  private Settings() {}

  /** The defaults of every key, from {@code reference.conf} and the files it includes. */
  public static Config reference() {
    return ConfigFactory.parseResourcesAnySyntax(
            "reference", ConfigParseOptions.defaults().setAllowMissing(false))
        .resolve();
  }

  /**
   * Builds the effective configuration.
   *
   * @param siteFile the site file, or null to look up {@value #SITE_CONF_ENV} (skipped when absent)
   * @param confFile the {@code --conf-file}, or null
   * @param overrides {@code --set} values in order
   */
  public static Config load(File siteFile, File confFile, Map<String, String> overrides) {
    Config reference =
        ConfigFactory.parseResourcesAnySyntax(
            "reference", ConfigParseOptions.defaults().setAllowMissing(false));
    Config merged = reference;
    File site = siteFile != null ? siteFile : defaultSiteFile();
    if (site != null && site.isFile()) {
      merged = parseFile(site).withFallback(merged);
    }
    if (confFile != null) {
      if (!confFile.isFile()) {
        throw new UsageException("Cannot read --conf-file " + confFile + ": no such file");
      }
      merged = parseFile(confFile).withFallback(merged);
    }
    Config sets = ConfigFactory.empty();
    for (Map.Entry<String, String> e : overrides.entrySet()) {
      sets = sets.withValue(e.getKey(), parseValue(e.getKey(), e.getValue()));
    }
    Config resolved;
    try {
      resolved = sets.withFallback(merged).resolve();
    } catch (ConfigException e) {
      throw new UsageException("Invalid configuration: " + e.getMessage(), e);
    }
    Config ref = reference.resolve();
    rejectUnknownKeys(ref, resolved, overrides);
    try {
      resolved.checkValid(ref);
    } catch (ConfigException.ValidationFailed e) {
      throw new UsageException("Invalid configuration: " + e.getMessage(), e);
    }
    return resolved;
  }

  private static File defaultSiteFile() {
    String p = System.getProperty(SITE_CONF_ENV, System.getenv(SITE_CONF_ENV));
    if (p != null && !p.isBlank()) {
      return new File(p);
    }
    File local = new File("conf/application.conf");
    return local.isFile() ? local : null;
  }

  private static Config parseFile(File f) {
    try {
      return ConfigFactory.parseFile(f, ConfigParseOptions.defaults().setAllowMissing(false));
    } catch (ConfigException e) {
      throw new UsageException("Cannot parse configuration file " + f + ": " + e.getMessage(), e);
    }
  }

  /** A {@code --set} value is HOCON when it parses as such ({@code 42}, {@code [a, b]}), else a string. */
  static ConfigValue parseValue(String key, String raw) {
    try {
      Config c = ConfigFactory.parseString("v = " + raw);
      if (c.hasPath("v")) {
        return c.getValue("v");
      }
    } catch (ConfigException ignored) {
      // Not HOCON: take it literally.
    }
    return ConfigValueFactory.fromAnyRef(raw, "--set " + key);
  }

  private static void rejectUnknownKeys(Config reference, Config resolved, Map<String, String> sets) {
    for (Map.Entry<String, String> e : sets.entrySet()) {
      if (!reference.hasPathOrNull(e.getKey())) {
        throw new UsageException(
            "Cannot set " + e.getKey() + " to " + e.getValue() + ": unknown configuration key"
                + Suggest.hint(e.getKey(), keys(reference), "") + " (see: jobs/run config)");
      }
    }
    for (Map.Entry<String, ConfigValue> e : resolved.entrySet()) {
      String key = e.getKey();
      if (isOwnKey(reference, key) && !reference.hasPathOrNull(key)) {
        throw new UsageException(
            "Cannot set "
                + key
                + " to "
                + e.getValue().render(ConfigRenderOptions.concise())
                + " (from "
                + e.getValue().origin().description()
                + "): unknown configuration key"
                + Suggest.hint(key, keys(reference), ""));
      }
    }
  }

  /** Whether a key looks like it holds a secret (its value is masked wherever it is printed). */
  public static boolean isSecret(String key) {
    return SECRET_KEY.matcher(key).matches();
  }

  /** The reference configuration unresolved, with each value's comment in its origin. */
  public static Config referenceWithComments() {
    return ConfigFactory.parseResourcesAnySyntax(
        "reference", ConfigParseOptions.defaults().setAllowMissing(false));
  }

  /** Every key of a configuration (the leaves), sorted. */
  public static java.util.List<String> keys(Config config) {
    return config.entrySet().stream().map(Map.Entry::getKey).sorted().toList();
  }

  /** Keys whose first segment is one of ours; other roots (e.g. spark settings) are left alone. */
  private static boolean isOwnKey(Config reference, String key) {
    int dot = key.indexOf('.');
    String root = dot < 0 ? key : key.substring(0, dot);
    return reference.hasPath(root);
  }

  /** The configuration as sorted {@code key = value} lines, with secret-looking values masked. */
  public static String describe(Config config, Config reference) {
    Map<String, String> lines = new TreeMap<>();
    for (Map.Entry<String, ConfigValue> e : config.entrySet()) {
      if (!isOwnKey(reference, e.getKey())) {
        continue;
      }
      String v = e.getValue().render(ConfigRenderOptions.concise());
      lines.put(e.getKey(), SECRET_KEY.matcher(e.getKey()).matches() ? "\"****\"" : v);
    }
    StringBuilder sb = new StringBuilder();
    lines.forEach((k, v) -> sb.append("  ").append(k).append(" = ").append(v).append('\n'));
    return sb.toString();
  }

  // ---- typed getters that name the key on failure ----

  public static int intIn(Config c, String key, long min, long max) {
    long v = number(c, key, "an integer").longValue();
    if (v < min || v > max || v != c.getNumber(key).doubleValue()) {
      throw bad(key, c.getValue(key).unwrapped(), "an integer in [" + min + ", " + max + "]");
    }
    return (int) v;
  }

  public static long longIn(Config c, String key, long min, long max) {
    Number n = number(c, key, "an integer");
    long v = n.longValue();
    if (v < min || v > max || v != n.doubleValue()) {
      throw bad(key, c.getValue(key).unwrapped(), "an integer in [" + min + ", " + max + "]");
    }
    return v;
  }

  public static double doubleIn(Config c, String key, double min, double max) {
    double v = number(c, key, "a number").doubleValue();
    if (!(v >= min && v <= max)) {
      throw bad(key, c.getValue(key).unwrapped(), "a number in [" + min + ", " + max + "]");
    }
    return v;
  }

  public static boolean bool(Config c, String key) {
    try {
      return c.getBoolean(key);
    } catch (ConfigException.WrongType e) {
      throw bad(key, c.getValue(key).unwrapped(), "true or false");
    }
  }

  public static String string(Config c, String key) {
    try {
      return c.getString(key);
    } catch (ConfigException.WrongType e) {
      throw bad(key, c.getValue(key).unwrapped(), "a string");
    }
  }

  /** A list of strings ({@code --set key=[a,b]}). */
  public static java.util.List<String> stringList(Config c, String key) {
    try {
      return c.getStringList(key);
    } catch (ConfigException.WrongType e) {
      throw bad(key, c.getValue(key).unwrapped(), "a list of strings, e.g. [a, b]");
    }
  }

  /** A string that must be one of {@code allowed}. */
  public static String oneOf(Config c, String key, String... allowed) {
    String v = string(c, key);
    for (String a : allowed) {
      if (a.equals(v)) {
        return v;
      }
    }
    throw bad(key, v, "one of " + String.join(", ", allowed));
  }

  private static Number number(Config c, String key, String expected) {
    if (!c.hasPath(key)) {
      throw new UsageException("Missing configuration key " + key + ": expected " + expected);
    }
    try {
      return c.getNumber(key);
    } catch (ConfigException.WrongType e) {
      throw bad(key, c.getValue(key).unwrapped(), expected);
    }
  }

  public static UsageException bad(String key, Object value, String expected) {
    return new UsageException("Cannot set " + key + " to " + value + ": expected " + expected);
  }
}
