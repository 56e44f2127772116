package dev.marketplace.raft.storage;

import dev.marketplace.raft.LogEntry;
import dev.marketplace.raft.SnapshotMeta;
import java.util.List;

/** Argument checks shared by every {@link dev.marketplace.raft.LogStorage} implementation. */
final class StorageChecks {
  private StorageChecks() {}

  /** Checks that [from, to) is a valid range of held entries (from == to allowed). */
  static void checkEntriesRange(long from, long to, long firstIndex, long lastIndex) {
    if (from > to) throw new IllegalArgumentException("from " + from + " > to " + to);
    if (from < firstIndex || to > lastIndex + 1) {
      throw new IllegalArgumentException(
          "range [" + from + ", " + to + ") outside held entries [" + firstIndex + ", "
              + (lastIndex + 1) + ")");
    }
  }

  /**
   * Checks a batch for {@link dev.marketplace.raft.LogStorage#append}: consecutive indexes,
   * starting inside [firstIndex, lastIndex + 1], terms never decreasing (from {@code prevTerm},
   * the term of the entry before the first one).
   */
  static void checkAppend(List<LogEntry> entries, long firstIndex, long lastIndex, long prevTerm) {
    long first = entries.get(0).index();
    if (first < firstIndex) {
      throw new IllegalArgumentException(
          "append at " + first + " below first index " + firstIndex + " (compacted)");
    }
    if (first > lastIndex + 1) {
      throw new IllegalArgumentException(
          "append at " + first + " leaves a gap after last index " + lastIndex);
    }
    long expect = first;
    long term = prevTerm;
    for (LogEntry e : entries) {
      if (e == null) throw new IllegalArgumentException("null entry in append");
      if (e.index() != expect) {
        throw new IllegalArgumentException(
            "entries not consecutive: expected index " + expect + ", got " + e.index());
      }
      if (e.term() < term) {
        throw new IllegalArgumentException(
            "term decreases at index " + e.index() + ": " + e.term() + " < " + term);
      }
      term = e.term();
      expect++;
    }
  }

  /** Checks a snapshot for saveSnapshot: not older than the current one. */
  static void checkSnapshot(SnapshotMeta meta, byte[] data, SnapshotMeta current) {
    if (meta == null || data == null) {
      throw new IllegalArgumentException("snapshot meta and data must not be null");
    }
    if (meta.index() < current.index()) {
      throw new IllegalArgumentException(
          "snapshot at " + meta.index() + " older than current snapshot at " + current.index());
    }
    if (meta.index() < 0 || meta.term() < 0) {
      throw new IllegalArgumentException("snapshot index/term must be >= 0: " + meta);
    }
  }
}
