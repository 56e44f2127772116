package dev.marketplace.raft.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.marketplace.raft.Role;
import dev.marketplace.raft.storage.SegmentedLogStorage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real {@link RaftNode}s (event loop, group-committing I/O worker, apply thread, timers) over an
 * in-memory network, each on its own {@link SegmentedLogStorage} in a temp directory: election,
 * replication with forwarding, ReadIndex, restart from disk, snapshot catch-up.
 */
class RaftNodeClusterTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir Path dir;
  private final InMemoryRaftNetwork net = new InMemoryRaftNetwork();
  private RaftNode[] nodes;
  private ListStateMachine[] sms;
  private int n;
  private long snapshotEvery;

  @AfterEach
  void closeAll() {
    if (nodes != null) {
      for (RaftNode node : nodes) if (node != null) node.close();
    }
  }

  private void startCluster(int size, long snapEvery) throws IOException {
    n = size;
    snapshotEvery = snapEvery;
    nodes = new RaftNode[n];
    sms = new ListStateMachine[n];
    for (int i = 0; i < n; i++) {
      sms[i] = new ListStateMachine();
      startNode(i);
    }
  }

  private void startNode(int i) throws IOException {
    RaftNodeOptions o = RaftNodeOptions.defaults(i, n).withTiming(20, 15, 2)
        .withSnapshotEvery(snapshotEvery);
    nodes[i] = new RaftNode(o, new SegmentedLogStorage(dir.resolve("n" + i)), net.transport(i),
        sms[i], null);
    nodes[i].start();
  }

  private int awaitLeader() {
    return awaitLeader(nodes);
  }

  /** Waits (up to 30 s) until exactly one of {@code nodes} (nulls skipped) is leader; its id. */
  static int awaitLeader(RaftNode[] nodes) {
    int[] leader = {-1};
    await().atMost(WAIT).until(() -> {
      int found = -1;
      int count = 0;
      for (RaftNode node : nodes) {
        if (node != null && node.status().role() == Role.LEADER) {
          found = node.id();
          count++;
        }
      }
      leader[0] = found;
      return count == 1;
    });
    return leader[0];
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** Proposes via node {@code via}, retrying while there is no leader or leadership moves. */
  private void write(int via, String cmd) {
    await().atMost(WAIT).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(20))
        .ignoreExceptions().until(() -> {
      nodes[via].propose(bytes(cmd)).get(5, TimeUnit.SECONDS);
      return true;
    });
  }

  /**
   * Waits for every proposal; one that failed because leadership moved (the machine is shared
   * and busy, so an election can happen at any time) is retried through {@link #write}.
   * Returns the results of the proposals that succeeded first time.
   */
  private List<String> settle(List<CompletableFuture<byte[]>> fs, List<String> cmds) {
    List<String> firstTry = new ArrayList<>();
    for (int k = 0; k < fs.size(); k++) {
      try {
        firstTry.add(new String(fs.get(k).get(30, TimeUnit.SECONDS), StandardCharsets.UTF_8));
      } catch (ExecutionException e) {
        assertThat(e.getCause()).isInstanceOf(RaftUnavailableException.class);
        write(k % n, cmds.get(k));
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    }
    return firstTry;
  }

  /** The distinct commands a machine applied (a retried proposal may be applied twice). */
  private Set<String> distinct(int member) {
    return new HashSet<>(sms[member].commands());
  }

  private static Set<String> named(String prefix, int count) {
    Set<String> s = new HashSet<>();
    for (int k = 0; k < count; k++) s.add(prefix + k);
    return s;
  }

  private void awaitSameState(int... members) {
    await().atMost(WAIT).untilAsserted(() -> {
      List<String> first = sms[members[0]].commands();
      for (int m : members) {
        assertThat(sms[m].commands()).isEqualTo(first);
      }
    });
  }

  @Test
  void electsOneLeaderAndAppliesProposalsFromEveryMemberInOneOrder() throws Exception {
    startCluster(3, 0);
    int leader = awaitLeader();
    List<CompletableFuture<byte[]>> fs = new ArrayList<>();
    List<String> cmds = new ArrayList<>();
    for (int k = 0; k < 300; k++) {
      cmds.add("c" + k);
      fs.add(nodes[k % n].propose(bytes("c" + k)));
    }
    List<String> positions = settle(fs, cmds);
    // each future's result is the position its command was applied at: all distinct
    assertThat(positions).doesNotHaveDuplicates();
    awaitSameState(0, 1, 2);
    assertThat(distinct(leader)).isEqualTo(named("c", 300));
    NodeStatus st = nodes[leader].status();
    assertThat(st.commit()).isGreaterThanOrEqualTo(301); // 300 + the leader's no-op
    assertThat(st.fatal()).isFalse();
  }

  @Test
  void concurrentProposalsShareFsyncs() throws Exception {
    startCluster(3, 0);
    int leader = awaitLeader();
    long before = nodes[leader].status().fsyncs();
    long entriesBefore = nodes[leader].status().persistedEntries();
    List<CompletableFuture<byte[]>> fs = new ArrayList<>();
    List<String> cmds = new ArrayList<>();
    for (int k = 0; k < 2000; k++) {
      cmds.add("g" + k);
      fs.add(nodes[leader].propose(bytes("g" + k)));
    }
    settle(fs, cmds);
    long syncs = nodes[leader].status().fsyncs() - before;
    long entries = nodes[leader].status().persistedEntries() - entriesBefore;
    assertThat(entries).isGreaterThanOrEqualTo(2000);
    assertThat(syncs).as("group commit: fsyncs for 2000 queued proposals").isLessThan(entries / 2);
  }

  @Test
  void readIndexOnFollowerSeesEveryWriteAcknowledgedBeforeIt() throws Exception {
    startCluster(3, 0);
    int leader = awaitLeader();
    int follower = (leader + 1) % n;
    for (int k = 0; k < 50; k++) write(leader, "r" + k);
    long commitAtLeader = nodes[leader].status().commit();
    long idx = retrying(() -> nodes[follower].readIndex().get(10, TimeUnit.SECONDS));
    assertThat(idx).isGreaterThanOrEqualTo(commitAtLeader);
    assertThat(nodes[follower].status().applied()).isGreaterThanOrEqualTo(idx);
    assertThat(sms[follower].commands()).contains("r49");
    long leaderIdx = retrying(() -> nodes[leader].readIndex().get(10, TimeUnit.SECONDS));
    assertThat(leaderIdx).isGreaterThanOrEqualTo(commitAtLeader);
  }

  /** Retries a call that fails while leadership moves (a busy shared machine). */
  private static <T> T retrying(java.util.concurrent.Callable<T> call) {
    List<T> out = new ArrayList<>();
    await().atMost(WAIT).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(20))
        .ignoreExceptions().until(() -> out.add(call.call()));
    return out.get(0);
  }

  @Test
  void followerForwardsAndFailsFastWithoutLeader() throws Exception {
    n = 3;
    nodes = new RaftNode[n];
    sms = new ListStateMachine[n];
    sms[0] = new ListStateMachine();
    startNode(0); // alone: can never elect a leader
    assertThatThrownBy(() -> nodes[0].propose(bytes("x")).get(5, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(RaftUnavailableException.class)
        .hasMessageContaining("no leader");
    assertThatThrownBy(() -> nodes[0].readIndex().get(5, TimeUnit.SECONDS))
        .hasCauseInstanceOf(RaftUnavailableException.class);
  }

  @Test
  void restartsFromDiskAndCatchesUpAfterLeaderAndFollowerRestarts() throws Exception {
    startCluster(3, 0);
    int leader = awaitLeader();
    for (int k = 0; k < 100; k++) write(leader, "a" + k);
    int follower = (leader + 1) % n;
    nodes[follower].close();
    for (int k = 0; k < 100; k++) write(leader, "b" + k);
    // restart the follower from its log with a fresh state machine: it replays the whole log
    sms[follower] = new ListStateMachine();
    startNode(follower);
    awaitSameState(0, 1, 2);
    // now restart the leader: a new leader is elected, the old one rejoins from disk
    nodes[leader].close();
    nodes[leader] = null;
    int newLeader = awaitLeader();
    assertThat(newLeader).isNotEqualTo(leader);
    for (int k = 0; k < 50; k++) write(newLeader, "c" + k);
    sms[leader] = new ListStateMachine();
    startNode(leader);
    awaitSameState(0, 1, 2);
    Set<String> expected = named("a", 100);
    expected.addAll(named("b", 100));
    expected.addAll(named("c", 50));
    assertThat(distinct(leader)).isEqualTo(expected);
    assertThat(sms[leader].commands()).startsWith("a0");
  }

  @Test
  void laggingFollowerCatchesUpFromSnapshotAfterCompaction() throws Exception {
    startCluster(3, 40);
    int leader = awaitLeader();
    int lagging = (leader + 1) % n;
    net.isolate(lagging);
    for (int k = 0; k < 200; k++) write(leader, "s" + k);
    await().atMost(WAIT).until(() -> nodes[leader].status().snapshotIndex() >= 120);
    assertThat(nodes[leader].status().logEntries()).isLessThan(200);
    net.heal(lagging);
    awaitSameState(0, 1, 2);
    assertThat(sms[lagging].restores()).isGreaterThanOrEqualTo(1);
    assertThat(nodes[lagging].status().snapshotIndex()).isGreaterThan(0);
    // the snapshot survives a restart: restart the lagging node from disk with an empty machine
    nodes[lagging].close();
    sms[lagging] = new ListStateMachine();
    startNode(lagging);
    for (int k = 0; k < 10; k++) write(leader, "t" + k);
    awaitSameState(0, 1, 2);
    Set<String> expected = named("s", 200);
    expected.addAll(named("t", 10));
    assertThat(distinct(lagging)).isEqualTo(expected);
  }

  @Test
  void undecodableAndMisaddressedMessagesAreCountedNotFatal() throws Exception {
    startCluster(3, 0);
    int leader = awaitLeader();
    RaftTransport rogue = net.transport(7);
    rogue.start((from, msg) -> { });
    rogue.send(leader, new byte[] {1, 2, 3});
    rogue.send(leader, new byte[100]);
    byte[] garbage = new byte[64];
    Arrays.fill(garbage, (byte) 0x55);
    rogue.send(leader, garbage);
    await().atMost(WAIT).until(() -> nodes[leader].status().droppedUndecodable() >= 3);
    write(leader, "still-fine");
    assertThat(nodes[leader].status().fatal()).isFalse();
  }

  @Test
  void applyFailureStopsTheNodeForGoodAndFailsPendingProposals() throws Exception {
    java.util.concurrent.atomic.AtomicInteger fatalCalls =
        new java.util.concurrent.atomic.AtomicInteger();
    ListStateMachine failing = new ListStateMachine() {
      @Override
      public synchronized List<byte[]> apply(long firstIndex, List<byte[]> commands) {
        for (byte[] c : commands) {
          if (new String(c, StandardCharsets.UTF_8).equals("boom")) {
            throw new IllegalStateException("database gone");
          }
        }
        return super.apply(firstIndex, commands);
      }
    };
    RaftNode solo = new RaftNode(RaftNodeOptions.defaults(0, 1).withTiming(10, 10, 2),
        new SegmentedLogStorage(dir.resolve("solo")), net.transport(0), failing,
        e -> fatalCalls.incrementAndGet());
    try {
      solo.start();
      await().atMost(WAIT).until(() -> solo.status().isLeader());
      assertThat(new String(solo.propose(bytes("ok")).get(10, TimeUnit.SECONDS),
          StandardCharsets.UTF_8)).isEqualTo("2"); // position 1 is the leader's no-op
      assertThatThrownBy(() -> solo.propose(bytes("boom")).get(10, TimeUnit.SECONDS))
          .hasCauseInstanceOf(RaftUnavailableException.class);
      await().atMost(WAIT).until(() -> solo.status().fatal());
      assertThat(fatalCalls.get()).isEqualTo(1);
      assertThat(solo.fatalError()).hasMessageContaining("database gone");
      assertThatThrownBy(() -> solo.propose(bytes("after")).get(1, TimeUnit.SECONDS))
          .hasCauseInstanceOf(RaftUnavailableException.class);
      assertThat(failing.commands()).containsExactly("ok");
    } finally {
      solo.close();
    }
  }
}
