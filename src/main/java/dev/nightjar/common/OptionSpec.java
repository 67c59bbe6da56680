package dev.nightjar.common;

import java.util.Objects;

/**
 * One command-line option of a job. An option bound to a configuration key is only a shorthand:
 * {@code --products 5} is the same as {@code --set sample.products=5}, so its default and its
 * validation live with the configuration. An unbound option is read by the job itself.
 *
 * @param name the option without its dashes, e.g. {@code products}
 * @param configKey the configuration key it sets, or null
 * @param valueName how help shows its value, e.g. {@code N}; null for a flag without a value
 * @param help one line of help
 * @param defaultText the default shown by help when the option is not bound to a key
 */
public record OptionSpec(
    String name, String configKey, String valueName, String help, String defaultText) {

  public OptionSpec {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(help, "help");
  }

  /** An option that sets a configuration key. */
  public static OptionSpec config(String name, String configKey, String valueName, String help) {
    return new OptionSpec(name, configKey, valueName, help, null);
  }

  /** An option with a value that the job reads itself. */
  public static OptionSpec value(String name, String valueName, String help, String defaultText) {
    return new OptionSpec(name, null, valueName, help, defaultText);
  }

  /** An option without a value. */
  public static OptionSpec flag(String name, String help) {
    return new OptionSpec(name, null, null, help, null);
  }

  public boolean isFlag() {
    return valueName == null;
  }
}
