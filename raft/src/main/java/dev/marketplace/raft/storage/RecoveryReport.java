package dev.marketplace.raft.storage;

import java.nio.file.Path;
import java.util.List;

/**
 * What {@link SegmentedLogStorage} found and repaired when it opened its directory. A clean open
 * has no {@link #truncations()} and no {@link #notes()}. Immutable, so thread-safe.
 *
 * @param segmentsScanned segment files read and verified
 * @param entriesRecovered entries held after recovery (excluding those below the snapshot)
 * @param truncations torn or corrupt tails cut off the open segment (at most one in practice)
 * @param notes other repairs, e.g. segments deleted because a snapshot covers them
 */
public record RecoveryReport(
    int segmentsScanned, long entriesRecovered, List<Truncation> truncations, List<String> notes) {

  public RecoveryReport {
    truncations = List.copyOf(truncations);
    notes = List.copyOf(notes);
  }

  /** True when nothing had to be dropped or repaired. */
  public boolean clean() {
    return truncations.isEmpty() && notes.isEmpty();
  }

  /** Total bytes cut off by all truncations. */
  public long droppedBytes() {
    return truncations.stream().mapToLong(Truncation::droppedBytes).sum();
  }

  /**
   * One tail cut off a segment file.
   *
   * @param file the segment file
   * @param firstBadOffset byte offset of the first frame that failed to verify; the file now ends
   *     there
   * @param droppedBytes bytes removed (file length before minus {@code firstBadOffset})
   * @param lastValidIndex index of the last entry kept in the log (may be in an earlier segment)
   * @param reason why the frame at {@code firstBadOffset} was rejected
   * @param validFrameFollows true when a frame that verifies (CRC and a later index) was found in
   *     the dropped bytes: the damage was not just a torn tail, and entries that had been synced
   *     may have been lost (a crash cannot produce this unless writes reached disk out of order;
   *     bit rot can). Logged as an error.
   */
  public record Truncation(
      Path file,
      long firstBadOffset,
      long droppedBytes,
      long lastValidIndex,
      String reason,
      boolean validFrameFollows) {}
}
