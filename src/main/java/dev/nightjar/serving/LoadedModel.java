package dev.nightjar.serving;

import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One loaded version of a model, immutable once built, reference counted: the slot that serves it
 * holds one reference and every in-flight request one more, so the native resources (a
 * TensorFlow session) are closed only after the version is retired AND its last request is done.
 *
 * @param <T> what the version is used as (a SavedModel, a scorer, a lookup table...)
 */
public final class LoadedModel<T> {
  private static final Logger LOG = LoggerFactory.getLogger(LoadedModel.class);

  private final String name;
  private final long version;
  private final T model;
  private final AutoCloseable closer;
  private final Instant loadedAt = Instant.now();
  /** 1 for the slot, +1 per request; 0 = closed (no new acquire can succeed). */
  private final AtomicInteger refs = new AtomicInteger(1);

  public LoadedModel(String name, long version, T model, AutoCloseable closer) {
    this.name = name;
    this.version = version;
    this.model = model;
    this.closer = closer;
  }

  public String name() {
    return name;
  }

  public long version() {
    return version;
  }

  public T model() {
    return model;
  }

  public Instant loadedAt() {
    return loadedAt;
  }

  /** Takes a reference for one request; false when the version was already closed. */
  boolean tryAcquire() {
    while (true) {
      int r = refs.get();
      if (r <= 0) {
        return false;
      }
      if (refs.compareAndSet(r, r + 1)) {
        return true;
      }
    }
  }

  /** Drops one reference; the last one closes the model. */
  void release() {
    int r = refs.decrementAndGet();
    if (r == 0) {
      try {
        closer.close();
        LOG.info("Closed {} version {}", name, version);
      } catch (Exception e) {
        LOG.warn("Closing {} version {} failed: {}", name, version, e.toString());
      }
    } else if (r < 0) {
      throw new IllegalStateException(name + " version " + version + " released more often than acquired");
    }
  }

  /** References held now (the slot's plus in-flight requests'); 0 once closed. */
  int references() {
    return refs.get();
  }
}
