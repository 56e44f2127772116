package dev.marketplace.raft.node;

import java.util.List;

/**
 * What a {@link RaftNode} applies committed commands to. The node calls {@link #apply}, {@link
 * #snapshot} and {@link #restore} from its single apply thread, one call at a time; {@link
 * #lastApplied()} is called once at start.
 */
public interface RaftStateMachine {

  /** The durable position of the last applied command (0 when none). */
  long lastApplied();

  /**
   * Applies consecutive commands at positions {@code firstIndex, firstIndex + 1, ...} (with
   * {@code firstIndex == lastApplied + 1}) and returns one result per command. An empty command is
   * a no-op (a new leader's entry) that still advances the position. Must be deterministic.
   *
   * @throws RuntimeException when the commands cannot be applied; the node then stops for good
   */
  List<byte[]> apply(long firstIndex, List<byte[]> commands);

  /** The whole state at the last applied position, and that position. */
  StateSnapshot snapshot();

  /** Replaces the whole state with a snapshot made by {@link #snapshot}; returns its position. */
  long restore(byte[] data);

  /**
   * A state machine snapshot. Immutable (do not modify {@code data}).
   *
   * @param index the position the snapshot reflects
   * @param data the serialized state
   */
  record StateSnapshot(long index, byte[] data) {
    public StateSnapshot {
      if (index < 0 || data == null) throw new IllegalArgumentException("bad snapshot");
    }
  }
}
