package dev.marketplace.payment;

import dev.marketplace.config.ConfigException;
import dev.marketplace.config.HostPort;

/**
 * Settings of the payment server, built once by {@link PaymentServerMain}. Immutable;
 * thread-safe.
 *
 * @param listen where to accept connections (port 0 picks a free one)
 * @param approveProbability probability in [0, 1] that a drawn decision approves
 * @param seed seed of the decision draws, or null for a random seed
 * @param threads HTTP worker threads
 * @param maxReferences how many reference decisions are remembered (LRU)
 */
public record PaymentConfig(
    HostPort listen, double approveProbability, Long seed, int threads, int maxReferences) {

  /** Checks every value; a bad one is a {@link ConfigException} naming its variable. */
  public PaymentConfig {
    if (listen == null) {
      throw new ConfigException("LISTEN (--listen): required");
    }
    if (!(approveProbability >= 0.0 && approveProbability <= 1.0)) {
      throw new ConfigException("APPROVE_PROBABILITY (--approve-probability): must be in [0, 1],"
          + " got " + approveProbability);
    }
    if (threads < 1 || threads > 1000) {
      throw new ConfigException("PAYMENT_THREADS (--payment-threads): must be 1-1000, got " + threads);
    }
    if (maxReferences < 1) {
      throw new ConfigException("PAYMENT_MAX_REFERENCES (--payment-max-references): must be >= 1, got "
          + maxReferences);
    }
  }
}
