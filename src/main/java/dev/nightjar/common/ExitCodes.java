package dev.nightjar.common;

/** Process exit statuses, distinct so a scheduler can tell why a job stopped. */
public final class ExitCodes {
  public static final int OK = 0;
  /** The job ran and failed (bad data over the limit, missing input, a crash). */
  public static final int FAILED = 1;
  /** Unknown job or option, or an invalid value: nothing was read or written. */
  public static final int USAGE = 2;
  /** Everything was written but the trained model is not blessed for publication. */
  public static final int NOT_BLESSED = 3;

  private ExitCodes() {}
}
