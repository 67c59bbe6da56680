package dev.nightjar.model;

import dev.nightjar.savedmodel.SavedModelServable;
import java.util.Optional;

/**
 * One registry version as the service holds it: its SavedModel for TF Serving's API (none for a
 * lookup table) and whatever its kind's endpoints use. Closed once, when retired and idle: closing
 * it closes the SavedModel, which its scorers share.
 */
@FunctionalInterface
public interface ServedVersion extends AutoCloseable {
  /** The version's SavedModel, or null when it has none. */
  SavedModelServable bundle();

  default Optional<SavedModelServable> savedModel() {
    return Optional.ofNullable(bundle());
  }

  @Override
  default void close() {
    if (bundle() != null) {
      bundle().close();
    }
  }

  /** A version that is only a SavedModel (a model with no kind of its own, served through TF Serving's API). */
  static ServedVersion of(SavedModelServable savedModel) {
    return () -> savedModel;
  }
}
