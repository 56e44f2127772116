package dev.marketplace.raft.storage;

import dev.marketplace.raft.HardState;
import dev.marketplace.raft.LogEntry;
import dev.marketplace.raft.SnapshotMeta;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The child process of {@link SegmentedLogStorageCrashTest}: opens the storage in {@code args[0]},
 * then appends and syncs random-sized batches forever, printing {@code synced <lastIndex>
 * <termOfLast> <hardStateTerm>} after each sync returned. Now and then it also overwrites a suffix
 * with a higher term (printing {@code truncate <index>} first), saves a hard state and a snapshot
 * (which compacts). The parent kills it at a random moment. Entry contents are a pure function of index and term ({@link #expected}), so the
 * parent can check every surviving entry.
 */
public final class CrashChild {
  private CrashChild() {}

  /** Segment size used by the child and the parent's reopen: small, so the child rolls often. */
  static final long SEGMENT_BYTES = 16 << 10;

  static LogEntry expected(long index, long term) {
    byte[] data = new byte[(int) (index * 7 % 300)];
    new Random(index * 1_000_003 + term).nextBytes(data);
    return new LogEntry(index, term, data);
  }

  static byte[] snapshotData(long index) {
    return ("snapshot at " + index).getBytes();
  }

  public static void main(String[] args) throws Exception {
    Random rnd = new Random(Long.parseLong(args[1]));
    try (SegmentedLogStorage s = new SegmentedLogStorage(Path.of(args[0]), SEGMENT_BYTES)) {
      System.out.println("opened " + s.lastIndex());
      long next = s.lastIndex() + 1;
      long term = s.lastIndex() == 0 ? 1 : s.term(s.lastIndex());
      long hsTerm = s.hardState().term();
      while (true) {
        if (rnd.nextInt(20) == 0 && next - 1 > s.snapshot().index() + 1) {
          // A new leader overwrites a suffix: truncation of possibly several segments.
          next = Math.max(s.firstIndex(), next - 1 - rnd.nextInt(300));
          term++;
          System.out.println("truncate " + next); // before: the truncation is durable at once
        }
        int n = 1 + rnd.nextInt(32);
        List<LogEntry> batch = new ArrayList<>(n);
        for (int k = 0; k < n; k++) batch.add(expected(next + k, term));
        s.append(batch);
        next += n;
        if (rnd.nextInt(8) == 0) s.saveHardState(new HardState(next, 1));
        s.sync();
        hsTerm = s.hardState().term();
        System.out.println("synced " + (next - 1) + " " + term + " " + hsTerm);
        if (rnd.nextInt(50) == 0 && next > 200) {
          long at = Math.max(s.snapshot().index(), next - 1 - rnd.nextInt(100));
          s.saveSnapshot(new SnapshotMeta(at, s.term(at), List.of(1, 2, 3)), snapshotData(at));
        }
      }
    }
  }
}
