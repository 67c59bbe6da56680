package dev.nightjar.category;

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
 * The category classifier from training to serving: published from {@code train-category}'s
 * models ({@link CategoryCandidate}), served as its SavedModel with {@code POST /v1/categorize}
 * ({@link CategorizeEndpoint}), checked by {@link CategoryParity}.
 */
public final class CategoryKind implements ModelKind {
  public static final String NAME = "category";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public void validate(Config config) {
    CategoryCandidate.validate(config);
  }

  @Override
  public Optional<Candidate> candidate(Warehouse warehouse, LocalDate ds, Config config) throws IOException {
    return CategoryCandidate.find(warehouse, ds.toString(), config);
  }

  @Override
  public ServedVersion load(Path versionDir, SavedModels savedModels) {
    return CategoryServed.load(versionDir, savedModels);
  }

  @Override
  public List<Endpoint> endpoints(Config config) {
    return List.of(Endpoint.post("/v1/categorize", "categorize", CategorizeEndpoint::answer));
  }

  @Override
  public Optional<ParityCheck> parity() {
    return Optional.of(new CategoryParity());
  }
}
