package dev.marketplace.raft.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.marketplace.raft.HardState;
import dev.marketplace.raft.LogEntry;
import dev.marketplace.raft.LogStorage;
import dev.marketplace.raft.SnapshotMeta;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The {@link LogStorage} contract, run against every implementation (one subclass each, in the
 * style of sofa-jraft's BaseLogStorageTest). Subclasses say how to open a fresh storage and how to
 * "restart" one: reopen it from what was made durable.
 */
abstract class LogStorageContractTest {

  protected LogStorage storage;

  /** A fresh, empty storage. */
  protected abstract LogStorage open() throws Exception;

  /** Closes {@code old} and returns what a restarted node would find (only durable state). */
  protected abstract LogStorage restart(LogStorage old) throws Exception;

  @BeforeEach
  void setUp() throws Exception {
    storage = open();
  }

  @AfterEach
  void tearDown() throws Exception {
    storage.close();
  }

  static LogEntry entry(long index, long term) {
    return new LogEntry(index, term, ("e" + index + "t" + term).getBytes());
  }

  static LogEntry entry(long index, long term, int size) {
    byte[] data = new byte[size];
    new Random(index * 31 + term).nextBytes(data);
    return new LogEntry(index, term, data);
  }

  static List<LogEntry> range(long from, long to, long term) {
    List<LogEntry> es = new ArrayList<>();
    for (long i = from; i < to; i++) es.add(entry(i, term));
    return es;
  }

  private void restart() throws Exception {
    storage = restart(storage);
  }

  @Test
  void emptyStorageStartsAtIndexOneWithInitialState() {
    assertThat(storage.firstIndex()).isEqualTo(1);
    assertThat(storage.lastIndex()).isEqualTo(0);
    assertThat(storage.term(0)).isEqualTo(0);
    assertThat(storage.hardState()).isEqualTo(HardState.INITIAL);
    assertThat(storage.snapshot()).isEqualTo(SnapshotMeta.NONE);
    assertThat(storage.entries(1, 1, Long.MAX_VALUE)).isEmpty();
  }

  @Test
  void emptySnapshotDataWhenNoSnapshot() throws Exception {
    assertThat(storage.snapshotData()).isEmpty();
  }

  @Test
  void appendedEntriesReadBackInOrder() throws Exception {
    storage.append(range(1, 11, 1));
    storage.append(range(11, 21, 2));
    assertThat(storage.firstIndex()).isEqualTo(1);
    assertThat(storage.lastIndex()).isEqualTo(20);
    assertThat(storage.entries(1, 21, Long.MAX_VALUE))
        .containsExactlyElementsOf(concat(range(1, 11, 1), range(11, 21, 2)));
    assertThat(storage.entries(5, 8, Long.MAX_VALUE)).containsExactlyElementsOf(range(5, 8, 1));
    assertThat(storage.entries(7, 7, Long.MAX_VALUE)).isEmpty();
  }

  @Test
  void termLookupsCoverEveryEntryAndTheSnapshotIndex() throws Exception {
    storage.append(range(1, 4, 1));
    storage.append(range(4, 6, 3));
    assertThat(storage.term(0)).isEqualTo(0);
    assertThat(storage.term(3)).isEqualTo(1);
    assertThat(storage.term(4)).isEqualTo(3);
    assertThat(storage.term(5)).isEqualTo(3);
    assertThatThrownBy(() -> storage.term(6)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> storage.term(-1)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void appendAtOrBelowLastIndexOverwritesTheSuffix() throws Exception {
    storage.append(range(1, 11, 1));
    storage.append(List.of(entry(6, 2), entry(7, 2)));
    assertThat(storage.lastIndex()).isEqualTo(7);
    assertThat(storage.entries(1, 8, Long.MAX_VALUE))
        .containsExactlyElementsOf(concat(range(1, 6, 1), List.of(entry(6, 2), entry(7, 2))));
    assertThat(storage.term(7)).isEqualTo(2);
    // Overwrite from the very first entry.
    storage.append(List.of(entry(1, 3)));
    assertThat(storage.lastIndex()).isEqualTo(1);
    assertThat(storage.entries(1, 2, Long.MAX_VALUE)).containsExactly(entry(1, 3));
  }

  @Test
  void overwrittenSuffixStaysOverwrittenAfterRestart() throws Exception {
    storage.append(range(1, 11, 1));
    storage.sync();
    storage.append(List.of(entry(4, 2)));
    storage.sync();
    restart();
    assertThat(storage.lastIndex()).isEqualTo(4);
    assertThat(storage.entries(1, 5, Long.MAX_VALUE))
        .containsExactlyElementsOf(concat(range(1, 4, 1), List.of(entry(4, 2))));
  }

  @Test
  void appendLeavingAGapOrBelowFirstIndexIsRejected() throws Exception {
    storage.append(range(1, 4, 1));
    assertThatThrownBy(() -> storage.append(List.of(entry(6, 1))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("gap");
    assertThatThrownBy(() -> storage.append(List.of(entry(4, 1), entry(6, 1))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("consecutive");
    assertThatThrownBy(() -> storage.append(List.of(entry(4, 0))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("term");
    storage.saveSnapshot(new SnapshotMeta(2, 1, List.of(1)), new byte[] {1});
    assertThatThrownBy(() -> storage.append(List.of(entry(2, 1))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("below first index");
    // A rejected append changed nothing.
    assertThat(storage.lastIndex()).isEqualTo(3);
    assertThat(storage.entries(3, 4, Long.MAX_VALUE)).containsExactly(entry(3, 1));
  }

  @Test
  void entriesOutsideTheHeldRangeAreRejected() throws Exception {
    storage.append(range(1, 4, 1));
    assertThatThrownBy(() -> storage.entries(0, 2, 100))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> storage.entries(2, 6, 100))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> storage.entries(3, 2, 100))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void maxBytesLimitsTheDataReturnedButAlwaysAtLeastOneEntry() throws Exception {
    List<LogEntry> es = new ArrayList<>();
    for (long i = 1; i <= 10; i++) es.add(entry(i, 1, 100));
    storage.append(es);
    assertThat(storage.entries(1, 11, 0)).containsExactly(es.get(0));
    assertThat(storage.entries(1, 11, 99)).containsExactly(es.get(0));
    assertThat(storage.entries(1, 11, 100)).containsExactly(es.get(0));
    assertThat(storage.entries(1, 11, 299)).containsExactlyElementsOf(es.subList(0, 2));
    assertThat(storage.entries(1, 11, 300)).containsExactlyElementsOf(es.subList(0, 3));
    assertThat(storage.entries(4, 11, 350)).containsExactlyElementsOf(es.subList(3, 6));
    assertThat(storage.entries(1, 11, 1000)).containsExactlyElementsOf(es);
    assertThat(storage.entries(1, 5, 1000)).containsExactlyElementsOf(es.subList(0, 4));
  }

  @Test
  void emptyDataEntriesAreHeld() throws Exception {
    storage.append(List.of(new LogEntry(1, 1, new byte[0]), entry(2, 1)));
    assertThat(storage.entries(1, 3, 0)).containsExactly(new LogEntry(1, 1, new byte[0]));
    assertThat(storage.entries(1, 3, 100)).hasSize(2);
  }

  @Test
  void hardStateRoundTripsAndSurvivesRestartAfterSync() throws Exception {
    storage.saveHardState(new HardState(3, 2));
    assertThat(storage.hardState()).isEqualTo(new HardState(3, 2));
    storage.sync();
    storage.saveHardState(new HardState(4, -1));
    storage.sync();
    restart();
    assertThat(storage.hardState()).isEqualTo(new HardState(4, -1));
  }

  @Test
  void syncedEntriesSurviveRestart() throws Exception {
    storage.append(range(1, 51, 1));
    storage.append(range(51, 101, 2));
    storage.saveHardState(new HardState(2, 1));
    storage.sync();
    restart();
    assertThat(storage.firstIndex()).isEqualTo(1);
    assertThat(storage.lastIndex()).isEqualTo(100);
    assertThat(storage.term(100)).isEqualTo(2);
    assertThat(storage.hardState()).isEqualTo(new HardState(2, 1));
    assertThat(storage.entries(1, 101, Long.MAX_VALUE))
        .containsExactlyElementsOf(concat(range(1, 51, 1), range(51, 101, 2)));
    // And the restarted storage keeps working.
    storage.append(range(101, 103, 2));
    assertThat(storage.lastIndex()).isEqualTo(102);
  }

  @Test
  void snapshotCompactsThePrefixAndKeepsMatchingEntriesAfterIt() throws Exception {
    storage.append(range(1, 21, 1));
    SnapshotMeta meta = new SnapshotMeta(10, 1, List.of(1, 2, 3));
    storage.saveSnapshot(meta, new byte[] {9, 8, 7});
    assertThat(storage.snapshot()).isEqualTo(meta);
    assertThat(storage.snapshotData()).containsExactly(9, 8, 7);
    assertThat(storage.firstIndex()).isEqualTo(11);
    assertThat(storage.lastIndex()).isEqualTo(20);
    assertThat(storage.term(10)).isEqualTo(1);
    assertThatThrownBy(() -> storage.term(9)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> storage.entries(10, 12, 100))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(storage.entries(11, 21, Long.MAX_VALUE)).containsExactlyElementsOf(range(11, 21, 1));
  }

  @Test
  void snapshotWhoseTermDiffersFromTheLogDiscardsTheWholeLog() throws Exception {
    storage.append(range(1, 21, 1));
    storage.saveSnapshot(new SnapshotMeta(10, 2, List.of(1)), new byte[] {1});
    assertThat(storage.firstIndex()).isEqualTo(11);
    assertThat(storage.lastIndex()).isEqualTo(10);
    assertThat(storage.term(10)).isEqualTo(2);
    storage.append(List.of(entry(11, 2)));
    assertThat(storage.entries(11, 12, 100)).containsExactly(entry(11, 2));
  }

  @Test
  void snapshotBeyondTheLogDiscardsTheWholeLog() throws Exception {
    storage.append(range(1, 6, 1));
    storage.saveSnapshot(new SnapshotMeta(50, 3, List.of(1)), new byte[0]);
    assertThat(storage.firstIndex()).isEqualTo(51);
    assertThat(storage.lastIndex()).isEqualTo(50);
    assertThat(storage.term(50)).isEqualTo(3);
    assertThat(storage.entries(51, 51, 100)).isEmpty();
  }

  @Test
  void olderSnapshotIsRejected() throws Exception {
    storage.append(range(1, 21, 1));
    storage.saveSnapshot(new SnapshotMeta(10, 1, List.of(1)), new byte[0]);
    assertThatThrownBy(() -> storage.saveSnapshot(new SnapshotMeta(5, 1, List.of(1)), new byte[0]))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(storage.snapshot().index()).isEqualTo(10);
  }

  @Test
  void snapshotAndCompactedLogSurviveRestart() throws Exception {
    storage.append(range(1, 31, 1));
    storage.sync();
    storage.saveSnapshot(new SnapshotMeta(20, 1, List.of(1, 2)), new byte[] {42});
    storage.saveSnapshot(new SnapshotMeta(25, 1, List.of(1, 2, 3)), new byte[] {43, 44});
    restart();
    assertThat(storage.snapshot()).isEqualTo(new SnapshotMeta(25, 1, List.of(1, 2, 3)));
    assertThat(storage.snapshotData()).containsExactly(43, 44);
    assertThat(storage.firstIndex()).isEqualTo(26);
    assertThat(storage.lastIndex()).isEqualTo(30);
    assertThat(storage.entries(26, 31, Long.MAX_VALUE)).containsExactlyElementsOf(range(26, 31, 1));
  }

  @Test
  void discardingSnapshotSurvivesRestart() throws Exception {
    storage.append(range(1, 31, 1));
    storage.sync();
    storage.saveSnapshot(new SnapshotMeta(20, 5, List.of(1)), new byte[] {1});
    restart();
    assertThat(storage.firstIndex()).isEqualTo(21);
    assertThat(storage.lastIndex()).isEqualTo(20);
    assertThat(storage.term(20)).isEqualTo(5);
  }

  /**
   * Random appends, overwrites, snapshots and restarts against a simple model. Seeded; the seed is
   * printed on failure. {@code -Dstorage.randomRuns=N} runs more.
   */
  @Test
  void randomOperationsMatchAModel() throws Exception {
    int runs = Integer.getInteger("storage.randomRuns", 3);
    long base = Long.getLong("storage.seed", System.nanoTime());
    for (int r = 0; r < runs; r++) {
      long seed = base + r;
      try {
        storage.close();
        storage = open();
        randomRun(new Random(seed));
      } catch (Throwable t) {
        throw new AssertionError("random run failed, seed=" + seed + ": " + t, t);
      }
    }
  }

  private void randomRun(Random rnd) throws Exception {
    TreeMap<Long, LogEntry> model = new TreeMap<>();
    long snapIndex = 0;
    long snapTerm = 0;
    long term = 1;
    for (int step = 0; step < 300; step++) {
      long last = model.isEmpty() ? snapIndex : model.lastKey();
      int op = rnd.nextInt(100);
      if (op < 60) {
        long from = last + 1;
        if (rnd.nextInt(4) == 0 && last > snapIndex) {
          from = snapIndex + 1 + rnd.nextInt((int) (last - snapIndex));
          term++;
        }
        int n = 1 + rnd.nextInt(20);
        List<LogEntry> es = new ArrayList<>();
        for (int k = 0; k < n; k++) es.add(entry(from + k, term, rnd.nextInt(300)));
        storage.append(es);
        model.tailMap(from, true).clear();
        for (LogEntry e : es) model.put(e.index(), e);
      } else if (op < 75) {
        storage.sync();
      } else if (op < 80 && last > snapIndex) {
        long idx = snapIndex + 1 + rnd.nextInt((int) (last - snapIndex));
        long t = rnd.nextInt(5) == 0 ? term + 1 : model.get(idx).term();
        storage.saveSnapshot(new SnapshotMeta(idx, t, List.of(1)), new byte[] {(byte) idx});
        if (t == model.get(idx).term() && idx < last) {
          model.headMap(idx, true).clear();
        } else {
          model.clear();
        }
        snapIndex = idx;
        snapTerm = t;
        term = Math.max(term, t);
      } else if (op < 85) {
        storage.sync();
        restart();
      } else {
        if (last >= snapIndex + 1) {
          long from = snapIndex + 1 + rnd.nextInt((int) (last - snapIndex));
          long to = from + rnd.nextInt((int) (last - from + 2));
          long max = rnd.nextInt(2000);
          List<LogEntry> got = storage.entries(from, to, max);
          List<LogEntry> want = new ArrayList<>();
          long bytes = 0;
          for (LogEntry e : model.subMap(from, true, to, false).values()) {
            bytes += e.data().length;
            if (!want.isEmpty() && bytes > max) break;
            want.add(e);
          }
          assertThat(got).containsExactlyElementsOf(want);
        }
      }
      long wantLast = model.isEmpty() ? snapIndex : model.lastKey();
      assertThat(storage.lastIndex()).as("lastIndex at step " + step).isEqualTo(wantLast);
      assertThat(storage.firstIndex()).isEqualTo(snapIndex + 1);
      assertThat(storage.term(snapIndex)).isEqualTo(snapTerm);
      if (!model.isEmpty()) {
        long probe = model.firstKey() + rnd.nextInt(model.size());
        assertThat(storage.term(probe)).isEqualTo(model.get(probe).term());
      }
    }
    storage.sync();
    restart();
    List<LogEntry> all =
        storage.entries(storage.firstIndex(), storage.lastIndex() + 1, Long.MAX_VALUE);
    assertThat(all).containsExactlyElementsOf(model.values());
  }

  static List<LogEntry> concat(List<LogEntry> a, List<LogEntry> b) {
    List<LogEntry> out = new ArrayList<>(a);
    out.addAll(b);
    return out;
  }
}
