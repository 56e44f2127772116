package dev.marketplace.rest;

import java.time.Duration;

/**
 * How the REST servers call a replicated database: the deadline of one gRPC call, and how long a
 * request keeps retrying on other replicas after UNAVAILABLE / DEADLINE_EXCEEDED before giving up
 * with 503. Immutable.
 */
public record DbSettings(Duration callDeadline, Duration retryBudget) {
  /** 5 s per call, 8 s of retries. */
  public static final DbSettings DEFAULT = new DbSettings(Duration.ofSeconds(5),
      Duration.ofSeconds(8));

  public DbSettings {
    if (callDeadline.isNegative() || callDeadline.isZero()) {
      throw new IllegalArgumentException("callDeadline must be > 0");
    }
    if (retryBudget.isNegative()) {
      throw new IllegalArgumentException("retryBudget must be >= 0");
    }
  }
}
