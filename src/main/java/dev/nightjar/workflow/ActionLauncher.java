package dev.nightjar.workflow;

import dev.nightjar.Main;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Runs one workflow action (a {@code dev.nightjar.Main} command line) and reports how it ended. */
public interface ActionLauncher {
  /**
   * How an action ended: its exit status, the {@code RESULT ...} line it printed (or null), and
   * its {@code nightjar: ...} error line (or null).
   */
  record Outcome(int status, String resultLine, String errorLine) {}

  /** Runs Main with args; everything the action prints goes to log. */
  Outcome launch(List<String> args, Path log);

  /** Each action in its own {@code jobs/run} process, exactly as a person would run it. */
  static ActionLauncher subprocess(String launcher) {
    return (args, log) -> {
      List<String> cmd = new ArrayList<>();
      cmd.add(launcher);
      cmd.addAll(args);
      try {
        Files.createDirectories(log.getParent());
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        // Every action runs on the jar this run started with, even if the sources change meanwhile.
        pb.environment().put("NIGHTJAR_SKIP_BUILD", "1");
        Process p = pb.start();
        int status = p.waitFor();
        return outcome(status, Files.readAllLines(log, StandardCharsets.UTF_8));
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot run " + launcher + ": " + e.getMessage(), e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("Interrupted while running " + cmd, e);
      }
    };
  }

  /**
   * Every action inside this JVM through {@link Main#run}, sharing one SparkSession: much faster
   * (no JVM and Spark start per action); used by the tests and {@code jobs/nightly --in-process}.
   */
  static ActionLauncher inProcess() {
    return (args, log) -> {
      ByteArrayOutputStream buf = new ByteArrayOutputStream();
      PrintStream ps = new PrintStream(buf, true, StandardCharsets.UTF_8);
      // The action's log lines go to this JVM's log file, tagged with the action (conf/log4j2.properties).
      org.slf4j.MDC.put("action", args.isEmpty() ? "" : args.get(0));
      Main.Invocation inv;
      try {
        // A person watching the terminal sees each action's progress (stderr) as it happens.
        PrintStream err = dev.nightjar.common.SparkSessions.progress() ? tee(ps, System.err) : ps;
        inv = Main.invoke(args.toArray(String[]::new), ps, err);
      } finally {
        org.slf4j.MDC.remove("action");
      }
      String text = buf.toString(StandardCharsets.UTF_8);
      try {
        Files.createDirectories(log.getParent());
        Files.writeString(log, text);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return new Outcome(inv.status(), inv.result() == null ? null : inv.result().summaryLine(),
          inv.error());
    };
  }

  private static PrintStream tee(PrintStream a, PrintStream b) {
    return new PrintStream(new java.io.OutputStream() {
      @Override
      public void write(int c) {
        a.write(c);
        b.write(c);
      }

      @Override
      public void write(byte[] bytes, int off, int len) {
        a.write(bytes, off, len);
        b.write(bytes, off, len);
      }

      @Override
      public void flush() {
        a.flush();
        b.flush();
      }
    }, true, StandardCharsets.UTF_8);
  }

  private static Outcome outcome(int status, List<String> lines) {
    String result = null;
    String error = null;
    for (String l : lines) {
      if (l.startsWith("RESULT ")) {
        result = l;
      } else if (l.startsWith("nightjar: ")) {
        error = l.substring("nightjar: ".length());
      }
    }
    return new Outcome(status, result, error);
  }
}
