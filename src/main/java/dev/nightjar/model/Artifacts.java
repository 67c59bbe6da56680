package dev.nightjar.model;

import java.io.IOException;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/** How a {@link Candidate} fills its draft version (implemented by the publisher). */
public interface Artifacts {
  /** Writes a SavedModel into a new local directory (tensorflow-java writes local files only). */
  @FunctionalInterface
  interface LocalExport {
    void to(java.nio.file.Path dir) throws IOException;
  }

  /** The registry's file system. */
  FileSystem fileSystem();

  /**
   * The usual artifacts of a model version: the Spark model as trained under {@code spark/}, and
   * its SavedModel, exported locally and copied to the draft's root ({@code saved_model.pb} last).
   */
  void writeSparkAndSavedModel(Path sparkModel, Path draft, LocalExport export) throws IOException;

  /** Copies a directory or file of the warehouse into the draft. */
  void copy(Path source, Path target) throws IOException;

  /** Removes a local temporary directory (best effort: it only holds copies). */
  static void deleteLocal(java.nio.file.Path dir) {
    if (dir == null) {
      return;
    }
    try (java.util.stream.Stream<java.nio.file.Path> s = java.nio.file.Files.walk(dir)) {
      s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      org.slf4j.LoggerFactory.getLogger(Artifacts.class).warn("Cannot remove temporary {}: {}", dir, e.getMessage());
    }
  }
}
