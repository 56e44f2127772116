package dev.marketplace.raft.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.marketplace.raft.storage.SegmentedLogStorage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The snapshot policy of {@link RaftNode} (at least {@code snapshotEvery} entries AND at least
 * {@code snapshotRatio} x the last snapshot's size in entry bytes since the last snapshot taken or
 * installed) and the snapshot thread (applying goes on while a snapshot is taken; an install
 * waits for it). Real nodes on {@link SegmentedLogStorage} over an in-memory network, with a state
 * machine whose snapshot size the test sets. Every entry's data is {@link #ENTRY_BYTES} bytes (the
 * payload plus the 12-byte {@link ProposalEnvelope} header); a leader's no-op entry has none.
 */
class SnapshotPolicyTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final int PAYLOAD = 88;
  private static final int ENTRY_BYTES = PAYLOAD + 12;

  @TempDir Path dir;
  private final InMemoryRaftNetwork net = new InMemoryRaftNetwork();
  private RaftNode[] nodes;
  private SizedStateMachine[] sms;

  @AfterEach
  void closeAll() {
    if (sms != null) {
      for (SizedStateMachine sm : sms) if (sm != null) sm.release.countDown();
    }
    if (nodes != null) {
      for (RaftNode node : nodes) if (node != null) node.close();
    }
  }

  /**
   * A state machine counting applied entries whose snapshot is {@code snapshotSize} bytes (the
   * position in the first 8). Its snapshot can be made to block until {@link #release}; it
   * records every position it reported and flags a restore or snapshot that overlaps a snapshot.
   */
  static final class SizedStateMachine implements RaftStateMachine {
    volatile int snapshotSize;
    volatile boolean blockSnapshots;
    final CountDownLatch release = new CountDownLatch(1);
    final CountDownLatch entered = new CountDownLatch(1);
    final AtomicBoolean overlap = new AtomicBoolean();
    private final AtomicBoolean inSnapshot = new AtomicBoolean();
    private final List<Long> reported = new ArrayList<>();
    private long lastApplied;
    private int restores;

    SizedStateMachine(int snapshotSize) {
      this.snapshotSize = snapshotSize;
    }

    @Override
    public synchronized long lastApplied() {
      return lastApplied;
    }

    @Override
    public synchronized List<byte[]> apply(long firstIndex, List<byte[]> commands) {
      if (firstIndex != lastApplied + 1) {
        throw new IllegalStateException("gap: applied " + lastApplied + ", got " + firstIndex);
      }
      List<byte[]> out = new ArrayList<>();
      for (byte[] c : commands) {
        lastApplied++;
        out.add(new byte[0]);
      }
      return out;
    }

    @Override
    public StateSnapshot snapshot() {
      if (!inSnapshot.compareAndSet(false, true)) overlap.set(true);
      try {
        long at;
        synchronized (this) {
          at = lastApplied; // a consistent state at one applied position
        }
        entered.countDown();
        if (blockSnapshots) {
          try {
            if (!release.await(60, TimeUnit.SECONDS)) throw new IllegalStateException("no release");
          } catch (InterruptedException e) {
            throw new IllegalStateException(e);
          }
        }
        byte[] data = new byte[Math.max(8, snapshotSize)];
        ByteBuffer.wrap(data).putLong(at);
        synchronized (this) {
          reported.add(at);
        }
        return new StateSnapshot(at, data);
      } finally {
        inSnapshot.set(false);
      }
    }

    @Override
    public long restore(byte[] data) {
      if (inSnapshot.get()) overlap.set(true);
      synchronized (this) {
        lastApplied = ByteBuffer.wrap(data).getLong();
        restores++;
        return lastApplied;
      }
    }

    synchronized List<Long> reported() {
      return List.copyOf(reported);
    }

    synchronized int restores() {
      return restores;
    }
  }

  private void start(int size, long every, double ratio, int snapshotSize) throws IOException {
    nodes = new RaftNode[size];
    sms = new SizedStateMachine[size];
    for (int i = 0; i < size; i++) {
      sms[i] = new SizedStateMachine(snapshotSize);
      RaftNodeOptions o = RaftNodeOptions.defaults(i, size).withTiming(20, 15, 2)
          .withSnapshotEvery(every).withSnapshotRatio(ratio);
      nodes[i] = new RaftNode(o, new SegmentedLogStorage(dir.resolve("n" + i)),
          net.transport(i), sms[i], null);
      nodes[i].start();
    }
  }

  private int awaitLeader() {
    return RaftNodeClusterTest.awaitLeader(nodes);
  }

  /** Consecutive snapshot positions are at least {@code gap} entries apart. */
  private static void assertGapsAtLeast(List<Long> positions, long gap) {
    for (int i = 1; i < positions.size(); i++) {
      assertThat(positions.get(i) - positions.get(i - 1)).as("gap before snapshot %d", i)
          .isGreaterThanOrEqualTo(gap);
    }
  }

  /** Writes {@code count} entries one after another through {@code via}, retrying failures. */
  private void writeSequentially(int via, int count) {
    for (int k = 0; k < count; k++) {
      await().atMost(WAIT).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(20))
          .ignoreExceptions().until(() -> {
        nodes[via].propose(new byte[PAYLOAD]).get(5, TimeUnit.SECONDS);
        return true;
      });
    }
  }

  @Test
  void snapshotWaitsForTheEntryCountAndTheSizeRatio() throws Exception {
    start(1, 10, 1.0, 40 * ENTRY_BYTES);
    awaitLeader();
    writeSequentially(0, 200);
    List<Long> p = sms[0].reported();
    System.out.println("ratio 1.0: snapshots at " + p);
    // the first needs the entry count alone (no snapshot yet); every later one at least 40
    // entries of ENTRY_BYTES (= the last snapshot's size), more than the count of 10
    assertThat(p).isNotEmpty();
    assertThat(p.get(0)).isGreaterThanOrEqualTo(10);
    assertGapsAtLeast(p, 40);
    assertThat(p.size()).isGreaterThanOrEqualTo(3);
    long last = p.get(p.size() - 1);
    await().atMost(WAIT).until(() -> nodes[0].status().snapshotIndex() == last);
    assertThat(nodes[0].snapshotsTaken()).isEqualTo(p.size());
  }

  @Test
  void ratioZeroLeavesTheEntryCountAlone() throws Exception {
    // the control for the test above: the same load and snapshot size with ratio 0 snapshots
    // about every 10 entries, so the wide gaps there come from the size rule
    start(1, 10, 0, 40 * ENTRY_BYTES);
    awaitLeader();
    writeSequentially(0, 200);
    List<Long> p = sms[0].reported();
    System.out.println("ratio 0: snapshots at " + p);
    assertGapsAtLeast(p, 10);
    assertThat(p.size()).isGreaterThan(200 / 40 + 1);
  }

  @Test
  void membersSnapshotAtStaggeredThresholds() throws Exception {
    // count 10 scaled by 1 + id/6: members 0, 1, 2 need 10, 11.7, 13.3 entries (unstaggered, all
    // three would snapshot the same log at 10 when it is applied one entry at a time)
    start(3, 10, 0, 8);
    int leader = awaitLeader();
    writeSequentially(leader, 40);
    long upTo = nodes[leader].status().applied();
    for (RaftNode node : nodes) {
      await().atMost(WAIT).until(() -> node.status().applied() >= upTo);
    }
    for (int i = 0; i < 3; i++) {
      SizedStateMachine sm = sms[i];
      await().atMost(WAIT).until(() -> !sm.reported().isEmpty());
      List<Long> p = sm.reported();
      System.out.println("member " + i + ": snapshots at " + p);
      assertThat(p.get(0)).as("member %d", i)
          .isGreaterThanOrEqualTo((long) Math.ceil(10 * (1 + i / 6.0)));
    }
  }

  @Test
  void anInstalledSnapshotIsTheBaselineOfTheRatio() throws Exception {
    int big = 150 * ENTRY_BYTES;
    start(3, 10, 1.0, big);
    int leader = awaitLeader();
    int lagging = (leader + 1) % 3;
    net.isolate(lagging);
    writeSequentially(leader, 30); // the leader snapshots after 10 entries (none yet)
    await().atMost(WAIT).until(() -> nodes[leader].status().snapshotIndex() >= 10);
    net.heal(lagging);
    await().atMost(WAIT).until(() -> sms[lagging].restores() == 1);
    long installed = nodes[lagging].status().snapshotIndex();
    assertThat(installed).isGreaterThanOrEqualTo(10);
    // the lagging member never took a snapshot of its own: without the installed one as the
    // baseline it would snapshot after 10 more entries (the count alone); with it, it needs
    // 150 entries' bytes
    sms[lagging].snapshotSize = 8;
    writeSequentially(leader, 120);
    long upTo = nodes[leader].status().applied();
    await().atMost(WAIT).until(() -> nodes[lagging].status().applied() >= upTo);
    assertThat(sms[lagging].reported()).isEmpty();
    writeSequentially(leader, 90); // member 1 or 2 of 3 needs 175 or 200 (stagger 7/6 or 4/3)
    await().atMost(WAIT).until(() -> !sms[lagging].reported().isEmpty());
    assertThat(sms[lagging].reported().get(0)).isGreaterThanOrEqualTo(installed + 150);
    assertThat(sms[lagging].overlap).isFalse();
  }

  @Test
  void applyingGoesOnWhileASlowSnapshotIsTaken() throws Exception {
    start(1, 10, 0, 64);
    sms[0].blockSnapshots = true;
    awaitLeader();
    writeSequentially(0, 10);
    assertThat(sms[0].entered.await(30, TimeUnit.SECONDS)).isTrue();
    long atSnapshot = nodes[0].status().applied();
    // 100 more writes complete (they are applied) while the snapshot is blocked
    List<CompletableFuture<byte[]>> fs = new ArrayList<>();
    for (int k = 0; k < 100; k++) fs.add(nodes[0].propose(new byte[PAYLOAD]));
    CompletableFuture.allOf(fs.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
    assertThat(sms[0].lastApplied()).isGreaterThanOrEqualTo(atSnapshot + 100);
    assertThat(nodes[0].snapshotsTaken()).isZero();
    assertThat(sms[0].reported()).isEmpty();
    assertThat(nodes[0].status().snapshotIndex()).isZero();
    sms[0].release.countDown();
    // the slow snapshot compacts at the position it reported (behind applied); the next one
    // starts only after it finished (no overlap), and is requested by later applies
    await().atMost(WAIT).until(() -> nodes[0].snapshotsTaken() == 1);
    long first = sms[0].reported().get(0);
    assertThat(first).isLessThan(sms[0].lastApplied());
    await().atMost(WAIT).until(() -> nodes[0].status().snapshotIndex() == first);
    writeSequentially(0, 10);
    await().atMost(WAIT).until(() -> nodes[0].snapshotsTaken() == 2);
    assertThat(sms[0].reported().get(1)).isGreaterThan(first);
    assertThat(sms[0].overlap).isFalse();
    assertThat(nodes[0].fatalError()).isNull();
  }

  @Test
  void anInstallWaitsForTheSnapshotInProgress() throws Exception {
    start(3, 10, 0, 64);
    int leader = awaitLeader();
    int lagging = (leader + 1) % 3;
    sms[lagging].blockSnapshots = true;
    writeSequentially(leader, 15); // >= 10 x the stagger (up to 4/3 for member 2 of 3)
    assertThat(sms[lagging].entered.await(30, TimeUnit.SECONDS)).isTrue();
    net.isolate(lagging);
    long lagEnd = nodes[lagging].status().lastIndex();
    writeSequentially(leader, 40);
    await().atMost(WAIT).until(() -> nodes[leader].status().snapshotIndex() > lagEnd);
    net.heal(lagging);
    // the lagging member receives the leader's snapshot (its log ends before the leader's);
    // its own snapshot is still blocked, so the install must wait for it
    await().atMost(WAIT).until(() -> nodes[lagging].status().snapshotIndex() > lagEnd);
    assertThat(sms[lagging].restores()).isZero();
    sms[lagging].release.countDown();
    await().atMost(WAIT).until(() -> sms[lagging].restores() == 1);
    long target = nodes[leader].status().applied();
    await().atMost(WAIT).until(() -> nodes[lagging].status().applied() >= target);
    assertThat(sms[lagging].overlap).isFalse();
    assertThat(nodes[lagging].fatalError()).isNull();
    // the blocked snapshot was behind the installed one: stale, never compacted to
    assertThat(nodes[lagging].status().snapshotIndex()).isGreaterThan(sms[lagging].reported()
        .get(0));
    assertThat(Arrays.stream(nodes).allMatch(x -> x.fatalError() == null)).isTrue();
  }
}
