package dev.nightjar.budget;

import dev.nightjar.model.SavedModels;
import dev.nightjar.model.ServedVersion;
import dev.nightjar.savedmodel.SavedModelServable;
import java.nio.file.Path;

/** A served budget version: its SavedModel, shared by TF Serving's API and the {@link BudgetScorer}. */
public record BudgetServed(SavedModelServable bundle, BudgetScorer scorer) implements ServedVersion {
  static BudgetServed load(Path dir, SavedModels savedModels) {
    SavedModelServable sm = savedModels.load(dir);
    try {
      return new BudgetServed(sm, BudgetScorer.of(sm.bundle()));
    } catch (RuntimeException | Error e) {
      sm.close();
      throw e;
    }
  }
}
