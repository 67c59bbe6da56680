package dev.nightjar.publish;

import com.typesafe.config.Config;
import dev.nightjar.common.ExitCodes;
import dev.nightjar.common.Job;
import dev.nightjar.common.JobContext;
import dev.nightjar.common.JobFailedException;
import dev.nightjar.common.JobResult;
import dev.nightjar.common.OptionSpec;
import dev.nightjar.common.Settings;
import dev.nightjar.model.Candidate;
import dev.nightjar.model.ModelKind;
import dev.nightjar.model.ModelKinds;
import dev.nightjar.registry.ModelRegistry;
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

  @Override
  public String name() {
    return "publish";
  }

  @Override
  public String description() {
    return "publish the blessed models (" + MODELS + ") into WAREHOUSE/models (exit 3 if one is not blessed)";
  }

  @Override
  public List<OptionSpec> options() {
    return List.of(OptionSpec.value("model", "NAME", "publish only this model", "every model in " + MODELS));
  }

  @Override
  public void validate(JobContext context) {
    Config c = context.config();
    for (ModelKind k : models(context)) {
      k.validate(c);
    }
  }

  static List<ModelKind> models(JobContext context) {
    List<String> names = context.option("model").map(List::of)
        .orElseGet(() -> Settings.stringList(context.config(), MODELS));
    return names.stream().map(m -> ModelKinds.get(m, "Cannot publish model")).toList();
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
    for (ModelKind kind : models(context)) {
      String m = kind.name();
      context.stage("publish " + m);
      try {
        Optional<Candidate> candidate = kind.candidate(w, context.runDate(), c);
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
