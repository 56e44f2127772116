package dev.marketplace.raft.sim;

import dev.marketplace.raft.HardState;
import dev.marketplace.raft.LogEntry;
import dev.marketplace.raft.LogStorage;
import dev.marketplace.raft.SnapshotMeta;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * A simulated disk implementing {@link LogStorage} in memory, with an explicit page cache: writes
 * are visible at once but durable only after {@link #sync()}. {@link #crash} keeps the synced state
 * plus a random prefix of the unsynced writes, cutting the last surviving append at an entry
 * boundary (a torn tail), like a real log whose checksums drop the torn record. Test code; not
 * thread-safe.
 */
final class SimDisk implements LogStorage {

  /** One state of the disk. */
  private static final class Image {
    HardState hs = HardState.INITIAL;
    SnapshotMeta snap = SnapshotMeta.NONE;
    byte[] snapData = new byte[0];
    final ArrayList<LogEntry> log = new ArrayList<>();

    Image copy() {
      Image c = new Image();
      c.hs = hs;
      c.snap = snap;
      c.snapData = snapData;
      c.log.addAll(log);
      return c;
    }

    long lastIndex() {
      return snap.index() + log.size();
    }

    void append(List<LogEntry> ents) {
      if (ents.isEmpty()) return;
      long first = ents.get(0).index();
      if (first > lastIndex() + 1) {
        throw new IllegalStateException("gap: append " + first + " after " + lastIndex());
      }
      while (lastIndex() >= first && !log.isEmpty()) log.remove(log.size() - 1);
      for (LogEntry e : ents) {
        if (e.index() <= snap.index()) continue;
        log.add(e);
      }
    }

    void saveSnapshot(SnapshotMeta meta, byte[] data) {
      LogEntry at = meta.index() > snap.index() && meta.index() <= lastIndex()
          ? log.get((int) (meta.index() - snap.index() - 1)) : null;
      if (at != null && at.term() == meta.term()) {
        log.subList(0, (int) (meta.index() - snap.index())).clear();
      } else {
        log.clear();
      }
      snap = meta;
      snapData = data;
    }
  }

  private sealed interface Op permits SaveHs, Append, SaveSnap {}

  private record SaveHs(HardState hs) implements Op {}

  private record Append(List<LogEntry> entries) implements Op {}

  private record SaveSnap(SnapshotMeta meta, byte[] data) implements Op {}

  private Image durable = new Image();
  private Image current = new Image();
  private final List<Op> pending = new ArrayList<>();
  long syncs;
  long tornCrashes;
  long lostWrites;

  @Override
  public HardState hardState() {
    return current.hs;
  }

  @Override
  public void saveHardState(HardState state) {
    current.hs = state;
    pending.add(new SaveHs(state));
  }

  @Override
  public long firstIndex() {
    return current.snap.index() + 1;
  }

  @Override
  public long lastIndex() {
    return current.lastIndex();
  }

  @Override
  public long term(long index) {
    if (index == current.snap.index()) return current.snap.term();
    if (index < current.snap.index() || index > current.lastIndex()) return -1;
    return current.log.get((int) (index - current.snap.index() - 1)).term();
  }

  @Override
  public List<LogEntry> entries(long from, long to, long maxBytes) {
    List<LogEntry> out = new ArrayList<>();
    long bytes = 0;
    for (long i = Math.max(from, firstIndex()); i < to && i <= lastIndex(); i++) {
      LogEntry e = current.log.get((int) (i - current.snap.index() - 1));
      bytes += e.data().length;
      if (!out.isEmpty() && bytes > maxBytes) break;
      out.add(e);
    }
    return out;
  }

  @Override
  public void append(List<LogEntry> entries) {
    List<LogEntry> copy = List.copyOf(entries);
    current.append(copy);
    pending.add(new Append(copy));
  }

  @Override
  public void sync() {
    for (Op op : pending) applyTo(durable, op);
    pending.clear();
    syncs++;
  }

  @Override
  public SnapshotMeta snapshot() {
    return current.snap;
  }

  @Override
  public byte[] snapshotData() {
    return current.snapData;
  }

  @Override
  public void saveSnapshot(SnapshotMeta meta, byte[] data) {
    current.saveSnapshot(meta, data);
    pending.add(new SaveSnap(meta, data));
  }

  @Override
  public void close() {}

  /** Whether an unsynced append of at least two entries is pending (a tail that can tear). */
  boolean hasTearableTail() {
    for (Op op : pending) if (op instanceof Append a && a.entries().size() >= 2) return true;
    return false;
  }

  /** Number of writes not yet synced. */
  int unsyncedOps() {
    return pending.size();
  }

  /**
   * Simulates power loss: a random prefix of the unsynced writes reaches the platter; if the
   * next one is an append, a random prefix of its entries survives too (the torn record is
   * dropped). Everything else is lost.
   */
  void crash(RandomGenerator rng, boolean loseAllUnsynced) {
    if (loseAllUnsynced) lostWrites += pending.size();
    if (!loseAllUnsynced && !pending.isEmpty()) {
      int keep = rng.nextInt(pending.size() + 1);
      lostWrites += pending.size() - keep;
      for (int i = 0; i < keep; i++) applyTo(durable, pending.get(i));
      if (keep < pending.size() && pending.get(keep) instanceof Append a
          && a.entries().size() > 1) {
        int part = rng.nextInt(a.entries().size());
        if (part > 0) {
          applyTo(durable, new Append(a.entries().subList(0, part)));
          tornCrashes++;
        }
      }
    }
    pending.clear();
    current = durable.copy();
  }

  private static void applyTo(Image img, Op op) {
    if (op instanceof SaveHs s) {
      img.hs = s.hs();
    } else if (op instanceof Append a) {
      img.append(a.entries());
    } else if (op instanceof SaveSnap s) {
      img.saveSnapshot(s.meta(), s.data());
    }
  }
}
