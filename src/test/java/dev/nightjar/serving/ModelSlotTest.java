package dev.nightjar.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nightjar.registry.LocalRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reference counting and atomic swaps, with a fake model that records when it is closed. */
class ModelSlotTest {
  static final class Fake implements AutoCloseable {
    final long version;
    volatile boolean closed;

    Fake(long version) {
      this.version = version;
    }

    @Override
    public void close() {
      closed = true;
    }
  }

  private final List<Fake> made = new ArrayList<>();

  private ModelSlot<Fake> slot() {
    return new ModelSlot<>("m", (name, version, dir) -> {
      if (Files.exists(dir.resolve("broken"))) {
        throw new IOException("broken on purpose");
      }
      Fake f = new Fake(version);
      made.add(f);
      return new LoadedModel<>(name, version, f, f);
    });
  }

  @Test
  void anInFlightRequestKeepsTheOldVersionOpenUntilItEnds(@TempDir Path dir) throws Exception {
    ModelSlot<Fake> s = slot();
    assertTrue(s.acquire().isEmpty());
    assertTrue(s.offer(1, dir));
    ModelSlot.Lease<Fake> inFlight = s.acquire().orElseThrow();
    assertTrue(s.offer(2, dir));
    assertFalse(s.offer(2, dir), "the served version is not loaded again");
    try (ModelSlot.Lease<Fake> l = s.acquire().orElseThrow()) {
      assertEquals(2, l.version());
    }
    assertFalse(made.get(0).closed, "version 1 is still in use");
    assertEquals(1, inFlight.model().version);
    inFlight.close();
    inFlight.close(); // idempotent
    assertTrue(made.get(0).closed);
    assertFalse(made.get(1).closed);
    s.close();
    assertTrue(made.get(1).closed);
    assertTrue(s.acquire().isEmpty());
  }

  @Test
  void aVersionThatFailsIsSkippedOnceAndTheOldOneServes(@TempDir Path dir) throws Exception {
    ModelSlot<Fake> s = slot();
    s.offer(1, dir);
    Path bad = Files.createDirectories(dir.resolve("bad"));
    Files.writeString(bad.resolve("broken"), "");
    assertFalse(s.offer(2, bad));
    assertEquals(2, s.lastFailedVersion());
    assertTrue(s.lastFailure().startsWith("version 2 (" + bad + "): java.io.IOException: broken on purpose"), s.lastFailure());
    assertFalse(s.offer(2, bad), "not retried every poll");
    assertEquals(1, made.size());
    assertEquals(1, s.version().getAsLong());
    assertFalse(made.get(0).closed);
  }

  @Test
  void concurrentLeasesNeverSeeAClosedModel(@TempDir Path dir) throws Exception {
    ModelSlot<Fake> s = slot();
    s.offer(1, dir);
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong leases = new AtomicLong();
    List<String> errors = java.util.Collections.synchronizedList(new ArrayList<>());
    List<Thread> ts = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      Thread t = new Thread(() -> {
        while (!stop.get()) {
          try (ModelSlot.Lease<Fake> l = s.acquire().orElseThrow()) {
            if (l.model().closed) {
              errors.add("version " + l.version() + " was closed while leased");
            }
            leases.incrementAndGet();
          }
        }
      });
      t.start();
      ts.add(t);
    }
    for (long v = 2; v <= 200; v++) {
      s.offer(v, dir);
    }
    stop.set(true);
    for (Thread t : ts) {
      t.join();
    }
    assertTrue(errors.isEmpty(), errors.toString());
    assertTrue(leases.get() > 0);
    // Every retired version was closed once its leases ended; the current one is open.
    for (Fake f : made) {
      assertEquals(f.version != 200, f.closed, "version " + f.version);
    }
  }

  @Test
  void registryAliasesAreRead(@TempDir Path wh) throws Exception {
    Path models = LocalRegistry.modelsRoot(wh);
    assertTrue(LocalRegistry.alias(models, "category", "current").isEmpty());
    ServingFixtures.setAlias(wh, "category", "current", 12);
    assertEquals(12, LocalRegistry.alias(models, "category", "current").getAsLong());
    Files.writeString(models.resolve("category/aliases/current"), "twelve\n");
    IOException e = org.junit.jupiter.api.Assertions.assertThrows(IOException.class,
        () -> LocalRegistry.alias(models, "category", "current"));
    assertEquals("Alias " + models.resolve("category/aliases/current")
        + " should hold a version number (1, 2, ...), found 'twelve'", e.getMessage());

    // An alias naming a version that does not exist: nothing loads, nothing breaks.
    ModelSlot<Fake> s = slot();
    RegistryWatcher w = new RegistryWatcher(models, List.of(s));
    ServingFixtures.setAlias(wh, "m", "current", 3);
    w.pollOnce();
    assertTrue(s.version().isEmpty());
    Files.createDirectories(models.resolve("m/3"));
    w.pollOnce();
    assertEquals(3, s.version().getAsLong());
    w.close();
  }
}
