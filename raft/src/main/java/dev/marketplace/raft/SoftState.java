package dev.marketplace.raft;

/**
 * Volatile role information reported in a {@link Ready} when it changes. Immutable.
 *
 * @param role this node's role
 * @param leader the known leader id, or -1
 * @param term the current term
 */
public record SoftState(Role role, int leader, long term) {}
