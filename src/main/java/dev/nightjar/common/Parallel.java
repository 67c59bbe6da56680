package dev.nightjar.common;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.IntFunction;

/**
 * Runs a few long tasks side by side (Spark actions whose driver side is one thread planning and
 * committing), for callers that need the results in a fixed order whichever finished first.
 */
public final class Parallel {
  private Parallel() {}

  /**
   * Runs each task on a new thread named {@code threadName.apply(i)} (new threads, so each starts
   * from the caller's inheritable state, such as Spark's job properties); one task runs on the
   * calling thread. Returns the results in the tasks' order. When tasks fail, the others still run
   * to their end, then the failure of the first failed task in list order is rethrown: as it was
   * when unchecked, else wrapped in an {@link IllegalStateException}. If the caller is interrupted
   * while waiting, the tasks are interrupted and an {@link IllegalStateException} saying {@code
   * what} was interrupted is thrown.
   */
  public static <T> List<T> all(String what, IntFunction<String> threadName, List<? extends Callable<T>> tasks) {
    if (tasks.size() == 1) {
      return java.util.Collections.singletonList(call(tasks.get(0)));
    }
    Object[] results = new Object[tasks.size()];
    Throwable[] failures = new Throwable[tasks.size()];
    List<Thread> threads = new ArrayList<>(tasks.size());
    for (int i = 0; i < tasks.size(); i++) {
      int k = i;
      Thread t = new Thread(() -> {
        try {
          results[k] = tasks.get(k).call();
        } catch (Throwable e) {
          failures[k] = e;
        }
      }, threadName.apply(i));
      t.setDaemon(true);
      threads.add(t);
    }
    threads.forEach(Thread::start);
    try {
      for (Thread t : threads) {
        t.join();
      }
    } catch (InterruptedException e) {
      threads.forEach(Thread::interrupt);
      Thread.currentThread().interrupt();
      throw new IllegalStateException(what + " was interrupted", e);
    }
    // Thread.join orders the workers' writes before these reads.
    for (Throwable e : failures) {
      if (e != null) {
        throw unchecked(e);
      }
    }
    @SuppressWarnings("unchecked")
    List<T> ordered = (List<T>) Arrays.asList(results);
    return ordered;
  }

  private static <T> T call(Callable<T> task) {
    try {
      return task.call();
    } catch (Exception e) {
      throw unchecked(e);
    }
  }

  private static RuntimeException unchecked(Throwable e) {
    if (e instanceof RuntimeException re) {
      return re;
    }
    if (e instanceof Error err) {
      throw err;
    }
    return new IllegalStateException(e.getMessage(), e);
  }
}
