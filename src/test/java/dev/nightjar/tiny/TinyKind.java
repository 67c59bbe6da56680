package dev.nightjar.tiny;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.typesafe.config.Config;
import dev.nightjar.common.JobContext;
import dev.nightjar.evaluation.BlessingGate;
import dev.nightjar.http.HttpError;
import dev.nightjar.model.Artifacts;
import dev.nightjar.model.Candidate;
import dev.nightjar.model.Endpoint;
import dev.nightjar.model.ModelKind;
import dev.nightjar.model.ParityCheck;
import dev.nightjar.model.ParityTally;
import dev.nightjar.model.Request;
import dev.nightjar.model.SavedModels;
import dev.nightjar.model.ServedVersion;
import dev.nightjar.savedmodel.SavedModelServable;
import dev.nightjar.tables.Warehouse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The smallest model kind, registered in test scope only ({@code
 * src/test/resources/META-INF/services/dev.nightjar.model.ModelKind}): a "model" that is one number
 * {@code k} in {@code WAREHOUSE/trained/tiny/ds=DATE/k.txt}, blessed when {@code k > 0}, served at
 * {@code GET /v1/tiny?x=N} as {@code y = k * x}, and checked by parity against the trained file.
 * Publish, serving and parity pick it up with no edit anywhere else.
 */
public final class TinyKind implements ModelKind {
  static final String NAME = "tiny";
  static final String FILE = "k.txt";

  static Path trained(Path warehouse, LocalDate ds) {
    return warehouse.resolve("trained/tiny/ds=" + ds);
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Optional<Candidate> candidate(Warehouse w, LocalDate ds, Config config) throws IOException {
    Path dir = trained(Path.of(w.root()), ds);
    if (!Files.isRegularFile(dir.resolve(FILE))) {
      return Optional.empty();
    }
    return Optional.of(new TinyCandidate(ds, dir, read(dir)));
  }

  /** The trained number of one date, as a publish candidate. */
  record TinyCandidate(LocalDate ds, Path dir, double k) implements Candidate {
    @Override
    public String model() {
      return NAME;
    }

    @Override
    public String sourceDate() {
      return ds.toString();
    }

    @Override
    public org.apache.hadoop.fs.Path sourcePath() {
      return new org.apache.hadoop.fs.Path(dir.toUri());
    }

    @Override
    public Map<String, Object> metrics() {
      return Map.of("k", k);
    }

    @Override
    public BlessingGate.Verdict judge(Optional<Map<String, Object>> current) {
      return new BlessingGate.Verdict(k > 0, List.of(k > 0 ? "k = " + k + " > 0" : "k = " + k + " is not above 0"));
    }

    @Override
    public Map<String, Object> details() {
      return Map.of("format", "one number in " + FILE);
    }

    @Override
    public boolean hasSavedModel() {
      return false;
    }

    @Override
    public void writeArtifacts(Artifacts artifacts, org.apache.hadoop.fs.Path draft) throws IOException {
      artifacts.copy(new org.apache.hadoop.fs.Path(sourcePath(), FILE), new org.apache.hadoop.fs.Path(draft, FILE));
    }
  }

  static double read(Path dir) throws IOException {
    return Double.parseDouble(Files.readString(dir.resolve(FILE), StandardCharsets.UTF_8).trim());
  }

  /** A served version: the number. */
  record Served(double k) implements ServedVersion {
    @Override
    public SavedModelServable bundle() {
      return null;
    }
  }

  @Override
  public ServedVersion load(Path versionDir, SavedModels savedModels) throws IOException {
    return new Served(read(versionDir));
  }

  @Override
  public List<Endpoint> endpoints(Config config) {
    return List.of(Endpoint.get("/v1/tiny", "tiny", request -> {
      String x = request.query("x");
      double value;
      try {
        value = Double.parseDouble(x);
      } catch (NullPointerException | NumberFormatException e) {
        throw HttpError.badRequest("Expected /v1/tiny?x=NUMBER, found x = " + x);
      }
      try (Request.Lease<Served> l = request.lease(NAME, Served.class)) {
        return JsonNodeFactory.instance.objectNode().put("y", l.served().k() * value).put("model_version", l.version());
      }
    }));
  }

  @Override
  public Optional<ParityCheck> parity() {
    return Optional.of(new ParityCheck() {
      @Override
      public String diffName() {
        return "max_k_diff";
      }

      @Override
      public ParityTally run(JobContext context, Warehouse w, int rows, double tolerance) throws IOException {
        // The trained number against the one in the current published version.
        Path root = Path.of(w.root());
        ParityTally t = new ParityTally();
        Path current = root.resolve("models/tiny/aliases/current");
        if (!Files.isRegularFile(current)) {
          return t;
        }
        double trained = read(trained(root, context.runDate()));
        double published = read(root.resolve("models/tiny/" + Files.readString(current).trim()));
        t.row();
        t.difference(Math.abs(trained - published));
        if (Math.abs(trained - published) > tolerance) {
          t.miss("trained k = " + trained + ", published k = " + published);
        }
        return t;
      }
    });
  }

}
