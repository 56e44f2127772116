package dev.marketplace.raft.storage;

import dev.marketplace.raft.HardState;
import dev.marketplace.raft.LogEntry;
import dev.marketplace.raft.LogStorage;
import dev.marketplace.raft.SnapshotMeta;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link LogStorage} that keeps everything on the heap. Used by unit tests and by the
 * deterministic simulator. It also remembers what was "durable" at the last {@link #sync()}, so
 * {@link #durableCopy()} can model a crash: the copy holds exactly what a real disk would still
 * hold after the process died (the synced log and hard state, and every saved snapshot).
 *
 * <p>Not thread-safe: one thread owns an instance, as the {@link LogStorage} contract says.
 */
public final class MemoryLogStorage implements LogStorage {

  private HardState hardState = HardState.INITIAL;
  private SnapshotMeta snapshot = SnapshotMeta.NONE;
  private byte[] snapshotData = new byte[0];
  /** Entries firstIndex()..lastIndex(); log.get(k) has index snapshot.index() + 1 + k. */
  private final ArrayList<LogEntry> log = new ArrayList<>();

  // What survives a crash: updated by sync() (log, hard state) and saveSnapshot (snapshot).
  private HardState durableHardState = HardState.INITIAL;
  private final ArrayList<LogEntry> durableLog = new ArrayList<>();
  /** Lowest log position (list index into durableLog) changed since the last sync. */
  private int dirtyFrom = 0;
  private boolean closed;

  /** Creates an empty storage: no entries, {@link HardState#INITIAL}, no snapshot. */
  public MemoryLogStorage() {}

  @Override
  public HardState hardState() {
    checkOpen();
    return hardState;
  }

  @Override
  public void saveHardState(HardState state) {
    checkOpen();
    if (state == null) throw new IllegalArgumentException("hard state must not be null");
    hardState = state;
  }

  @Override
  public long firstIndex() {
    checkOpen();
    return snapshot.index() + 1;
  }

  @Override
  public long lastIndex() {
    checkOpen();
    return snapshot.index() + log.size();
  }

  @Override
  public long term(long index) {
    checkOpen();
    if (index == snapshot.index()) return snapshot.term();
    checkRange(index);
    return log.get(pos(index)).term();
  }

  @Override
  public List<LogEntry> entries(long from, long to, long maxBytes) {
    checkOpen();
    StorageChecks.checkEntriesRange(from, to, firstIndex(), lastIndex());
    List<LogEntry> out = new ArrayList<>();
    long bytes = 0;
    for (long i = from; i < to; i++) {
      LogEntry e = log.get(pos(i));
      bytes += e.data().length;
      if (!out.isEmpty() && bytes > maxBytes) break;
      out.add(e);
    }
    return out;
  }

  @Override
  public void append(List<LogEntry> entries) {
    checkOpen();
    if (entries.isEmpty()) return;
    long first = entries.get(0).index();
    long prevTerm = first - 1 >= snapshot.index() && first - 1 <= lastIndex() ? term(first - 1) : 0;
    StorageChecks.checkAppend(entries, firstIndex(), lastIndex(), prevTerm);
    int p = pos(first);
    if (p < log.size()) log.subList(p, log.size()).clear();
    dirtyFrom = Math.min(dirtyFrom, p);
    log.addAll(entries);
  }

  @Override
  public void sync() {
    checkOpen();
    durableHardState = hardState;
    int from = Math.min(dirtyFrom, durableLog.size());
    durableLog.subList(from, durableLog.size()).clear();
    durableLog.addAll(log.subList(from, log.size()));
    dirtyFrom = log.size();
  }

  @Override
  public SnapshotMeta snapshot() {
    checkOpen();
    return snapshot;
  }

  @Override
  public byte[] snapshotData() {
    checkOpen();
    return snapshotData.clone();
  }

  @Override
  public void saveSnapshot(SnapshotMeta meta, byte[] data) {
    checkOpen();
    StorageChecks.checkSnapshot(meta, data, snapshot);
    // Keep the entries after the snapshot only if the log holds its index with its term.
    int drop = (int) (meta.index() - snapshot.index());
    boolean keep = meta.index() < lastIndex() && meta.term() == term(meta.index());
    // The "disk" applies the same rule to what was synced (what recovery would find there).
    boolean durableKeep =
        keep
            && meta.index() < snapshot.index() + durableLog.size()
            && (drop == 0 || durableLog.get(drop - 1).term() == meta.term());
    if (keep) {
      log.subList(0, drop).clear();
    } else {
      log.clear();
    }
    if (durableKeep) {
      durableLog.subList(0, drop).clear();
      dirtyFrom = Math.max(0, dirtyFrom - drop);
    } else {
      durableLog.clear();
      dirtyFrom = 0;
    }
    snapshot = meta;
    snapshotData = data.clone();
  }

  /**
   * A new storage holding only what a disk would hold after a crash now: the log and hard state
   * as of the last {@link #sync()} and the latest snapshot. This instance is unchanged.
   */
  public MemoryLogStorage durableCopy() {
    checkOpen();
    MemoryLogStorage c = new MemoryLogStorage();
    c.hardState = durableHardState;
    c.durableHardState = durableHardState;
    c.snapshot = snapshot;
    c.snapshotData = snapshotData;
    c.log.addAll(durableLog);
    c.durableLog.addAll(durableLog);
    c.dirtyFrom = durableLog.size();
    return c;
  }

  @Override
  public void close() {
    closed = true;
  }

  private int pos(long index) {
    return (int) (index - snapshot.index() - 1);
  }

  private void checkRange(long index) {
    if (index < firstIndex() || index > lastIndex()) {
      throw new IllegalArgumentException(
          "index " + index + " outside [" + snapshot.index() + ", " + lastIndex() + "]");
    }
  }

  private void checkOpen() {
    if (closed) throw new IllegalStateException("storage is closed");
  }
}
