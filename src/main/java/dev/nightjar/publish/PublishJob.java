package dev.nightjar.publish;

import com.typesafe.config.Config;
import dev.nightjar.common.ExitCodes;
import dev.nightjar.common.Job;
import dev.nightjar.common.JobContext;
import dev.nightjar.common.JobFailedException;
import dev.nightjar.common.JobResult;
import dev.nightjar.common.OptionSpec;
import dev.nightjar.common.Settings;
import dev.nightjar.common.UsageException;
import dev.nightjar.tables.Warehouse;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code jobs/run publish}: publishes the newest blessed model of each kind ({@code publish.models})
 * at or before the run date into the registry {@code WAREHOUSE/models} and moves {@code current}.
 * A model that is not blessed is never published: its verdict is written to {@code
 * models/NAME/verdicts/DATE.json} and the job exits with status 3 after handling the others.
 */
public final class PublishJob implements Job {
  private static final Logger LOG = LoggerFactory.getLogger(PublishJob.class);
  static final String MODELS = "publish.models";
  static final List<String> KNOWN = List.of(CategoryCandidate.MODEL, BudgetCandidate.MODEL, BroadQueryCandidate.MODEL);

  @Override
  public String name() {
    return "publish";
  }

  @Override
  public String description() {
    return "publish the blessed models (category, budget, broad_query) into WAREHOUSE/models (exit 3 if one is not blessed)";
  }

  @Override
  public List<OptionSpec> options() {
    return List.of(OptionSpec.value("model", "NAME", "publish only this model", "every model in " + MODELS));
  }

  @Override
  public void validate(JobContext context) {
    Config c = context.config();
    for (String m : models(context)) {
      switch (m) {
        case CategoryCandidate.MODEL -> CategoryCandidate.validate(c);
        case BroadQueryCandidate.MODEL -> BroadQueryCandidate.validate(c);
        default -> { }
      }
    }
  }

  static List<String> models(JobContext context) {
    List<String> models = context.option("model").map(List::of)
        .orElseGet(() -> Settings.stringList(context.config(), MODELS));
    for (String m : models) {
      if (!KNOWN.contains(m)) {
        throw new UsageException("Cannot publish model '" + m + "': expected one of " + String.join(", ", KNOWN));
      }
    }
    return models;
  }

  @Override
  public JobResult run(JobContext context) {
    Warehouse w = Warehouse.of(context);
    String ds = context.runDate().toString();
    Config c = context.config();
    ModelRegistry registry = ModelRegistry.open(w.root(), w.spark().sparkContext().hadoopConfiguration());
    Publisher publisher = new Publisher(registry, w.spark().sparkContext().hadoopConfiguration(), ds);
    JobResult.Builder result = JobResult.builder(name());
    List<String> refused = new ArrayList<>();
    for (String m : models(context)) {
      context.stage("publish " + m);
      try {
        Optional<Candidate> candidate = switch (m) {
          case CategoryCandidate.MODEL -> CategoryCandidate.find(w, ds, c);
          case BudgetCandidate.MODEL -> BudgetCandidate.find(w, context.runDate(), c);
          case BroadQueryCandidate.MODEL -> BroadQueryCandidate.find(w, ds, c);
          default -> throw new IllegalStateException(m);
        };
        if (candidate.isEmpty()) {
          LOG.warn("Nothing to publish for {}: no {} model on or before {}", m, m, ds);
          result.metric(m, "absent");
          continue;
        }
        Publisher.Outcome o = publisher.publish(candidate.get());
        result.metric(m, o.summary());
        if (o.status() == Publisher.Status.NOT_BLESSED) {
          refused.add(m + " (" + String.join("; ", o.reasons()) + ")");
        }
      } catch (IOException e) {
        throw new JobFailedException("Cannot publish " + m + " into " + registry.root() + ": " + e.getMessage(), e);
      }
    }
    if (!refused.isEmpty()) {
      result.metric("not_blessed", "\"" + String.join("; ", refused) + "\"").exitCode(ExitCodes.NOT_BLESSED);
    }
    return result.build();
  }
}
