package dev.marketplace.raft;

import java.io.IOException;
import java.util.List;

/**
 * Durable storage of one Raft node: hard state, log entries and the latest snapshot's metadata
 * and bytes. Not thread-safe: one thread (the node's I/O worker) owns an instance.
 *
 * <p>Contract (checked by the LogStorage contract test suite for every implementation):
 *
 * <ul>
 *   <li>Nothing written is durable until {@link #sync()} returns; after a crash, a prefix of the
 *       appended entries survives, at least up to the last sync, and never a torn entry.
 *   <li>Entries are contiguous: {@code firstIndex() .. lastIndex()}; {@code firstIndex()} is
 *       {@code snapshot().index() + 1} after compaction.
 *   <li>{@link #append} may overwrite a suffix: appending entry i truncates everything from i on
 *       first.
 * </ul>
 */
public interface LogStorage extends AutoCloseable {

  /** The hard state last saved, or {@link HardState#INITIAL}. */
  HardState hardState();

  /** Saves the hard state (durable after {@link #sync()}). */
  void saveHardState(HardState state) throws IOException;

  /** Index of the first entry held, or snapshot index + 1 when the log is empty. */
  long firstIndex();

  /** Index of the last entry held, or the snapshot index when the log is empty. */
  long lastIndex();

  /** Term of the entry at {@code index}; also answers for the snapshot index. */
  long term(long index);

  /** Entries in [from, to), at most {@code maxBytes} of data but always at least one if any. */
  List<LogEntry> entries(long from, long to, long maxBytes);

  /**
   * Appends consecutive entries; if the first entry's index is at or below {@link #lastIndex()},
   * the log is truncated from that index first.
   */
  void append(List<LogEntry> entries) throws IOException;

  /** Makes every prior write durable (fsync). */
  void sync() throws IOException;

  /** The metadata of the latest snapshot, or {@link SnapshotMeta#NONE}. */
  SnapshotMeta snapshot();

  /** The bytes of the latest snapshot (empty when none). */
  byte[] snapshotData() throws IOException;

  /**
   * Durably stores a snapshot and discards every entry at or below its index (entries after it
   * are kept when they match its term at its index, else the whole log is discarded).
   */
  void saveSnapshot(SnapshotMeta meta, byte[] data) throws IOException;

  @Override
  void close() throws IOException;
}
