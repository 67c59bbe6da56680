package dev.nightjar.model;

import dev.nightjar.savedmodel.SavedModelServable;
import java.nio.file.Path;

/** Loads a version's SavedModel with the serving service's session options and pools. */
@FunctionalInterface
public interface SavedModels {
  SavedModelServable load(Path versionDir);
}
