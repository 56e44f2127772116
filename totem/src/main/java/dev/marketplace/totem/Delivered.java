package dev.marketplace.totem;

/**
 * A command delivered in the agreed total order. Immutable record, thread-safe (do not mutate
 * the command array).
 *
 * @param position global position (0-based, contiguous across the cluster's lifetime)
 * @param sender member that broadcast it
 * @param incarnation the sender's incarnation (0 = bootstrap run, random after a restart)
 * @param localSeq the sender's local sequence number (1-based per incarnation)
 * @param command the bytes given to {@link TotemCore#broadcast}
 */
public record Delivered(long position, int sender, long incarnation, long localSeq,
    byte[] command) {}
