package dev.marketplace.raft;

/**
 * A state machine snapshot with its bytes. Immutable (do not modify {@code data}).
 *
 * @param meta index/term the snapshot covers
 * @param data the state machine's serialized state
 */
public record Snapshot(SnapshotMeta meta, byte[] data) {
  public Snapshot {
    if (meta == null || data == null) throw new IllegalArgumentException("null snapshot part");
  }
}
