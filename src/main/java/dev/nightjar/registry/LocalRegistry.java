package dev.nightjar.registry;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * The registry's layout read from a local directory with java.nio (the serving side, which has no
 * Hadoop file system): the same names {@link ModelRegistry} writes.
 */
public final class LocalRegistry {
  private LocalRegistry() {}

  /** The models root of a warehouse directory. */
  public static Path modelsRoot(Path warehouse) {
    return warehouse.resolve(ModelRegistry.DIR);
  }

  public static Path aliasFile(Path modelsRoot, String model, String alias) {
    return modelsRoot.resolve(model).resolve(ModelRegistry.ALIASES).resolve(alias);
  }

  /** The version an alias names, or empty when the alias file does not exist. */
  public static OptionalLong alias(Path modelsRoot, String model, String alias) throws IOException {
    Path f = aliasFile(modelsRoot, model, alias);
    String text;
    try {
      text = Files.readString(f, StandardCharsets.UTF_8).trim();
    } catch (NoSuchFileException e) {
      return OptionalLong.empty();
    }
    try {
      long v = Long.parseLong(text);
      if (v < 1) {
        throw new NumberFormatException();
      }
      return OptionalLong.of(v);
    } catch (NumberFormatException e) {
      throw new IOException("Alias " + f + " should hold a version number (1, 2, ...), found '" + text + "'");
    }
  }

  public static Path versionDir(Path modelsRoot, String model, long version) {
    return modelsRoot.resolve(model).resolve(Long.toString(version));
  }
}
