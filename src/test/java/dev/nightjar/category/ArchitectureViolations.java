package dev.nightjar.category;

/** Classes that break the architecture rules on purpose, for {@code ArchitectureTest} to catch. */
public final class ArchitectureViolations {
  private ArchitectureViolations() {}

  /** A model folder's class using the sample world. */
  public static final class UsesSample {
    Object world() {
      return new dev.nightjar.sample.GenerateSampleJob();
    }
  }

  /** A class using another package's job as a library. */
  public static final class UsesAnotherPackagesJob {
    String name() {
      return new dev.nightjar.text.FeaturizeJob().name();
    }
  }
}
