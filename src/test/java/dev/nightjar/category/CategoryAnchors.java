package dev.nightjar.category;

import dev.nightjar.common.JobFailedException;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The outside anchors of {@code jobs/bench category}, run as the tools' own programs on the same
 * text (title + vendor + the first 1,000 characters of the description): fastText (Debian's
 * {@code fasttext}, label = the full path) and a flat logistic regression on hashed term
 * frequencies (scikit-learn from Debian's {@code python3-sklearn}). Each returns a predicted path
 * per test product, measured in Java by {@link HierarchicalMetrics} like the Kesler model.
 */
final class CategoryAnchors {
  static final String FASTTEXT = "/usr/bin/fasttext";
  static final String PYTHON = "/usr/bin/python3";

  /** A product as the anchors see it. */
  record Item(String productId, String text, String category) {}

  /** The anchor's predictions (product id to path) and its training seconds. */
  record Result(Map<String, String> predicted, double trainSeconds) {}

  private CategoryAnchors() {}

  /** Title, vendor and the first {@code descriptionChars} characters of the description. */
  static String text(String title, String vendor, String description, int descriptionChars) {
    String d = description == null ? "" : description.substring(0, Math.min(descriptionChars, description.length()));
    return String.join(" ", title == null ? "" : title, vendor == null ? "" : vendor, d);
  }

  /** fastText's usual preparation: lower case, punctuation apart, one line. */
  static String fastTextLine(String text) {
    return text.toLowerCase(Locale.ROOT).replaceAll("([\\p{Punct}])", " $1 ").replaceAll("\\s+", " ").trim();
  }

  static boolean fastTextAvailable() {
    return Files.isExecutable(Path.of(FASTTEXT));
  }

  static boolean sklearnAvailable() {
    try {
      return run(List.of(PYTHON, "-c", "import sklearn"), null).exit == 0;
    } catch (IOException e) {
      return false;
    }
  }

  static Result fastText(List<Item> train, List<Item> test, Path work) throws IOException {
    Files.createDirectories(work);
    // fastText labels are single tokens: number the paths.
    Map<String, Integer> ids = new HashMap<>();
    List<String> paths = new ArrayList<>();
    Path trainFile = work.resolve("fasttext-train.txt");
    try (BufferedWriter w = Files.newBufferedWriter(trainFile, StandardCharsets.UTF_8)) {
      for (Item i : train) {
        int id = ids.computeIfAbsent(i.category(), k -> {
          paths.add(k);
          return paths.size() - 1;
        });
        w.write("__label__" + id + " " + fastTextLine(i.text()) + "\n");
      }
    }
    Path testFile = work.resolve("fasttext-test.txt");
    try (BufferedWriter w = Files.newBufferedWriter(testFile, StandardCharsets.UTF_8)) {
      for (Item i : test) {
        w.write(fastTextLine(i.text()) + "\n");
      }
    }
    Path model = work.resolve("fasttext-model");
    long t0 = System.nanoTime();
    check("fasttext supervised", run(List.of(FASTTEXT, "supervised", "-input", trainFile.toString(), "-output",
        model.toString(), "-epoch", "25", "-lr", "0.5", "-wordNgrams", "2", "-thread", "2", "-verbose", "0"), null));
    double s = (System.nanoTime() - t0) / 1e9;
    Proc p = run(List.of(FASTTEXT, "predict", model + ".bin", testFile.toString()), null);
    check("fasttext predict", p);
    String[] lines = p.out.split("\n");
    if (lines.length != test.size()) {
      throw new JobFailedException("fasttext predict: expected " + test.size() + " lines, found " + lines.length);
    }
    Map<String, String> out = new HashMap<>();
    for (int k = 0; k < lines.length; k++) {
      out.put(test.get(k).productId(), paths.get(Integer.parseInt(lines[k].trim().substring("__label__".length()))));
    }
    return new Result(out, s);
  }

  static Result flatLogisticRegression(List<Item> train, List<Item> test, Path work) throws IOException {
    Files.createDirectories(work);
    Path script = work.resolve("flat_lr.py");
    try (InputStream in = CategoryAnchors.class.getResourceAsStream("flat_lr.py")) {
      Files.copy(in, script, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
    Path trainFile = work.resolve("lr-train.tsv");
    Path testFile = work.resolve("lr-test.tsv");
    Path outFile = work.resolve("lr-predicted.tsv");
    try (BufferedWriter w = Files.newBufferedWriter(trainFile, StandardCharsets.UTF_8)) {
      for (Item i : train) {
        w.write(i.category() + "\t" + oneLine(i.text()) + "\n");
      }
    }
    try (BufferedWriter w = Files.newBufferedWriter(testFile, StandardCharsets.UTF_8)) {
      for (Item i : test) {
        w.write(i.productId() + "\t" + oneLine(i.text()) + "\n");
      }
    }
    Proc p = run(List.of(PYTHON, script.toString(), trainFile.toString(), testFile.toString(), outFile.toString()), null);
    check("flat_lr.py", p);
    double s = Double.NaN;
    for (String line : p.out.split("\n")) {
      if (line.startsWith("train_s=")) {
        s = Double.parseDouble(line.substring("train_s=".length()));
      }
    }
    Map<String, String> out = new HashMap<>();
    for (String line : Files.readAllLines(outFile, StandardCharsets.UTF_8)) {
      String[] f = line.split("\t", 2);
      out.put(f[0], f[1]);
    }
    if (out.size() != test.size()) {
      throw new JobFailedException("flat_lr.py: expected " + test.size() + " predictions, found " + out.size());
    }
    return new Result(out, s);
  }

  private static String oneLine(String s) {
    return s.replace('\t', ' ').replace('\n', ' ').replace('\r', ' ');
  }

  private record Proc(int exit, String out, String err) {}

  private static Proc run(List<String> cmd, Path dir) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(cmd);
    if (dir != null) {
      pb.directory(dir.toFile());
    }
    Path err = Files.createTempFile("nightjar-anchor", ".err");
    pb.redirectError(err.toFile());
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      if (!p.waitFor(2, TimeUnit.HOURS)) {
        p.destroyForcibly();
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    String e = Files.readString(err);
    Files.deleteIfExists(err);
    return new Proc(p.exitValue(), out, e);
  }

  private static void check(String what, Proc p) {
    if (p.exit != 0) {
      throw new JobFailedException(what + " failed with exit code " + p.exit + ": " + p.err.strip());
    }
  }
}
