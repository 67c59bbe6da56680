package dev.nightjar.tables;

import dev.nightjar.common.Job;
import dev.nightjar.common.JobContext;
import dev.nightjar.common.JobResult;
import dev.nightjar.common.OptionSpec;
import dev.nightjar.common.UsageException;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;

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
  public JobResult run(JobContext context) {
    String table = context.option("table").orElseThrow();
    Dataset<Row> df = Inputs.read(context.warehouse(), table);
    PrintStream out = System.out;
    out.println("Table " + table);
    out.print(df.schema().treeString());
    long total;
    if (Arrays.asList(df.columns()).contains(Warehouse.DS)) {
      List<Row> perDs = df.groupBy(Warehouse.DS).count().orderBy(Warehouse.DS).collectAsList();
      total = 0;
      out.println("Rows per " + Warehouse.DS + ":");
      for (Row r : perDs) {
        out.printf("  %s  %d%n", r.get(0), r.getLong(1));
        total += r.getLong(1);
      }
    } else {
      total = df.count();
    }
    out.println("Rows: " + total);
    df.limit(rows(context)).show(rows(context), 80);
    return JobResult.builder(name()).metric("rows", total).build();
  }
}
