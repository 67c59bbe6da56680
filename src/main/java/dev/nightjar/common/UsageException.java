package dev.nightjar.common;

/** A bad command line or configuration value: the job never started. Exits with status 2. */
public final class UsageException extends RuntimeException {
  public UsageException(String message) {
    super(message);
  }

  public UsageException(String message, Throwable cause) {
    super(message, cause);
  }
}
