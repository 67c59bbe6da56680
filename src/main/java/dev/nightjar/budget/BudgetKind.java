package dev.nightjar.budget;

import com.typesafe.config.Config;
import dev.nightjar.model.Candidate;
import dev.nightjar.model.Endpoint;
import dev.nightjar.model.ModelKind;
import dev.nightjar.model.ParityCheck;
import dev.nightjar.model.SavedModels;
import dev.nightjar.model.ServedVersion;
import dev.nightjar.tables.Warehouse;
import java.io.IOException;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.Optional;

/**
 * The budget models from training to serving: published from {@code train-budget}'s blessed run
 * ({@link BudgetCandidate}), served as their SavedModel with {@code POST /v1/budget} ({@link
 * BudgetEndpoint}), checked by {@link BudgetParity}.
 */
public final class BudgetKind implements ModelKind {
  public static final String NAME = BudgetModels.MODEL;

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Optional<Candidate> candidate(Warehouse warehouse, LocalDate ds, Config config) throws IOException {
    return BudgetCandidate.find(warehouse, ds, config);
  }

  @Override
  public ServedVersion load(Path versionDir, SavedModels savedModels) {
    return BudgetServed.load(versionDir, savedModels);
  }

  @Override
  public List<Endpoint> endpoints(Config config) {
    return List.of(Endpoint.post("/v1/budget", "budget", new BudgetEndpoint(RecommendBudgetJob.Options.from(config))::answer));
  }

  @Override
  public Optional<ParityCheck> parity() {
    return Optional.of(new BudgetParity());
  }
}
