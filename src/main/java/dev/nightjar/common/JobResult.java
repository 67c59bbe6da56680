package dev.nightjar.common;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a job did: rows written per table and named figures. Immutable; built with {@link
 * Builder}.
 */
public final class JobResult {
  private final String job;
  private final Map<String, Long> rowsWritten;
  private final Map<String, Object> metrics;
  private final int exitCode;
  private final Map<String, Object> details;

  private JobResult(Builder b) {
    this.details = Collections.unmodifiableMap(new LinkedHashMap<>(b.details));
    this.job = b.job;
    this.rowsWritten = Collections.unmodifiableMap(new LinkedHashMap<>(b.rowsWritten));
    this.metrics = Collections.unmodifiableMap(new LinkedHashMap<>(b.metrics));
    this.exitCode = b.exitCode;
  }

  public static Builder builder(String job) {
    return new Builder(job);
  }

  public String job() {
    return job;
  }

  /** Table name to the number of rows this run wrote to it. */
  public Map<String, Long> rowsWritten() {
    return rowsWritten;
  }

  public Map<String, Object> metrics() {
    return metrics;
  }

  /** The process status: 0, or a distinct status such as {@link ExitCodes#NOT_BLESSED}. */
  public int exitCode() {
    return exitCode;
  }

  /** One line for the log and the workflow runner: {@code RESULT featurize rows product_features=…}. */
  public String summaryLine() {
    StringBuilder sb = new StringBuilder("RESULT ").append(job);
    rowsWritten.forEach((t, n) -> sb.append(" rows.").append(t).append('=').append(n));
    metrics.forEach((k, v) -> sb.append(' ').append(k).append('=').append(v));
    return sb.toString();
  }

  /** The result as JSON-ready maps: {@code job}, {@code rows} per table, {@code metrics}, {@code exit_code}. */
  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("job", job);
    m.put("rows", rowsWritten);
    Map<String, Object> values = new LinkedHashMap<>();
    metrics.forEach((k, v) -> values.put(k, v instanceof Number || v instanceof Boolean || v == null ? v : v.toString()));
    m.put("metrics", values);
    m.putAll(details);
    m.put("exit_code", exitCode);
    return m;
  }

  @Override
  public String toString() {
    return summaryLine();
  }

  public static final class Builder {
    private final String job;
    private final Map<String, Long> rowsWritten = new LinkedHashMap<>();
    private final Map<String, Object> metrics = new LinkedHashMap<>();
    private int exitCode = ExitCodes.OK;
    private final Map<String, Object> details = new LinkedHashMap<>();

    private Builder(String job) {
      this.job = job;
    }

    public Builder rows(String table, long rows) {
      rowsWritten.put(table, rows);
      return this;
    }

    public Builder metric(String name, Object value) {
      metrics.put(name, value);
      return this;
    }

    /** Structured detail for {@code --json} only (e.g. nightly's actions), not on the RESULT line. */
    public Builder detail(String name, Object value) {
      details.put(name, value);
      return this;
    }

    public Builder exitCode(int code) {
      this.exitCode = code;
      return this;
    }

    public JobResult build() {
      return new JobResult(this);
    }
  }
}
