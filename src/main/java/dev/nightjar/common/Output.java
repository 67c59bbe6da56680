package dev.nightjar.common;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * How commands print results for people and for programs: aligned tables with readable numbers,
 * JSON and CSV. Results go to stdout and nothing else does, so {@code | jq} and {@code | python3}
 * work; logs and progress go to stderr.
 */
public final class Output {
  /** Pretty JSON, map entries in insertion order. */
  public static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
      .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, false);

  private Output() {}

  /** A value as JSON text. */
  public static String json(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("Cannot write JSON: " + e.getMessage(), e);
    }
  }

  /**
   * A number or value for a table cell: integral numbers without a fraction ({@code 200}, not
   * {@code 200.0}), others with at most 4 decimals and 6 significant digits ({@code 0.8123},
   * {@code 1234.57}, {@code 1.2346e-05}); null as empty.
   */
  public static String cell(Object v) {
    if (v == null) {
      return "";
    }
    if (v instanceof Double || v instanceof Float) {
      return number(((Number) v).doubleValue());
    }
    if (v instanceof BigDecimal b) {
      return b.stripTrailingZeros().toPlainString();
    }
    return v.toString();
  }

  /** See {@link #cell}. */
  public static String number(double d) {
    if (Double.isNaN(d) || Double.isInfinite(d)) {
      return Double.toString(d);
    }
    if (d == Math.rint(d) && Math.abs(d) < 1e15) {
      return Long.toString((long) d);
    }
    double a = Math.abs(d);
    if (a < 1e-4 || a >= 1e9) {
      return String.format(Locale.ROOT, "%.4e", d);
    }
    BigDecimal b = new BigDecimal(d).round(new java.math.MathContext(6));
    if (b.scale() > 4) {
      b = b.setScale(4, java.math.RoundingMode.HALF_EVEN);
    }
    return b.stripTrailingZeros().toPlainString();
  }

  /** A table with a header row, columns aligned; numeric columns right-aligned. */
  public static final class Table {
    private final List<String> header;
    private final List<List<Object>> rows = new ArrayList<>();

    public Table(List<String> header) {
      this.header = List.copyOf(header);
    }

    public Table(String... header) {
      this(List.of(header));
    }

    public Table add(List<?> row) {
      if (row.size() != header.size()) {
        throw new IllegalArgumentException("Expected " + header.size() + " cells, found " + row.size());
      }
      rows.add(new ArrayList<>(row));
      return this;
    }

    public Table add(Object... row) {
      return add(java.util.Arrays.asList(row));
    }

    public int size() {
      return rows.size();
    }

    public void print(PrintStream out) {
      out.print(render());
    }

    public String render() {
      int n = header.size();
      int[] width = new int[n];
      boolean[] numeric = new boolean[n];
      java.util.Arrays.fill(numeric, true);
      List<List<String>> text = new ArrayList<>();
      for (List<Object> r : rows) {
        List<String> t = new ArrayList<>();
        for (int i = 0; i < n; i++) {
          Object v = r.get(i);
          String s = oneLine(cell(v), i == n - 1);
          numeric[i] &= v == null || v instanceof Number;
          t.add(s);
        }
        text.add(t);
      }
      for (int i = 0; i < n; i++) {
        width[i] = header.get(i).length();
        for (List<String> t : text) {
          width[i] = Math.max(width[i], t.get(i).length());
        }
      }
      StringBuilder sb = new StringBuilder();
      line(sb, header, width, numeric);
      List<String> rule = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        rule.add("-".repeat(width[i]));
      }
      line(sb, rule, width, new boolean[n]);
      for (List<String> t : text) {
        line(sb, t, width, numeric);
      }
      return sb.toString();
    }

    private static void line(StringBuilder sb, List<String> cells, int[] width, boolean[] right) {
      StringBuilder l = new StringBuilder();
      for (int i = 0; i < cells.size(); i++) {
        if (i > 0) {
          l.append("  ");
        }
        String c = cells.get(i);
        String pad = " ".repeat(width[i] - c.length());
        l.append(right[i] ? pad + c : i == cells.size() - 1 ? c : c + pad);
      }
      sb.append(l.toString().stripTrailing()).append('\n');
    }

    /**
     * Cells longer than this are cut (with an ellipsis), so a wide column cannot push the others
     * off the screen; the last column is kept whole.
     */
    static final int MAX_CELL = 60;

    private static String oneLine(String s, boolean last) {
      String t = s.replace('\n', ' ').replace('\r', ' ').replace('\t', ' ');
      return !last && t.length() > MAX_CELL ? t.substring(0, MAX_CELL - 1) + "…" : t;
    }
  }

  /** One CSV field (RFC 4180: quoted when it holds a comma, a quote or a line break). */
  public static String csv(Object v) {
    if (v == null) {
      return "";
    }
    String s = v.toString();
    if (s.contains(",") || s.contains("\"") || s.contains("\n") || s.contains("\r")) {
      return "\"" + s.replace("\"", "\"\"") + "\"";
    }
    return s;
  }
}
