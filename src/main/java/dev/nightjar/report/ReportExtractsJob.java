package dev.nightjar.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.nightjar.budget.BudgetReport;
import dev.nightjar.category.CategoryReport;
import dev.nightjar.common.Job;
import dev.nightjar.common.JobContext;
import dev.nightjar.common.JobFailedException;
import dev.nightjar.common.JobResult;
import dev.nightjar.common.OptionSpec;
import dev.nightjar.common.Settings;
import dev.nightjar.search.EntropyReport;
import dev.nightjar.tables.JsonLines;
import dev.nightjar.tables.Warehouse;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * {@code jobs/run report-extracts}: the small extracts the notebooks read (Debian's pandas reads
 * neither Delta nor Parquet), as JSON Lines under {@code OUTPUT/ds=DATE/}: {@code query_entropy}
 * (with search volume), {@code category_metrics}, {@code category_levels}, {@code
 * category_confidence}, {@code category_confusions}, {@code category_review} (the day's review
 * queue, rank 1 first), {@code model_metrics} (with z-score bands), {@code model_calibration},
 * {@code budget_recommendations}, and {@code settings.json} (the configured thresholds to mark).
 * Each area builds its own extracts ({@link EntropyReport}, {@link CategoryReport}, {@link
 * CategoryReviewReport}, {@link BudgetReport}); a table that does not exist yet is left out. The
 * day's directory is written aside and renamed into place, so it is whole or absent.
 */
public final class ReportExtractsJob implements Job {
  static final String OUTPUT = "report.output";
  static final String SETTINGS = "settings.json";

  @Override
  public String name() {
    return "report-extracts";
  }

  @Override
  public String description() {
    return "write small JSON Lines extracts of the nightly tables for the notebooks";
  }

  @Override
  public List<OptionSpec> options() {
    return List.of(OptionSpec.config("output", OUTPUT, "DIR", "where to write; empty = WAREHOUSE/reports"));
  }

  @Override
  public void validate(JobContext context) {
    Settings.string(context.config(), OUTPUT);
    EntropyReport.settings(context);
    CategoryReport.settings(context);
    CategoryReviewReport.settings(context);
    BudgetReport.settings(context);
  }

  /** The directory the extracts of {@code ds} go to. */
  public static String dayDir(JobContext context) {
    String out = Settings.string(context.config(), OUTPUT);
    String root = out.isBlank() ? Warehouse.of(context).tablePath("reports") : out;
    return root + "/ds=" + context.runDate();
  }

  @Override
  public JobResult run(JobContext context) {
    Path target = new Path(dayDir(context));
    Path tmp = new Path(Warehouse.tmpBeside(target.toString()));
    JobResult.Builder result = JobResult.builder(name());
    Map<String, Long> extracts = new LinkedHashMap<>();
    try (FileSystem fs = Warehouse.withoutChecksums(target, context.spark().sparkContext().hadoopConfiguration())) {
      fs.mkdirs(tmp);
      BiConsumer<String, Dataset<Row>> sink = (name, rows) -> {
        context.stage("extract " + name);
        try (Writer out = new OutputStreamWriter(fs.create(new Path(tmp, name + ".jsonl")), StandardCharsets.UTF_8)) {
          extracts.put(name, JsonLines.write(rows, out));
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      };
      EntropyReport.extract(context, context.runDate(), sink);
      CategoryReport.extract(context, context.runDate(), sink);
      CategoryReviewReport.extract(context, context.runDate(), sink);
      BudgetReport.extract(context, context.runDate(), sink);

      Map<String, Object> settings = new LinkedHashMap<>();
      settings.put("ds", context.runDate().toString());
      settings.put("search", EntropyReport.settings(context));
      settings.put("category", CategoryReport.settings(context));
      settings.put("category_review", CategoryReviewReport.settings(context));
      settings.put("budget", BudgetReport.settings(context));
      settings.put("extracts", extracts);
      try (var out = fs.create(new Path(tmp, SETTINGS))) {
        out.write(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsBytes(settings));
      }
      Warehouse.of(context).moveIntoPlace(tmp.toString(), target.toString());
    } catch (IOException | UncheckedIOException e) {
      throw new JobFailedException("Cannot write the report extracts to " + target + ": " + e.getMessage(), e);
    }
    extracts.forEach((name, rows) -> result.metric(name, rows));
    return result.metric("output", target).build();
  }
}
