package dev.nightjar.search;

import com.typesafe.config.Config;
import dev.nightjar.model.Candidate;
import dev.nightjar.model.Endpoint;
import dev.nightjar.model.ModelKind;
import dev.nightjar.model.SavedModels;
import dev.nightjar.model.ServedVersion;
import dev.nightjar.savedmodel.SavedModelServable;
import dev.nightjar.tables.Warehouse;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.Optional;

/**
 * The broad-query lookup from the entropy job to serving: published from its export ({@link
 * BroadQueryCandidate}), served as an {@link EntropyLookup} (no SavedModel) at {@code GET
 * /v1/broad-query?q=} ({@link BroadQueryEndpoint}).
 */
public final class BroadQueryKind implements ModelKind {
  public static final String NAME = "broad_query";
  /** The lookup file in a broad_query version (the entropy job's export, gzipped). */
  public static final String FILE = "query_entropy.tsv.gz";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public void validate(Config config) {
    BroadQueryCandidate.validate(config);
  }

  @Override
  public Optional<Candidate> candidate(Warehouse warehouse, LocalDate ds, Config config) throws IOException {
    return BroadQueryCandidate.find(warehouse, ds.toString(), config);
  }

  @Override
  public ServedVersion load(Path dir, SavedModels savedModels) throws IOException {
    Path file = dir.resolve(FILE);
    // Either the gzipped file, or a copy of the export directory itself (part-* files and _SUCCESS).
    EntropyLookup lookup = Files.isRegularFile(file) ? EntropyLookup.loadFile(file) : EntropyLookup.load(dir);
    return new Served(lookup);
  }

  @Override
  public List<Endpoint> endpoints(Config config) {
    return List.of(Endpoint.get("/v1/broad-query", "broad_query", BroadQueryEndpoint::answer).withUsage("/v1/broad-query?q="));
  }

  /** A served version: the lookup table alone. */
  public record Served(EntropyLookup lookup) implements ServedVersion {
    /** A table in memory: no SavedModel, nothing to release. */
    @Override
    public SavedModelServable bundle() {
      return null;
    }
  }
}
