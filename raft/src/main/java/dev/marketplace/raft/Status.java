package dev.marketplace.raft;

/**
 * A point-in-time view of a {@link RaftCore}, for monitoring and tests. Immutable.
 *
 * @param id node id
 * @param role current role
 * @param term current term
 * @param leader known leader, or -1
 * @param commit commit index
 * @param applied last index the state machine reported applied
 * @param lastIndex last log index
 * @param stableIndex last log index known durable
 * @param snapshotIndex index of the latest snapshot
 * @param droppedMessages messages dropped as invalid or stale-beyond-use
 */
public record Status(int id, Role role, long term, int leader, long commit, long applied,
    long lastIndex, long stableIndex, long snapshotIndex, long droppedMessages) {}
