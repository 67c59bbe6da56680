package dev.nightjar.testing;

import dev.nightjar.common.JobContext;
import dev.nightjar.common.UsageException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** Shared bits of the benchmarks: numeric options, a scratch directory, BENCH line formatting. */
public final class BenchSupport {
  private BenchSupport() {}

  public static long longOption(JobContext c, String name, long dflt) {
    String v = c.option(name).orElse(null);
    if (v == null) {
      return dflt;
    }
    try {
      long n = Long.parseLong(v.replace("_", ""));
      if (n <= 0) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw new UsageException("Cannot set --" + name + " to " + v + ": expected a positive integer");
    }
  }

  /** A fresh scratch directory for one benchmark (under target/bench unless --work is given). */
  public static Path workDir(JobContext c, String bench) {
    Path p = Path.of(c.option("work").orElse("target/bench/" + bench));
    try {
      deleteTree(p);
      Files.createDirectories(p);
      return p.toAbsolutePath();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Deletes a directory and what it holds (symbolic links themselves, not their targets), if it exists. */
  public static void deleteTree(Path p) throws IOException {
    if (Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      try (var s = Files.walk(p)) {
        s.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
  }

  /** The size of the files under a directory, in MB. */
  public static double sizeMb(Path dir) {
    try (var s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum() / 1e6;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static String fmt(double v) {
    return String.format(Locale.ROOT, v >= 100 ? "%.0f" : "%.3f", v);
  }

  public static double seconds(long startNanos) {
    return (System.nanoTime() - startNanos) / 1e9;
  }
}
