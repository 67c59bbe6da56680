package dev.nightjar.serving;

import dev.nightjar.search.EntropyLookup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

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

  private ServedModel(SavedModelServable savedModel, CategoryScorer category, BudgetScorer budget, EntropyLookup broadQuery) {
    this.savedModel = savedModel;
    this.category = category;
    this.budget = budget;
    this.broadQuery = broadQuery;
  }

  /** The slot loader for registry model {@code name}. */
  public static LoadedModel<ServedModel> load(String name, long version, Path dir) throws Exception {
    ServedModel m = switch (name) {
      case BROAD_QUERY -> new ServedModel(null, null, null, loadLookup(dir));
      case CATEGORY -> withSavedModel(dir, sm -> new ServedModel(sm, CategoryScorer.load(dir), null, null));
      case BUDGET -> withSavedModel(dir, sm -> new ServedModel(sm, null, BudgetScorer.load(dir), null));
      default -> withSavedModel(dir, sm -> new ServedModel(sm, null, null, null));
    };
    return new LoadedModel<>(name, version, m, m);
  }

  private interface WithSavedModel {
    ServedModel build(SavedModelServable sm) throws Exception;
  }

  private static ServedModel withSavedModel(Path dir, WithSavedModel f) throws Exception {
    SavedModelServable sm = SavedModelServable.load(dir);
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

  @Override
  public void close() throws Exception {
    List<AutoCloseable> all = new ArrayList<>();
    for (AutoCloseable c : new AutoCloseable[] {category, budget, savedModel}) {
      if (c != null) {
        all.add(c);
      }
    }
    Exception first = null;
    for (AutoCloseable c : all) {
      try {
        c.close();
      } catch (Exception e) {
        first = first == null ? e : first;
      }
    }
    if (first != null) {
      throw first;
    }
  }
}
