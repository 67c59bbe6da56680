package dev.nightjar.model;

import dev.nightjar.evaluation.BlessingGate;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.fs.Path;

/**
 * One model's candidate for publication: where it comes from, how it is judged, and what goes into
 * its version directory. The publisher does the rest (fingerprint, verdict, draft, commit,
 * aliases, checks), the same for every model.
 */
public interface Candidate {
  /** The registry name: {@code category}, {@code budget}, {@code broad_query}. */
  String model();

  /** The run date the source was produced on. */
  String sourceDate();

  /** The directory the artifacts come from; its contents identify the candidate. */
  Path sourcePath();

  /** The metrics recorded in the metadata (and judged by the gate). */
  Map<String, Object> metrics();

  /** The verdict, given the metadata of the {@code current} version if there is one. */
  BlessingGate.Verdict judge(Optional<Map<String, Object>> current);

  /** Model-specific metadata: training date and data, feature size, hash and test vectors, configuration. */
  Map<String, Object> details();

  /** Whether the version holds a TensorFlow SavedModel at its root (most models do; a lookup table does not). */
  default boolean hasSavedModel() {
    return true;
  }

  /**
   * Writes the artifacts into the draft directory. A SavedModel's {@code saved_model.pb} is written
   * last (see {@link Artifacts#writeSparkAndSavedModel}).
   */
  void writeArtifacts(Artifacts artifacts, Path draft) throws IOException;
}
