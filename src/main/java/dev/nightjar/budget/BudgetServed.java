package dev.nightjar.budget;

import dev.nightjar.model.SavedModels;
import dev.nightjar.model.ServedVersion;
import dev.nightjar.savedmodel.SavedModelServable;
import java.nio.file.Path;
import java.util.Optional;

/** A served budget version: its SavedModel, shared by TF Serving's API and the {@link BudgetScorer}. */
public final class BudgetServed implements ServedVersion {
  private final SavedModelServable savedModel;
  private final BudgetScorer scorer;

  private BudgetServed(SavedModelServable savedModel, BudgetScorer scorer) {
    this.savedModel = savedModel;
    this.scorer = scorer;
  }

  static BudgetServed load(Path dir, SavedModels savedModels) {
    SavedModelServable sm = savedModels.load(dir);
    try {
      return new BudgetServed(sm, BudgetScorer.of(sm.bundle()));
    } catch (RuntimeException | Error e) {
      sm.close();
      throw e;
    }
  }

  @Override
  public Optional<SavedModelServable> savedModel() {
    return Optional.of(savedModel);
  }

  public BudgetScorer scorer() {
    return scorer;
  }

  @Override
  public void close() {
    savedModel.close();
  }
}
