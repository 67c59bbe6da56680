package dev.nightjar.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The bad-input corpus under {@code src/test/resources/bad-inputs/}: one directory per case with
 * its input files and a {@code case.properties}:
 *
 * <ul>
 *   <li>{@code job}, {@code args}: the command line, {@code {dir}} standing for the case's files;
 *       {@code before}: a command run first (e.g. training the model a prediction needs);
 *   <li>either {@code error}: the run must fail with a {@code nightjar: } message containing every
 *       {@code |}-separated part (the file and line for a taxonomy), no stack trace;
 *   <li>or {@code output} (a table) / {@code result} (RESULT metrics): the run succeeds, quarantines
 *       exactly the rows marked {@code "expect":"REASON"} with that reason, and writes exactly what
 *       a run on the same input without the marked rows writes: no good row lost or changed.
 *       {@code absent-tokens}: words the featurized tokens must not contain (script injection).
 * </ul>
 *
 * The text {@code @@1MB@@} in an input file becomes a 1 MB field when the case runs.
 */
public final class BadInputCorpus {
  public static final String DATE = "2026-11-20";
  private static final Pattern EXPECT = Pattern.compile("\"expect\"\\s*:\\s*\"([^\"]+)\"");
  private static final byte[] MB_MARK = "@@1MB@@".getBytes(StandardCharsets.US_ASCII);

  private BadInputCorpus() {}

  /** One case's outcome: {@code failures} empty when handled; good rows the job dropped or changed. */
  public record Result(String name, String description, List<String> failures, long goodRows, long rowsLost) {
    public boolean handled() {
      return failures.isEmpty();
    }
  }

  public record Summary(int cases, int handled, long rowsLost, List<String> failures) {}

  public static Path corpusDir() {
    return Path.of("src/test/resources/bad-inputs").toAbsolutePath();
  }

