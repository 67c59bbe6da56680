package dev.nightjar.tables;

import dev.nightjar.common.Job;
import dev.nightjar.common.JobContext;
import dev.nightjar.common.JobResult;
import dev.nightjar.common.OptionSpec;
import dev.nightjar.common.Settings;
import dev.nightjar.common.UsageException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * {@code jobs/run sql "SELECT ..."} (or {@code -f FILE.sql}): Spark SQL over the warehouse. Every
 * Delta table the query names is registered under its name, so Delta's own syntax works too
 * ({@code DESCRIBE HISTORY products}, {@code SELECT * FROM products VERSION AS OF 0}).
 * {@code ${date}} (the {@code --date}, default today) and {@code ${warehouse}} are replaced in
 * the text before Spark sees it.
 */
public final class SqlJob implements Job {
  private static final Pattern PARAMETER = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)}");
  private static final int DEFAULT_LIMIT = 1000;

  @Override
  public String name() {
    return "sql";
  }

  @Override
  public String description() {
    return "run Spark SQL over the warehouse tables (by name; ${date}; DESCRIBE HISTORY, VERSION AS OF)";
  }

  @Override
  public String positional() {
    return "query";
  }

  @Override
  public Map<Character, String> shortOptions() {
    return Map.of('f', "file");
  }

  @Override
  public boolean printsResult() {
    return true;
  }

  @Override
  public List<OptionSpec> options() {
    return List.of(
        OptionSpec.value("query", "SQL", "the statement (or give it as the first argument)", "none"),
        OptionSpec.value("file", "FILE.sql", "read the statements from a file (-f); ';' separates them", "none"),
        OptionSpec.flag("csv", "print CSV (a header line, then one line per row)"),
        OptionSpec.value("limit", "N", "print at most N rows (a note on stderr says when there were more)",
            String.valueOf(DEFAULT_LIMIT)));
  }

  @Override
  public void validate(JobContext context) {
    statements(context);
    limit(context);
    if (context.json() && context.flag("csv")) {
      throw new UsageException("Give either --json or --csv, not both");
    }
  }

  private static int limit(JobContext context) {
    String v = context.option("limit").orElse(String.valueOf(DEFAULT_LIMIT));
    try {
      int n = Integer.parseInt(v);
      if (n >= 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // falls through
    }
    throw new UsageException("Cannot set --limit to " + v + ": expected a non-negative integer");
  }

  /** The statements to run, parameters replaced. */
  static List<String> statements(JobContext context) {
    var query = context.option("query");
    var file = context.option("file");
    if (query.isPresent() == file.isPresent()) {
      throw new UsageException("sql needs a statement: jobs/run sql \"SELECT ...\" or jobs/run sql -f FILE.sql");
    }
    String text;
    if (file.isPresent()) {
      try {
        text = Files.readString(Path.of(file.get()), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UsageException("Cannot read -f " + file.get() + ": " + e.getMessage());
      }
    } else {
      text = query.get();
    }
    Map<String, String> params = new LinkedHashMap<>();
    params.put("date", context.runDate().toString());
    params.put("warehouse", Settings.string(context.config(), "warehouse.root"));
    List<String> out = new ArrayList<>();
    for (String s : split(substitute(text, params))) {
      if (!s.isBlank()) {
        out.add(s.strip());
      }
    }
    if (out.isEmpty()) {
      throw new UsageException("sql: no statement in " + file.map(f -> "-f " + f).orElse("the query"));
    }
    return out;
  }

  /** Replaces {@code ${name}}; an unknown name is an error rather than left for Spark to misread. */
  static String substitute(String text, Map<String, String> params) {
    Matcher m = PARAMETER.matcher(text);
    StringBuilder sb = new StringBuilder();
    while (m.find()) {
      String v = params.get(m.group(1));
      if (v == null) {
        throw new UsageException("Unknown parameter ${" + m.group(1) + "} in the query: expected one of "
            + params.keySet().stream().map(k -> "${" + k + "}").toList());
      }
      m.appendReplacement(sb, Matcher.quoteReplacement(v));
    }
    m.appendTail(sb);
    return sb.toString();
  }

  /** Splits on ';' outside quotes, backticks and comments. */
  static List<String> split(String text) {
    List<String> out = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    char quote = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (quote == 0 && c == '-' && i + 1 < text.length() && text.charAt(i + 1) == '-') {
        int end = text.indexOf('\n', i);
        i = end < 0 ? text.length() : end;
        cur.append('\n');
        continue;
      }
      if (quote != 0) {
        if (c == '\\' && quote != '`' && i + 1 < text.length()) {
          cur.append(c).append(text.charAt(++i));
          continue;
        }
        if (c == quote) {
          quote = 0;
        }
      } else if (c == '\'' || c == '"' || c == '`') {
        quote = c;
      } else if (c == ';') {
        out.add(cur.toString());
        cur.setLength(0);
        continue;
      }
      cur.append(c);
    }
    out.add(cur.toString());
    return out;
  }

  @Override
  public JobResult run(JobContext context) {
    List<String> statements = statements(context);
    Warehouse.requireRoot(Settings.string(context.config(), "warehouse.root"), new org.apache.hadoop.conf.Configuration());
    SparkSession spark = context.spark();
    List<String> registered = register(Warehouse.of(context), String.join("\n", statements));
    Dataset<Row> last = null;
    for (String s : statements) {
      context.stage("sql: " + s.replaceAll("\\s+", " "));
      try {
        last = spark.sql(s);
      } catch (Exception e) { // AnalysisException is checked for javac, but Scala throws it anyway
        throw badQuery(s, e);
      }
    }
    ResultRows rows;
    try {
      rows = ResultRows.collect(last, limit(context));
    } catch (Exception e) {
      throw badQuery(statements.get(statements.size() - 1), e);
    }
    rows.print(context.out(), context.json() ? ResultRows.Format.JSON
        : context.flag("csv") ? ResultRows.Format.CSV : ResultRows.Format.TABLE);
    if (rows.truncated()) {
      context.err().println("nightjar: printed the first " + rows.rows().size() + " rows; --limit N prints more");
    }
    return JobResult.builder(name()).metric("rows", rows.rows().size()).metric("tables", registered.size()).build();
  }

  /**
   * A query Spark refuses (syntax, unknown table or column): a usage error with Spark's own
   * message, without its plan dump.
   */
  private static RuntimeException badQuery(String statement, Exception e) {
    if (!(e instanceof org.apache.spark.sql.AnalysisException)) {
      return e instanceof RuntimeException r ? r : new IllegalStateException(e);
    }
    String message = e.getMessage();
    int plan = message.indexOf("\n;");
    if (plan > 0) {
      message = message.substring(0, plan);
    }
    return new UsageException("Bad query: " + message.strip(), e);
  }

  /** Registers every warehouse table the text mentions as a catalog table over its Delta path. */
  static List<String> register(Warehouse warehouse, String text) {
    SparkSession spark = warehouse.spark();
    List<String> names = new ArrayList<>();
    String lower = text.toLowerCase(Locale.ROOT);
    for (String table : warehouse.deltaTableNames()) {
      if (!Pattern.compile("(?<![A-Za-z0-9_])" + Pattern.quote(table.toLowerCase(Locale.ROOT)) + "(?![A-Za-z0-9_])")
          .matcher(lower).find()) {
        continue;
      }
      String location = warehouse.qualifiedPath(table);
      // DROP of a table created with LOCATION only forgets the name; the data stays.
      spark.sql("DROP TABLE IF EXISTS `" + table + "`");
      spark.sql("CREATE TABLE `" + table + "` USING delta LOCATION '" + location.replace("'", "\\'") + "'");
      names.add(table);
    }
    return names;
  }
}
