package dev.nightjar.serving;

import dev.nightjar.registry.LocalRegistry;
import dev.nightjar.registry.ModelRegistry;
import java.io.IOException;
import java.nio.file.Files;
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

  /** Reads every alias once and offers the versions (what the timer does every interval). */
  public void pollOnce() {
    for (ModelSlot<?> slot : slots) {
      String problem = null;
      try {
        OptionalLong v = LocalRegistry.alias(modelsRoot, slot.name(), ModelRegistry.CURRENT);
        if (v.isEmpty()) {
          problem = "no alias " + LocalRegistry.aliasFile(modelsRoot, slot.name(), ModelRegistry.CURRENT);
        } else {
          Path dir = LocalRegistry.versionDir(modelsRoot, slot.name(), v.getAsLong());
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
