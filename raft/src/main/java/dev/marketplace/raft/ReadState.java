package dev.marketplace.raft;

/**
 * A ReadIndex read that is now safe to serve: once the local state machine has applied {@code
 * index}, reading it is linearizable (Raft thesis §6.4). Immutable.
 *
 * @param requestId the id given to {@link RaftCore#readIndex(long)}
 * @param index the commit index the read must wait for
 */
public record ReadState(long requestId, long index) {}
