package dev.nightjar.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class ParallelTest {
  @Test
  void resultsComeInTheTasksOrderWhicheverFinishedFirst() {
    CountDownLatch secondDone = new CountDownLatch(1);
    List<Callable<String>> tasks = List.of(
        () -> {
          // The first task ends only after the second has: both run at once, on their own threads.
          assertTrue(secondDone.await(10, TimeUnit.SECONDS));
          return "first on " + Thread.currentThread().getName();
        },
        () -> {
          secondDone.countDown();
          return "second on " + Thread.currentThread().getName();
        });
    assertEquals(List.of("first on t0", "second on t1"), Parallel.all("test", i -> "t" + i, tasks));
  }

  @Test
  void oneTaskRunsOnTheCallingThread() {
    Callable<String> task = () -> Thread.currentThread().getName();
    assertEquals(List.of(Thread.currentThread().getName()), Parallel.all("test", i -> "t" + i, List.of(task)));
  }

  @Test
  void theFirstFailureInListOrderIsRethrownAfterAllEnded() {
    CountDownLatch laterFailed = new CountDownLatch(1);
    AtomicBoolean lastRan = new AtomicBoolean();
    IllegalArgumentException first = new IllegalArgumentException("first");
    List<Callable<String>> tasks = List.of(
        () -> {
          // Fails after the later task has failed: the order of the list decides, not the clock.
          assertTrue(laterFailed.await(10, TimeUnit.SECONDS));
          throw first;
        },
        () -> {
          laterFailed.countDown();
          throw new UnsupportedOperationException("second");
        },
        () -> {
          Thread.sleep(200);
          lastRan.set(true);
          return "third";
        });
    assertSame(first, assertThrows(IllegalArgumentException.class, () -> Parallel.all("test", i -> "t" + i, tasks)));
    assertTrue(lastRan.get(), "the failure was thrown before every task ended");
  }

  @Test
  void aCheckedExceptionIsWrapped() {
    Callable<String> ok = () -> "ok";
    Callable<String> bad = () -> {
      throw new IOException("disk full");
    };
    for (List<Callable<String>> tasks : List.of(List.of(bad), List.of(ok, bad))) {
      IllegalStateException e =
          assertThrows(IllegalStateException.class, () -> Parallel.all("test", i -> "t" + i, tasks));
      assertEquals("disk full", e.getMessage());
      assertTrue(e.getCause() instanceof IOException, String.valueOf(e.getCause()));
    }
  }
}
