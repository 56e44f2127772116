package dev.marketplace.raft.node;

/**
 * A proposal or read could not be served now: no leader is known, leadership changed before the
 * outcome was known, the request timed out, or the node is closed or stopped after a fatal error.
 * The caller may retry (proposals carry idempotency keys above this layer). Immutable.
 */
public class RaftUnavailableException extends RuntimeException {
  private final int leaderHint;

  public RaftUnavailableException(String message, int leaderHint) {
    super(message + (leaderHint >= 0 ? " (leader hint: member " + leaderHint + ")" : ""));
    this.leaderHint = leaderHint;
  }

  public RaftUnavailableException(String message, Throwable cause) {
    super(message, cause);
    this.leaderHint = -1;
  }

  /** The member believed to be leader, or -1 when unknown. */
  public int leaderHint() {
    return leaderHint;
  }
}
