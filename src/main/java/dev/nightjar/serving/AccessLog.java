package dev.nightjar.serving;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One line per answered request: {@code time method path status ms}, e.g. {@code
 * 2026-12-01T10:00:00.123Z POST /v1/categorize 200 1.234}. The path is the raw (still
 * percent-encoded) one, without the query string, cut to {@value #MAX_PATH} characters, so a line
 * is one line whatever a client sends. Written to the logger {@code dev.nightjar.serving.access}
 * ({@code serving.access-log = "log"}), a file (appended), or nowhere ({@code "none"}).
 */
final class AccessLog implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger("dev.nightjar.serving.access");
  static final int MAX_PATH = 200;

  private final BufferedWriter file;
  private final boolean toLog;

  private AccessLog(BufferedWriter file, boolean toLog) {
    this.file = file;
    this.toLog = toLog;
  }

  static AccessLog open(String where) throws IOException {
    if (where.equals("none")) {
      return new AccessLog(null, false);
    }
    if (where.equals("log")) {
      return new AccessLog(null, true);
    }
    Path p = Path.of(where);
    if (p.getParent() != null) {
      Files.createDirectories(p.getParent());
    }
    return new AccessLog(Files.newBufferedWriter(p, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
        StandardOpenOption.APPEND, StandardOpenOption.WRITE), false);
  }

  static String line(String method, String rawPath, int status, long nanos) {
    String path = rawPath == null ? "-" : rawPath.length() > MAX_PATH ? rawPath.substring(0, MAX_PATH) + "..." : rawPath;
    return String.format(Locale.ROOT, "%s %s %s %d %.3f", Instant.now(), printable(method), printable(path), status, nanos / 1e6);
  }

  /** Characters outside printable ASCII (and spaces) as '?', so a field cannot break the line. */
  private static String printable(String s) {
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      b.append(c > ' ' && c < 0x7f ? c : '?');
    }
    return b.toString();
  }

  void log(String method, String rawPath, int status, long nanos) {
    if (file == null && !toLog) {
      return;
    }
    String l = line(method, rawPath, status, nanos);
    if (toLog) {
      LOG.info(l);
      return;
    }
    synchronized (this) {
      try {
        file.write(l);
        file.write('\n');
        file.flush();
      } catch (IOException e) {
        LOG.warn("Cannot write the access log: {}", e.toString());
      }
    }
  }

  @Override
  public synchronized void close() {
    if (file != null) {
      try {
        file.close();
      } catch (IOException e) {
        LOG.warn("Cannot close the access log: {}", e.toString());
      }
    }
  }
}
