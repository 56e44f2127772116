package dev.marketplace.raft.node;

import dev.marketplace.raft.Role;

/**
 * A point-in-time view of one {@link RaftNode}, cheap to read from any thread. Immutable.
 *
 * @param id member id
 * @param role current role
 * @param term current term
 * @param leader known leader, or -1
 * @param commit commit index
 * @param applied last index applied to the state machine on this node
 * @param lastIndex last log index
 * @param snapshotIndex index of the latest snapshot (0 when none)
 * @param logEntries entries held in the log after the snapshot
 * @param droppedByCore messages the core dropped as invalid or misaddressed
 * @param droppedUndecodable incoming messages that failed to decode or named the wrong sender
 * @param fsyncs number of fsyncs done (group commits)
 * @param persistedEntries number of entries written to the log
 * @param messagesSent messages handed to the transport (after coalescing)
 * @param messagesReceived messages received from the transport
 * @param fatal true once the node stopped after a storage or apply failure
 */
public record NodeStatus(int id, Role role, long term, int leader, long commit, long applied,
    long lastIndex, long snapshotIndex, long logEntries, long droppedByCore,
    long droppedUndecodable, long fsyncs, long persistedEntries, long messagesSent,
    long messagesReceived, boolean fatal) {

  /** Whether this node is leader. */
  public boolean isLeader() {
    return role == Role.LEADER;
  }
}
