package dev.nightjar.search;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * The serving side of {@code query_entropy}: an in-memory map from normalized query to what
 * search should show, loaded from the lookup export the {@code entropy} job writes. Plain Java
 * (no Spark, no other library), so a search service can embed it.
 *
 * <h2>Format (version 1)</h2>
 *
 * A directory {@code <warehouse>/exports/query_entropy/ds=YYYY-MM-DD/} holding UTF-8 text files
 * {@code part-*} (optionally gzipped, {@code .gz}) and a {@code _SUCCESS} marker written last.
 * One line per query of the search log, fields separated by a TAB:
 *
 * <pre>
 * query  broad_level  top_category  [category  share]...
 * </pre>
 *
 * <ul>
 *   <li>{@code query}: the query normalized by {@link QueryNormalizer#normalize}; each appears once.
 *   <li>{@code broad_level}: 0 (specific: show no groups), 1 (groups of top-level categories) or 2
 *       (groups of the children of {@code top_category}).
 *   <li>{@code top_category}: the top-level category with the most results.
 *   <li>then, for broad queries, the categories to show, best first, each as its name (the full
 *       path {@code A > B} at level 2) and its share (a decimal number in [0, 1]).
 * </ul>
 *
 * Text fields escape backslash, TAB, newline and carriage return as {@code \\}, {@code \t},
 * {@code \n}, {@code \r}. Queries absent from the file are unknown: serve them as specific.
 */
public final class EntropyLookup {
  /** One category to show and its share of the query's results (by the deciding measure). */
  public record Category(String name, double share) {}

  /** The lookup answer for one normalized query. */
  public record Entry(String query, int broadLevel, String topCategory, List<Category> show) {
    public Entry {
      show = List.copyOf(show);
    }

    public boolean broad() {
      return broadLevel > 0;
    }
  }

  private final Map<String, Entry> entries;

  private EntropyLookup(Map<String, Entry> entries) {
    this.entries = Collections.unmodifiableMap(entries);
  }

  /** Loads every {@code part-*} file of an export directory; fails on a malformed or repeated line. */
  public static EntropyLookup load(Path dir) throws IOException {
    if (!Files.isRegularFile(dir.resolve("_SUCCESS"))) {
      throw new IOException("Not a complete entropy export: " + dir + " has no _SUCCESS marker");
    }
    List<Path> parts;
    try (Stream<Path> s = Files.list(dir)) {
      parts = s.filter(p -> p.getFileName().toString().startsWith("part-")).sorted().toList();
    }
    Map<String, Entry> map = new HashMap<>();
    for (Path part : parts) {
      try (InputStream raw = Files.newInputStream(part);
          InputStream in = part.toString().endsWith(".gz") ? new GZIPInputStream(raw) : raw;
          BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
        int lineNo = 0;
        for (String line; (line = r.readLine()) != null; ) {
          lineNo++;
          if (line.isEmpty()) {
            continue;
          }
          Entry e;
          try {
            e = parseLine(line);
          } catch (IllegalArgumentException ex) {
            throw new IOException(part + ":" + lineNo + ": " + ex.getMessage(), ex);
          }
          if (map.put(e.query(), e) != null) {
            throw new IOException(part + ":" + lineNo + ": query '" + e.query() + "' appears twice");
          }
        }
      }
    }
    return new EntropyLookup(map);
  }

  /** The entry of a raw user query (normalized here), if the export has it. */
  public Optional<Entry> lookup(String rawQuery) {
    String q = QueryNormalizer.normalize(rawQuery);
    return q == null ? Optional.empty() : Optional.ofNullable(entries.get(q));
  }

  /** Every entry (unmodifiable). */
  public java.util.Collection<Entry> entries() {
    return entries.values();
  }

  public int size() {
    return entries.size();
  }

  /** One line of the format (without the newline); the job writes exactly this. */
  public static String formatLine(
      String query, int broadLevel, String topCategory, List<String> names, List<Double> shares) {
    if (names.size() != shares.size()) {
      throw new IllegalArgumentException("names and shares differ in length");
    }
    StringBuilder sb = new StringBuilder();
    sb.append(escape(query)).append('\t').append(broadLevel).append('\t')
        .append(escape(topCategory == null ? "" : topCategory));
    for (int i = 0; i < names.size(); i++) {
      sb.append('\t').append(escape(names.get(i))).append('\t').append(shares.get(i));
    }
    return sb.toString();
  }

  /** Parses one line of the format. */
  public static Entry parseLine(String line) {
    String[] f = line.split("\t", -1);
    if (f.length < 3 || (f.length - 3) % 2 != 0) {
      throw new IllegalArgumentException(
          "expected query, broad_level, top_category and (category, share) pairs separated by TABs;"
              + " found " + f.length + " fields");
    }
    int level;
    try {
      level = Integer.parseInt(f[1]);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("expected broad_level 0, 1 or 2; found '" + f[1] + "'");
    }
    if (level < 0 || level > 2) {
      throw new IllegalArgumentException("expected broad_level 0, 1 or 2; found " + level);
    }
    List<Category> show = new ArrayList<>((f.length - 3) / 2);
    for (int i = 3; i < f.length; i += 2) {
      double share;
      try {
        share = Double.parseDouble(f[i + 1]);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("expected a share in [0, 1]; found '" + f[i + 1] + "'");
      }
      if (!(share >= 0 && share <= 1)) {
        throw new IllegalArgumentException("expected a share in [0, 1]; found " + share);
      }
      show.add(new Category(unescape(f[i]), share));
    }
    String top = unescape(f[2]);
    return new Entry(unescape(f[0]), level, top.isEmpty() ? null : top, show);
  }

  static String escape(String s) {
    StringBuilder sb = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '\\' -> sb.append("\\\\");
        case '\t' -> sb.append("\\t");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        default -> sb.append(c);
      }
    }
    return sb.toString();
  }

  static String unescape(String s) {
    if (s.indexOf('\\') < 0) {
      return s;
    }
    StringBuilder sb = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c != '\\') {
        sb.append(c);
        continue;
      }
      if (++i == s.length()) {
        throw new IllegalArgumentException("dangling backslash in '" + s + "'");
      }
      char n = s.charAt(i);
      switch (n) {
        case '\\' -> sb.append('\\');
        case 't' -> sb.append('\t');
        case 'n' -> sb.append('\n');
        case 'r' -> sb.append('\r');
        default -> throw new IllegalArgumentException("unknown escape \\" + n + " in '" + s + "'");
      }
    }
    return sb.toString();
  }
}
