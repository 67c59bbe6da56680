package dev.nightjar.serving;

import dev.nightjar.search.EntropyLookup;
import dev.nightjar.text.Featurization;
import java.nio.file.Files;
import java.nio.file.Path;
import org.tensorflow.proto.ConfigProto;

/**
 * What one registry version is served as: its SavedModel through the generic TF Serving API, plus
 * the model-specific scorer of the service's own endpoints ({@code category}: {@link
 * CategoryScorer}; {@code budget}: {@link BudgetScorer}; {@code broad_query}: the {@link
 * EntropyLookup}, which has no SavedModel). Everything is loaded before the version is swapped in,
 * and closed together.
 */
public final class ServedModel implements AutoCloseable {
  public static final String CATEGORY = "category";
  public static final String BUDGET = "budget";
  public static final String BROAD_QUERY = "broad_query";
  /** The broad-query lookup file in a broad_query version (the entropy job's export, gzipped). */
  public static final String BROAD_QUERY_FILE = "query_entropy.tsv.gz";

  private final SavedModelServable savedModel;
  private final CategoryScorer category;
  private final BudgetScorer budget;
  private final EntropyLookup broadQuery;
  private Featurization featurization;

  private ServedModel(SavedModelServable savedModel, CategoryScorer category, BudgetScorer budget, EntropyLookup broadQuery) {
    this.savedModel = savedModel;
    this.category = category;
    this.budget = budget;
    this.broadQuery = broadQuery;
  }

  /**
   * The featurization a category version was trained with (its {@code metadata.json}'s {@code
   * training_info.featurization}). A version that records none is refused: its terms would be
   * guessed, and a model scored on terms of another featurization answers wrong categories with
   * no error anywhere.
   */
  static Featurization featurization(Path dir) throws java.io.IOException {
    Path meta = dir.resolve("metadata.json");
    if (!Files.isRegularFile(meta)) {
      throw new IllegalArgumentException("Cannot serve category version " + dir + ": expected a metadata.json recording"
          + " the model's featurization (training_info.featurization), found no metadata.json; republish the model");
    }
    var info = ServingService.JSON.readTree(meta.toFile()).path("training_info").path("featurization");
    if (!info.isObject()) {
      throw new IllegalArgumentException("Cannot serve category version " + dir + ": expected " + meta
          + " to record the model's featurization (training_info.featurization), found "
          + (info.isMissingNode() ? "none" : info.getNodeType().toString().toLowerCase(java.util.Locale.ROOT))
          + "; republish the model with a featurization");
    }
    return Featurization.fromMap(ServingService.JSON.convertValue(info, java.util.Map.class), meta.toString());
  }

  /** The category version's featurization (null for other models). */
  public Featurization featurization() {
    return featurization;
  }

  /**
   * Loads version {@code version} of registry model {@code name} from {@code dir}: the SavedModel
   * once (session options {@code config}; calls over {@code largeValues} input values in its pool
   * for large calls), shared by the generic API and the model's scorer.
   */
  public static LoadedModel<ServedModel> load(String name, long version, Path dir, ConfigProto config, long largeValues)
      throws Exception {
    ServedModel m = switch (name) {
      case BROAD_QUERY -> new ServedModel(null, null, null, loadLookup(dir));
      case CATEGORY -> {
        Featurization f = featurization(dir);
        ServedModel c = withSavedModel(dir, config, largeValues, sm -> new ServedModel(sm, CategoryScorer.of(sm), null, null));
        c.featurization = f;
        yield c;
      }
      case BUDGET -> withSavedModel(dir, config, largeValues, sm -> new ServedModel(sm, null, BudgetScorer.of(sm.bundle()), null));
      default -> withSavedModel(dir, config, largeValues, sm -> new ServedModel(sm, null, null, null));
    };
    return new LoadedModel<>(name, version, m, m);
  }

  private interface WithSavedModel {
    ServedModel build(SavedModelServable sm) throws Exception;
  }

  private static ServedModel withSavedModel(Path dir, ConfigProto config, long largeValues, WithSavedModel f)
      throws Exception {
    SavedModelServable sm = SavedModelServable.load(dir, config, largeValues);
    try {
      return f.build(sm);
    } catch (Exception | Error e) {
      sm.close();
      throw e;
    }
  }

  private static EntropyLookup loadLookup(Path dir) throws java.io.IOException {
    Path file = dir.resolve(BROAD_QUERY_FILE);
    if (Files.isRegularFile(file)) {
      return EntropyLookup.loadFile(file);
    }
    // A copy of the export directory itself (part-* files and _SUCCESS).
    return EntropyLookup.load(dir);
  }

  /** The SavedModel, or null (broad_query). */
  public SavedModelServable savedModel() {
    return savedModel;
  }

  public CategoryScorer category() {
    return category;
  }

  public BudgetScorer budget() {
    return budget;
  }

  public EntropyLookup broadQuery() {
    return broadQuery;
  }

  /** Closes the SavedModel bundle, which the scorers share (so they are not closed apart). */
  @Override
  public void close() {
    if (savedModel != null) {
      savedModel.close();
    }
  }
}
