package dev.nightjar.workflow;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;

/**
 * One date's run of a workflow, kept in {@code WAREHOUSE/_runs/nightly-DATE.json} so that
 * {@code --resume} knows which actions already finished. Written after every action.
 */
final class RunState {
  /** How an action ended. */
  enum Status { OK, NOT_BLESSED, FAILED, SKIPPED }

  /** One action's run: rows per table and metrics as its RESULT line printed them. */
  record ActionRun(String name, Status status, int exit, double seconds, Map<String, Long> rows,
      Map<String, String> metrics) {}

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private RunState() {}

  static Path file(String warehouse, String workflow, String ds) {
    return new Path(new Path(warehouse, "_runs"), workflow + "-" + ds + ".json");
  }

  static void write(Path file, String workflow, String ds, String status, List<ActionRun> runs) {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("workflow", workflow);
    doc.put("ds", ds);
    doc.put("status", status);
    List<Map<String, Object>> actions = new ArrayList<>();
    for (ActionRun r : runs) {
      Map<String, Object> a = new LinkedHashMap<>();
      a.put("name", r.name());
      a.put("status", r.status().name());
      a.put("exit", r.exit());
      a.put("seconds", r.seconds());
      a.put("rows", r.rows());
      a.put("metrics", r.metrics());
      actions.add(a);
    }
    doc.put("actions", actions);
    // Written beside, then renamed over the old one: a run killed while writing it leaves the
    // previous state readable for --resume, never a truncated file.
    Path tmp = new Path(file.getParent(), "." + file.getName() + ".tmp");
    try {
      try (OutputStream out = fs(file).create(tmp, true)) {
        JSON.writeValue(out, doc);
      }
      FileContext.getFileContext(file.toUri(), new Configuration()).rename(tmp, file, Options.Rename.OVERWRITE);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write the run state " + file + ": " + e.getMessage(), e);
    }
  }

  /** The actions that finished (OK or NOT_BLESSED) in the recorded run; empty when none. */
  static Map<String, ActionRun> finished(Path file) {
    Map<String, ActionRun> done = new LinkedHashMap<>();
    try {
      FileSystem fs = fs(file);
      if (!fs.exists(file)) {
        return done;
      }
      Map<String, Object> doc;
      try (InputStream in = fs.open(file)) {
        doc = JSON.readValue(in, new TypeReference<Map<String, Object>>() {});
      }
      @SuppressWarnings("unchecked")
      List<Map<String, Object>> actions = (List<Map<String, Object>>) doc.get("actions");
      for (Map<String, Object> a : actions) {
        Status s = Status.valueOf((String) a.get("status"));
        if (s == Status.OK || s == Status.NOT_BLESSED) {
          Map<String, Long> rows = new LinkedHashMap<>();
          ((Map<?, ?>) a.get("rows")).forEach((k, v) -> rows.put((String) k, ((Number) v).longValue()));
          Map<String, String> metrics = new LinkedHashMap<>();
          ((Map<?, ?>) a.get("metrics")).forEach((k, v) -> metrics.put((String) k, String.valueOf(v)));
          done.put((String) a.get("name"), new ActionRun((String) a.get("name"), s,
              ((Number) a.get("exit")).intValue(), ((Number) a.get("seconds")).doubleValue(), rows, metrics));
        }
      }
      return done;
    } catch (IOException | RuntimeException e) {
      throw new IllegalStateException("Cannot read the run state " + file + " for --resume: " + e.getMessage(), e);
    }
  }

  static boolean exists(String warehouse, String relative) {
    Path p = new Path(warehouse, relative);
    try {
      return fs(p).exists(p);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot look at " + p + ": " + e.getMessage(), e);
    }
  }

  /**
   * Whether {@code relative} holds a saved model ({@code ds=...} directory): a run killed while
   * saving the first one leaves only a temporary directory, and must train again.
   */
  static boolean hasModel(String warehouse, String relative) {
    Path p = new Path(warehouse, relative);
    try {
      FileSystem fs = fs(p);
      return fs.exists(p) && fs.listStatus(p, q -> q.getName().startsWith("ds=")).length > 0;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot look at " + p + ": " + e.getMessage(), e);
    }
  }

  private static FileSystem fs(Path p) throws IOException {
    URI uri = p.toUri();
    return FileSystem.get(uri, new Configuration());
  }
}
