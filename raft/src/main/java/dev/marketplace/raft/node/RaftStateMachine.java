package dev.marketplace.raft.node;

import java.util.List;

/**
 * What a {@link RaftNode} applies committed commands to. The node calls {@link #apply} and {@link
 * #restore} from its single apply thread, one call at a time, and {@link #snapshot} from its
 * snapshot thread: a snapshot may run CONCURRENTLY with {@link #apply} (never with {@link
 * #restore}, and never two snapshots at once). {@link #lastApplied()} is called once at start,
 * and {@link #restore} may also be called then, before any other call.
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

  /**
   * The whole state, consistent at one applied position, and that position. Runs while {@link
   * #apply} may go on, so the position may be behind the last applied one (but never ahead of
   * it, and never behind a position an earlier snapshot reported). The node compacts its log up
   * to the returned position, so the state machine must be durable at least that far when this
   * returns (else a crash could leave it behind a log that no longer holds the entries it lacks;
   * the node then restores the log's snapshot at start, which is correct but costly).
   */
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