  public static List<String> caseNames() {
    try (Stream<Path> s = Files.list(corpusDir())) {
      return s.filter(p -> Files.exists(p.resolve("case.properties"))).map(p -> p.getFileName().toString())
          .sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static Summary runAll(Path work) {
    int handled = 0;
    long lost = 0;
    List<String> failures = new ArrayList<>();
    List<String> names = caseNames();
    for (String name : names) {
      Result r = run(name, work);
      System.out.println("bad-input " + name + ": " + (r.handled() ? "handled" : "NOT HANDLED") + ", good rows "
          + r.goodRows() + ", lost " + r.rowsLost());
      handled += r.handled() ? 1 : 0;
      lost += r.rowsLost();
      r.failures().forEach(f -> failures.add(name + ": " + f));
    }
    return new Summary(names.size(), handled, lost, failures);
  }

  public static Result run(String name, Path work) {
    Path src = corpusDir().resolve(name);
    Properties p = new Properties();
    try (InputStream in = Files.newInputStream(src.resolve("case.properties"))) {
      p.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    String description = firstComment(src.resolve("case.properties"));
    List<String> failures = new ArrayList<>();
    Path full = prepare(src, work.resolve(name).resolve("full"), false);
    String job = p.getProperty("job");
    if (p.getProperty("error") != null) {
      Jobs.Outcome o = cli(failures, full, "wh", job, p.getProperty("args"));
      if (o != null) {
        if (o.status() == 0) {
          failures.add("expected the run to fail, it succeeded: " + o.out().strip());
        }
        for (String part : p.getProperty("error").split("\\|")) {
          if (!o.err().contains(part)) {
            failures.add("expected the error to contain '" + part + "', found: " + o.err().strip());
          }
        }
        checkNoStackTrace(o, failures);
      }
      return new Result(name, description, failures, 0, 0);
    }
    Path clean = prepare(src, work.resolve(name).resolve("clean"), true);
    List<String> expected = expectedReasons(src);
    if (p.getProperty("before") != null) {
      for (Path d : List.of(full, clean)) {
        Jobs.Outcome b = cli(failures, d, "wh", p.getProperty("before").split(" ")[0],
            p.getProperty("before").substring(p.getProperty("before").indexOf(' ') + 1));
        if (b != null && b.status() != 0) {
          failures.add("the preparing command failed: " + b.err().strip());
        }
      }
    }
    Jobs.Outcome fo = cli(failures, full, "wh", job, p.getProperty("args"));
    Jobs.Outcome co = cli(failures, clean, "wh", job, p.getProperty("args"));
    if (fo == null || co == null) {
      return new Result(name, description, failures, 0, 0);
    }
    if (fo.status() != 0 || co.status() != 0) {
      failures.add("expected both runs to succeed, exit " + fo.status() + " (" + fo.err().strip() + ") and "
          + co.status() + " (" + co.err().strip() + ")");
      checkNoStackTrace(fo, failures);
      return new Result(name, description, failures, 0, 0);
    }
    SparkSession spark = SharedSpark.get();
    List<String> got = sorted(quarantine(spark, full.resolve("wh"), job).select("reason"));
    if (!got.equals(sorted(expected))) {
      failures.add("quarantined " + got + ", expected " + sorted(expected));
    }
    List<String> cleanQ = sorted(quarantine(spark, clean.resolve("wh"), job).select("reason"));
    if (!cleanQ.isEmpty()) {
      failures.add("the input without its marked rows still has bad rows: " + cleanQ);
    }
    long good = 0;
    long lost = 0;
    String table = p.getProperty("output");
    if (table != null) {
      List<String> want = rows(spark, clean.resolve("wh"), table);
      List<String> have = rows(spark, full.resolve("wh"), table);
      good = want.size();
      List<String> missing = new ArrayList<>(want);
      have.forEach(missing::remove);
      lost = missing.size();
      if (!have.equals(want)) {
        failures.add(table + " has " + have.size() + " rows for the good input's " + want.size() + "; "
            + missing.size() + " good rows lost or changed, e.g. " + abbreviate(missing.isEmpty() ? "-" : missing.get(0)));
      }
      String absent = p.getProperty("absent-tokens");
      if (absent != null) {
        for (String t : absent.split(",")) {
          Dataset<Row> out = spark.read().format("delta").load(full.resolve("wh").resolve(table).toString());
          long n = out.where(org.apache.spark.sql.functions.array_contains(
              dev.nightjar.text.ProductFeaturesTable.terms(out.schema(), table), t)).count();
          if (n > 0) {
            failures.add(n + " rows have the token '" + t + "' from an injected script");
          }
        }
      }
    }
    String keys = p.getProperty("result");
    if (keys != null) {
      for (String k : keys.split(",")) {
        String a = metric(fo.out(), k);
        String b = metric(co.out(), k);
        if (a == null || !a.equals(b)) {
          failures.add("RESULT " + k + "=" + a + ", without the bad rows " + k + "=" + b);
        }
      }
    }
    return new Result(name, description, failures, good, lost);
  }

  /** Runs the command line through Main; a Throwable escaping Main.run is a failure (a bare stack trace). */
  private static Jobs.Outcome cli(List<String> failures, Path dir, String wh, String job, String args) {
    List<String> all = new ArrayList<>(List.of(job, "--warehouse", dir.resolve(wh).toString(), "--date", DATE));
    all.addAll(Arrays.asList(args.replace("{dir}", dir.toString()).trim().split("\\s+")));
    try {
      return Jobs.main(all.toArray(String[]::new));
    } catch (Throwable t) {
      failures.add(job + " crashed with a bare " + t.getClass().getName() + ": " + abbreviate(String.valueOf(t.getMessage())));
      return null;
    }
  }

  private static void checkNoStackTrace(Jobs.Outcome o, List<String> failures) {
    if (o.err().contains("\tat ") || o.err().contains("Exception:") && !o.err().startsWith("nightjar: ")) {
      failures.add("the error is a stack trace: " + abbreviate(o.err()));
    } else if (o.status() != 0 && !o.err().startsWith("nightjar: ")) {
      failures.add("the error does not say what went wrong: " + abbreviate(o.err()));
    }
  }

  private static Dataset<Row> quarantine(SparkSession spark, Path wh, String job) {
    Path q = wh.resolve("quarantine");
    if (!Files.isDirectory(q.resolve("_delta_log"))) {
      return spark.emptyDataFrame().selectExpr("cast(null as string) as reason").limit(0);
    }
    return spark.read().format("delta").load(q.toString()).where("ds = '" + DATE + "' and job = '" + job + "'");
  }

  private static List<String> rows(SparkSession spark, Path wh, String table) {
    Path t = wh.resolve(table);
    if (!Files.isDirectory(t.resolve("_delta_log"))) {
      return List.of();
    }
    return sorted(spark.read().format("delta").load(t.toString()).where("ds = '" + DATE + "'"));
  }

  private static List<String> sorted(Dataset<Row> df) {
    List<String> rows = new ArrayList<>(df.toJSON().collectAsList());
    rows.sort(Comparator.naturalOrder());
    return rows;
  }

  private static List<String> sorted(List<String> reasons) {
    List<String> out = new ArrayList<>();
    reasons.forEach(r -> out.add("{\"reason\":\"" + r + "\"}"));
    out.sort(Comparator.naturalOrder());
    return out;
  }

  /** The reasons the input files' marked rows must be quarantined with. */
  private static List<String> expectedReasons(Path src) {
    List<String> reasons = new ArrayList<>();
    forEachInput(src, f -> {
      for (String line : new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1).split("\n")) {
        Matcher m = EXPECT.matcher(line);
        if (m.find()) {
          reasons.add(m.group(1));
        }
      }
    });
    return reasons;
  }

  /** Copies a case's files to {@code dir}, expanding {@code @@1MB@@}; {@code clean} drops the marked lines. */
  private static Path prepare(Path src, Path dir, boolean clean) {
    try {
      Files.createDirectories(dir);
      forEachInput(src, f -> {
        byte[] bytes = Files.readAllBytes(f);
        if (clean) {
          StringBuilder keep = new StringBuilder();
          for (String line : new String(bytes, StandardCharsets.ISO_8859_1).split("\n", -1)) {
            if (!EXPECT.matcher(line).find()) {
              keep.append(line).append('\n');
            }
          }
          bytes = keep.toString().replaceAll("\n+$", "\n").replaceAll("^\n$", "").getBytes(StandardCharsets.ISO_8859_1);
        }
        Files.write(dir.resolve(f.getFileName().toString()), expandMegabyte(bytes));
      });
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static byte[] expandMegabyte(byte[] bytes) {
    int at = indexOf(bytes, MB_MARK);
    if (at < 0) {
      return bytes;
    }
    byte[] word = "lorem ipsum dolor ".getBytes(StandardCharsets.US_ASCII);
    byte[] mb = new byte[1 << 20];
    for (int i = 0; i < mb.length; i++) {
      mb[i] = word[i % word.length];
    }
    byte[] out = new byte[bytes.length - MB_MARK.length + mb.length];
    System.arraycopy(bytes, 0, out, 0, at);
    System.arraycopy(mb, 0, out, at, mb.length);
    System.arraycopy(bytes, at + MB_MARK.length, out, at + mb.length, bytes.length - at - MB_MARK.length);
    return expandMegabyte(out);
  }

  private static int indexOf(byte[] a, byte[] b) {
    outer:
    for (int i = 0; i + b.length <= a.length; i++) {
      for (int j = 0; j < b.length; j++) {
        if (a[i + j] != b[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  private interface FileAction {
    void apply(Path f) throws IOException;
  }

  private static void forEachInput(Path src, FileAction action) {
    try (Stream<Path> s = Files.list(src)) {
      for (Path f : s.filter(f -> !f.getFileName().toString().equals("case.properties")).sorted().toList()) {
        action.apply(f);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String metric(String out, String key) {
    Matcher m = Pattern.compile("(?m)^RESULT .*\\b" + Pattern.quote(key) + "=(\\S+)").matcher(out);
    return m.find() ? m.group(1) : null;
  }

  private static String firstComment(Path props) {
    try {
      return Files.readAllLines(props).stream().filter(l -> l.startsWith("#")).findFirst().orElse("#").substring(1).trim();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String abbreviate(String s) {
    return s.length() > 300 ? s.substring(0, 300) + "..." : s;
  }
}
