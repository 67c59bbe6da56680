package dev.nightjar.serving;

import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The version of one registry model being served, swapped atomically: a request {@link #acquire
 * leases} whatever version is current when it starts and keeps it to the end, a new version is
 * loaded completely before it is swapped in, and the old one is closed when its last lease ends.
 * A version that fails to load is skipped (logged once) and the old one keeps serving.
 */
public final class ModelSlot<T> {
  private static final Logger LOG = LoggerFactory.getLogger(ModelSlot.class);

  /** Loads one version directory; throws when the version is unusable. */
  @FunctionalInterface
  public interface Loader<T> {
    LoadedModel<T> load(String name, long version, Path versionDir) throws Exception;
  }

  /** A request's hold on one version; closing it releases the version. */
  public static final class Lease<T> implements AutoCloseable {
    private final LoadedModel<T> loaded;
    private boolean closed;

    private Lease(LoadedModel<T> loaded) {
      this.loaded = loaded;
    }

    public T model() {
      return loaded.model();
    }

    public long version() {
      return loaded.version();
    }

    @Override
    public void close() {
      if (!closed) {
        closed = true;
        loaded.release();
      }
    }
  }

  private final String name;
  private final Loader<T> loader;
  private final AtomicReference<LoadedModel<T>> current = new AtomicReference<>();
  private volatile long failedVersion = -1;
  private volatile String failure;
  private final java.util.concurrent.atomic.AtomicLong swaps = new java.util.concurrent.atomic.AtomicLong();
  private final java.util.concurrent.atomic.AtomicLong loadFailures = new java.util.concurrent.atomic.AtomicLong();

  public ModelSlot(String name, Loader<T> loader) {
    this.name = name;
    this.loader = loader;
  }

  public String name() {
    return name;
  }

  /** The current version for one request, or empty when none is loaded. Close the lease after use. */
  public Optional<Lease<T>> acquire() {
    while (true) {
      LoadedModel<T> m = current.get();
      if (m == null) {
        return Optional.empty();
      }
      if (m.tryAcquire()) {
        return Optional.of(new Lease<>(m));
      }
      // Retired and closed between the read and the acquire: the slot already holds a newer one.
    }
  }

  public OptionalLong version() {
    LoadedModel<T> m = current.get();
    return m == null ? OptionalLong.empty() : OptionalLong.of(m.version());
  }

  /** Why the last version that failed to load was skipped, or null. */
  public String lastFailure() {
    return failure;
  }

  public long lastFailedVersion() {
    return failedVersion;
  }

  /** Versions loaded and swapped in so far (the first load counts). */
  public long swaps() {
    return swaps.get();
  }

  /** Versions that failed to load and were skipped so far. */
  public long loadFailures() {
    return loadFailures.get();
  }

  /**
   * Serves {@code version} from {@code dir} unless it is already served or already failed: loads
   * it fully, then swaps it in and retires the old one. Returns true when it swapped.
   */
  public synchronized boolean offer(long version, Path dir) {
    LoadedModel<T> old = current.get();
    if ((old != null && old.version() == version) || version == failedVersion) {
      return false;
    }
    LoadedModel<T> loaded;
    try {
      loaded = loader.load(name, version, dir);
    } catch (Exception | LinkageError e) {
      failedVersion = version;
      loadFailures.incrementAndGet();
      failure = "version " + version + " (" + dir + "): " + e;
      LOG.error("Cannot load {} version {} from {}; {}: {}", name, version, dir,
          old == null ? "nothing is served" : "still serving version " + old.version(), e.toString(), e);
      return false;
    }
    current.set(loaded);
    swaps.incrementAndGet();
    LOG.info("Serving {} version {}{}", name, version, old == null ? "" : " (was " + old.version() + ")");
    if (old != null) {
      old.release();
    }
    return true;
  }

  /** Stops serving; the loaded version closes when its last request ends. */
  public synchronized void close() {
    LoadedModel<T> old = current.getAndSet(null);
    if (old != null) {
      old.release();
    }
  }
}
