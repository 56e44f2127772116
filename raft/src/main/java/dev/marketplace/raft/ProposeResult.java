package dev.marketplace.raft;

/**
 * Outcome of {@link RaftCore#propose(byte[])}. Immutable.
 *
 * @param status what happened
 * @param index the log index assigned (ACCEPTED only, else 0)
 * @param term the term of that entry (ACCEPTED only, else 0)
 * @param leaderHint the leader this node knows of, or -1
 */
public record ProposeResult(Status status, long index, long term, int leaderHint) {
  /** Kinds of outcome. */
  public enum Status {
    /** Appended to the leader's log at {@code index}; committed later, or lost if leadership is. */
    ACCEPTED,
    /** This node is a follower and sent the proposal to {@code leaderHint} as a message. */
    FORWARDED,
    /** No leader is known; retry later or elsewhere. */
    NO_LEADER
  }

  public boolean accepted() {
    return status == Status.ACCEPTED;
  }
}
