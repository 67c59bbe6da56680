package dev.nightjar.tables;

import dev.nightjar.common.Job;
import dev.nightjar.common.JobContext;
import dev.nightjar.common.JobResult;
import dev.nightjar.common.OptionSpec;
import dev.nightjar.common.Output;
import dev.nightjar.common.Settings;
import dev.nightjar.common.UsageException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/** {@code jobs/run show}: a table's schema, its row count per {@code ds}, and a few rows. */
public final class ShowJob implements Job {
  @Override
  public String name() {
    return "show";
  }

  @Override
  public String description() {
    return "print a table's schema, row count per ds and a few rows";
  }

  @Override
  public List<OptionSpec> options() {
    return List.of(
        OptionSpec.value("table", "NAME_OR_PATH", "a warehouse table, or any input path", "required"),
        OptionSpec.value("rows", "N", "how many rows to print", "10"));
  }

  @Override
  public void validate(JobContext context) {
    context.option("table").orElseThrow(() -> new UsageException("show needs --table NAME"));
    rows(context);
  }

  private static int rows(JobContext context) {
    String v = context.option("rows").orElse("10");
    try {
      int n = Integer.parseInt(v);
      if (n < 0) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw new UsageException("Cannot set --rows to " + v + ": expected a non-negative integer");
    }
  }

  @Override
  public boolean printsResult() {
    return true;
  }

  @Override
  public JobResult run(JobContext context) {
    String table = context.option("table").orElseThrow();
    // A Delta table needs no Spark: Delta Kernel reads it in a second (jobs/run starts show on a
    // plain JVM); anything else (JSON, CSV, Parquet, a type Kernel does not read) goes to Spark.
    Optional<KernelTable.Summary> kernel = KernelTable.summarize(deltaLocation(context, table), rows(context));
    if (kernel.isPresent()) {
      KernelTable.Summary k = kernel.get();
      print(context.out(), context.json(), table, k.schema(), k.rowsPerDs(), k.rows(), k.sample());
      return JobResult.builder(name()).metric("rows", k.rows()).build();
    }
    Dataset<Row> df = Inputs.read(Warehouse.of(context), table);
    Map<String, Long> perDs = new LinkedHashMap<>();
    long total;
    if (Arrays.asList(df.columns()).contains(Warehouse.DS)) {
      total = 0;
      for (Row r : df.groupBy(Warehouse.DS).count().orderBy(Warehouse.DS).collectAsList()) {
        perDs.put(String.valueOf(r.get(0)), r.getLong(1));
        total += r.getLong(1);
      }
    } else {
      total = df.count();
    }
    ResultRows sample = ResultRows.collect(df, rows(context));
    print(context.out(), context.json(), table, df.schema(), perDs, total, sample);
    return JobResult.builder(name()).metric("rows", total).build();
  }

  /** Where a Delta table named {@code spec} would be: under the warehouse root, or the path itself. */
  private static String deltaLocation(JobContext context, String spec) {
    String root = Settings.string(context.config(), "warehouse.root");
    return Inputs.TABLE_NAME.matcher(spec).matches() ? Warehouse.tablePath(root, spec) : spec;
  }

  /** The schema, rows per ds, the total and the sample: as text for people, or one JSON object. */
  static void print(PrintStream out, boolean json, String table, StructType schema, Map<String, Long> perDs,
      long total, ResultRows sample) {
    if (json) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("table", table);
      List<Map<String, Object>> columns = new ArrayList<>();
      for (StructField f : schema.fields()) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("name", f.name());
        c.put("type", f.dataType().simpleString());
        c.put("nullable", f.nullable());
        columns.add(c);
      }
      m.put("columns", columns);
      if (!perDs.isEmpty()) {
        m.put("rows_per_ds", perDs);
      }
      m.put("rows", total);
      m.put("sample", sample.rows());
      out.println(Output.json(m));
      return;
    }
    out.println("Table " + table);
    out.print(schema.treeString());
    if (!perDs.isEmpty()) {
      Output.Table t = new Output.Table(Warehouse.DS, "rows");
      perDs.forEach(t::add);
      out.println();
      t.print(out);
    }
    out.println();
    out.println("Rows: " + total);
    out.println();
    sample.print(out, ResultRows.Format.TABLE);
  }
}
