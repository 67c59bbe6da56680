package dev.nightjar.serving;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the registry's aliases ({@code WAREHOUSE/models/NAME/aliases/current} holds a version
 * number, {@code WAREHOUSE/models/NAME/VERSION/} the version) and, polling them, offers each
 * model's current version to its {@link ModelSlot}. A reader only: publishing and moving aliases is
 * {@code dev.nightjar.registry.ModelRegistry}'s job.
 */
public final class RegistryWatcher implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RegistryWatcher.class);
  public static final String CURRENT = "current";

  private final Path modelsRoot;
  private final List<ModelSlot<?>> slots;
  private final ScheduledExecutorService timer;
  private final java.util.Map<String, String> lastProblem = new java.util.concurrent.ConcurrentHashMap<>();

  public RegistryWatcher(Path modelsRoot, List<ModelSlot<?>> slots) {
    this.modelsRoot = modelsRoot;
    this.slots = List.copyOf(slots);
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "registry-watcher");
      t.setDaemon(true);
      return t;
    });
  }

  /** The models root of a warehouse directory. */
  public static Path modelsRoot(Path warehouse) {
    return warehouse.resolve("models");
  }

  /** The version an alias names, or empty when the alias file does not exist. */
  public static OptionalLong alias(Path modelsRoot, String model, String alias) throws IOException {
    Path f = modelsRoot.resolve(model).resolve("aliases").resolve(alias);
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

  /** Reads every alias once and offers the versions (what the timer does every interval). */
  public void pollOnce() {
    for (ModelSlot<?> slot : slots) {
      String problem = null;
      try {
        OptionalLong v = alias(modelsRoot, slot.name(), CURRENT);
        if (v.isEmpty()) {
          problem = "no alias " + modelsRoot.resolve(slot.name()).resolve("aliases").resolve(CURRENT);
        } else {
          Path dir = versionDir(modelsRoot, slot.name(), v.getAsLong());
          if (!Files.isDirectory(dir)) {
            problem = "alias current names version " + v.getAsLong() + " but " + dir + " does not exist";
          } else {
            slot.offer(v.getAsLong(), dir);
          }
        }
      } catch (IOException | RuntimeException e) {
        problem = e.getMessage();
      }
      // Each distinct problem is logged once, not every poll.
      String before = problem == null ? lastProblem.remove(slot.name()) : lastProblem.put(slot.name(), problem);
      if (problem != null && !problem.equals(before)) {
        LOG.warn("{}: {}{}", slot.name(), problem,
            slot.version().isPresent() ? "; still serving version " + slot.version().getAsLong() : "");
      }
    }
  }

  public void start(long intervalMillis) {
    pollOnce();
    timer.scheduleWithFixedDelay(this::pollSafely, intervalMillis, intervalMillis, TimeUnit.MILLISECONDS);
  }

  private void pollSafely() {
    try {
      pollOnce();
    } catch (Throwable t) {
      // A timer task that throws is never run again: keep watching whatever happens.
      LOG.error("Registry poll failed", t);
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
