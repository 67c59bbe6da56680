package dev.nightjar.common;

/**
 * A job that started but refused to finish (too many bad rows, a missing input). The message is
 * meant for the person reading the scheduler's log, so it names the table, the count and a sample.
 */
public class JobFailedException extends RuntimeException {
  private final int exitCode;

  public JobFailedException(String message) {
    this(message, ExitCodes.FAILED);
  }

  public JobFailedException(String message, int exitCode) {
    super(message);
    this.exitCode = exitCode;
  }

  public JobFailedException(String message, Throwable cause) {
    super(message, cause);
    this.exitCode = ExitCodes.FAILED;
  }

  public int exitCode() {
    return exitCode;
  }
}
