package dev.marketplace.totem;

/**
 * Action: this member is too far behind (peers trimmed the log it needs); the runtime must copy
 * the state machine of member {@code from} (at that member's delivered position q, which is at
 * least {@code position}) and then call {@link TotemCore#installedState(long)} with q.
 * Immutable, thread-safe.
 *
 * @param from a live member whose state to copy
 * @param position this member's current delivered position
 */
public record StateTransferNeeded(int from, long position) {}
