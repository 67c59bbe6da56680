package dev.nightjar.model;

import dev.nightjar.savedmodel.SavedModelServable;
import java.util.Optional;

/**
 * One registry version as the service holds it: its SavedModel for TF Serving's API (none for a
 * lookup table) and whatever its kind's endpoints use. Closed once, when retired and idle.
 */
public interface ServedVersion extends AutoCloseable {
  Optional<SavedModelServable> savedModel();

  @Override
  void close();

  /** A version that is only a SavedModel (a model with no kind of its own, served through TF Serving's API). */
  static ServedVersion of(SavedModelServable savedModel) {
    return new ServedVersion() {
      @Override
      public Optional<SavedModelServable> savedModel() {
        return Optional.of(savedModel);
      }

      @Override
      public void close() {
        savedModel.close();
      }
    };
  }
}
