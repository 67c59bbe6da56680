package dev.nightjar.serving;

import dev.nightjar.http.HttpError;
/**
 * The time by which a request must be answered ({@code serving.request-timeout-ms}, counted from
 * when the service accepted it, so time spent waiting in the queue counts). Work checks it between
 * steps (after parsing, per product, per scoring chunk); past it the work is abandoned with a 503.
 */
final class Deadline {
  private final long endNanos;
  private final long timeoutMillis;

  Deadline(long acceptedNanos, long timeoutMillis) {
    this.endNanos = acceptedNanos + timeoutMillis * 1_000_000L;
    this.timeoutMillis = timeoutMillis;
  }

  /** 503 when the deadline has passed; {@code step} says where the work stopped. */
  void check(String step) {
    if (remainingNanos() < 0) {
      throw expired(step);
    }
  }

  long remainingNanos() {
    return endNanos - System.nanoTime();
  }

  /** The 503 of a request abandoned at {@code step}. */
  HttpError expired(String step) {
    return new HttpError(503, "The request was abandoned " + step + ": it took longer than " + timeoutMillis
        + " ms (serving.request-timeout-ms); send fewer or smaller products, or retry later");
  }
}
