package dev.nightjar.workflow;

import dev.nightjar.common.JobFailedException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Child processes of the cluster benchmark: run with a time limit, wait for a log line, stop with descendants. */
final class Procs {
  private Procs() {}

  /** Runs to completion; past the time limit it is stopped (with its children) and this fails. */
  static int run(ProcessBuilder pb, Duration timeout, String what) {
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot start " + what + ": " + e.getMessage(), e);
    }
    try {
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        stop(p);
        throw new JobFailedException(what + " did not finish within " + timeout.toMinutes() + " minutes; stopped it");
      }
      return p.exitValue();
    } catch (InterruptedException e) {
      stop(p);
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while waiting for " + what, e);
    }
  }

  /** Waits until the process's log has a line matching pattern; fails naming the log when it exits or times out. */
  static Matcher awaitLog(Process p, Path log, Pattern pattern, Duration timeout, String what) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      List<String> lines = lines(log);
      for (String l : lines) {
        Matcher m = pattern.matcher(l);
        if (m.find()) {
          return m;
        }
      }
      String tail = String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
      if (!p.isAlive()) {
        throw new JobFailedException(what + " exited (status " + p.exitValue() + ") before logging /" + pattern
            + "/; " + log + " ends with:\n" + tail);
      }
      if (System.nanoTime() > deadline) {
        throw new JobFailedException(what + " did not log /" + pattern + "/ within " + timeout.toSeconds()
            + "s; " + log + " ends with:\n" + tail);
      }
      try {
        Thread.sleep(250);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("Interrupted while waiting for " + what, e);
      }
    }
  }

  private static List<String> lines(Path log) {
    try {
      return Files.exists(log) ? Files.readAllLines(log, StandardCharsets.ISO_8859_1) : List.of();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** SIGTERM to the process and its descendants (a worker's executors), SIGKILL after 20 s. */
  static void stop(Process p) {
    List<ProcessHandle> tree = new java.util.ArrayList<>(p.descendants().toList());
    tree.add(p.toHandle());
    tree.forEach(ProcessHandle::destroy);
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    for (ProcessHandle h : tree) {
      try {
        h.onExit().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      } catch (Exception e) {
        h.destroyForcibly();
      }
    }
  }
}
