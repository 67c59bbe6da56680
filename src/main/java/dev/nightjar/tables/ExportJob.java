package dev.nightjar.tables;

import dev.nightjar.common.Job;
import dev.nightjar.common.JobContext;
import dev.nightjar.common.JobFailedException;
import dev.nightjar.common.JobResult;
import dev.nightjar.common.OptionSpec;
import dev.nightjar.common.UsageException;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;

/**
 * {@code jobs/run export}: any table (or one {@code --date} of it) as one JSON Lines file, for
 * people and for checks. Rows stream to the driver one partition at a time, so the table need
 * not fit in memory; the file appears complete or not at all.
 */
public final class ExportJob implements Job {
  @Override
  public String name() {
    return "export";
  }

  @Override
  public String description() {
    return "write a table (or one --date of it) as a JSON Lines file";
  }

  @Override
  public List<OptionSpec> options() {
    return List.of(
        OptionSpec.value("table", "NAME_OR_PATH", "a warehouse table, or any input path", "required"),
        OptionSpec.value("output", "FILE.jsonl", "the file to write", "required"));
  }

  @Override
  public void validate(JobContext context) {
    context.option("table").orElseThrow(() -> new UsageException("export needs --table NAME_OR_PATH"));
    context.option("output").orElseThrow(() -> new UsageException("export needs --output FILE.jsonl"));
  }

  @Override
  public JobResult run(JobContext context) {
    String table = context.option("table").orElseThrow();
    Path output = Path.of(context.option("output").orElseThrow());
    Dataset<Row> df = Inputs.read(Warehouse.of(context), table);
    if (context.dateGiven()) {
      if (!Arrays.asList(df.columns()).contains(Warehouse.DS)) {
        throw new UsageException("Table " + table + " has no " + Warehouse.DS + " column; drop --date");
      }
      df = df.where(functions.col(Warehouse.DS).equalTo(context.runDate().toString()));
    }
    context.stage("export " + table + " to " + output);
    long rows = 0;
    Path tmp = output.resolveSibling("." + output.getFileName() + ".tmp");
    try {
      if (output.toAbsolutePath().getParent() != null) {
        Files.createDirectories(output.toAbsolutePath().getParent());
      }
      try (BufferedWriter out = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
        rows = JsonLines.write(df, out);
      }
      Files.move(tmp, output, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new JobFailedException("Cannot write " + output + ": " + e.getMessage(), e);
    }
    return JobResult.builder(name()).metric("exported_rows", rows).metric("output", output).build();
  }

}
