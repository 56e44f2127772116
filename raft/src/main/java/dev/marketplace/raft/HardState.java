package dev.marketplace.raft;

/**
 * The part of a node's state that must be durable before it answers any message: its current
 * term and the candidate it voted for in that term. Immutable.
 *
 * @param term current term, starting at 0
 * @param votedFor node id voted for in {@code term}, or -1 for none
 */
public record HardState(long term, int votedFor) {
  public static final HardState INITIAL = new HardState(0, -1);
}
