package dev.nightjar.category;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nightjar.model.SavedModels;
import dev.nightjar.model.ServedVersion;
import dev.nightjar.savedmodel.SavedModelServable;
import dev.nightjar.text.Featurization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * A served category version: its SavedModel (shared by TF Serving's API and the {@link
 * CategoryScorer}) and the featurization it was trained with, which turns a request's raw fields
 * into the model's terms.
 */
public record CategoryServed(SavedModelServable bundle, CategoryScorer scorer, Featurization featurization)
    implements ServedVersion {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Loads a version: its featurization first (a version without one is refused), then its SavedModel. */
  static CategoryServed load(Path dir, SavedModels savedModels) {
    Featurization f;
    try {
      f = featurization(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + dir.resolve("metadata.json") + ": " + e.getMessage(), e);
    }
    SavedModelServable sm = savedModels.load(dir);
    try {
      return new CategoryServed(sm, CategoryScorer.of(sm), f);
    } catch (RuntimeException | Error e) {
      sm.close();
      throw e;
    }
  }

  /**
   * The featurization a category version was trained with (its {@code metadata.json}'s {@code
   * training_info.featurization}). A version that records none is refused: its terms would be
   * guessed, and a model scored on terms of another featurization answers wrong categories with
   * no error anywhere.
   */
  static Featurization featurization(Path dir) throws IOException {
    Path meta = dir.resolve("metadata.json");
    if (!Files.isRegularFile(meta)) {
      throw new IllegalArgumentException("Cannot serve category version " + dir + ": expected a metadata.json recording"
          + " the model's featurization (training_info.featurization), found no metadata.json; republish the model");
    }
    JsonNode info = JSON.readTree(meta.toFile()).path("training_info").path("featurization");
    if (!info.isObject()) {
      throw new IllegalArgumentException("Cannot serve category version " + dir + ": expected " + meta
          + " to record the model's featurization (training_info.featurization), found "
          + (info.isMissingNode() ? "none" : info.getNodeType().toString().toLowerCase(Locale.ROOT))
          + "; republish the model with a featurization");
    }
    return Featurization.fromMap(JSON.convertValue(info, Map.class), meta.toString());
  }
}
