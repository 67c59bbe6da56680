package dev.nightjar.model;

import com.typesafe.config.Config;
import dev.nightjar.tables.Warehouse;
import java.io.IOException;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.Optional;

/**
 * One kind of model, from its trained artifacts to the requests it answers: what {@code publish}
 * publishes, what {@code jobs/serve} loads and routes to, and what {@code parity} compares. The
 * generic layers loop over the kinds on the class path ({@link ModelKinds}, a {@link
 * java.util.ServiceLoader}); adding a model is its folder plus one line in {@code
 * META-INF/services/dev.nightjar.model.ModelKind}, never an edit in publish, serving or parity.
 */
public interface ModelKind {
  /** The registry name ({@code WAREHOUSE/models/NAME}): lower case, digits, {@code _}. */
  String name();

  /** Checks this kind's publish settings without touching data (a bad setting fails before any work). */
  default void validate(Config config) {}

  /** The newest candidate for publication on or before {@code ds}, if there is one. */
  Optional<Candidate> candidate(Warehouse warehouse, LocalDate ds, Config config) throws IOException;

  /**
   * Loads one registry version for serving: everything it needs is loaded before it is swapped
   * in. {@code savedModels} loads a SavedModel with the service's session options.
   */
  ServedVersion load(Path versionDir, SavedModels savedModels) throws Exception;

  /** The service's own endpoints for this model (besides TF Serving's API over its SavedModel). */
  default List<Endpoint> endpoints(Config config) {
    return List.of();
  }

  /** Its batch-versus-served comparison, when it has one. */
  default Optional<ParityCheck> parity() {
    return Optional.empty();
  }
}
