package dev.marketplace.replica;

/**
 * A command or read barrier could not be served right now (no quorum, not leader and no leader
 * known, not started, closing, replica stopped after a fatal error). Services map it to gRPC
 * UNAVAILABLE; the caller may retry, on this or another replica. Immutable.
 */
public class ReplicationUnavailableException extends RuntimeException {
  public ReplicationUnavailableException(String message) {
    super(message);
  }

  public ReplicationUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
