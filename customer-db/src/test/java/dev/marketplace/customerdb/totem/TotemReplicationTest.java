package dev.marketplace.customerdb.totem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.marketplace.proto.ReplicaStatus;
import dev.marketplace.totem.node.TotemNode;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Five {@link TotemReplication}s in one JVM over real UDP (and TCP state transfer) on loopback,
 * each with an in-memory fake state machine.
 */
class TotemReplicationTest {
  private static final Duration DEADLINE = Duration.ofSeconds(30);
  private static final byte[] KEY = "totem-replication-test-key-000000".getBytes(
      StandardCharsets.UTF_8);
  private final List<TotemReplication> replicas = new ArrayList<>();
  private final List<MemoryStateMachine> machines = new ArrayList<>();
  /** Each replica's durable "started before" flag (survives a close/start like a database). */
  private final List<AtomicBoolean> started = new ArrayList<>();
  private List<InetSocketAddress> addresses;

  @AfterEach
  void tearDown() {
    for (TotemReplication r : replicas) {
      if (r != null) {
        r.close();
      }
    }
  }

  private void startCluster(double loss) throws IOException {
    addresses = freeAddresses(5);
    for (int i = 0; i < 5; i++) {
      machines.add(new MemoryStateMachine());
      started.add(new AtomicBoolean());
      replicas.add(null);
      startReplica(i, loss);
    }
  }

  private void startReplica(int i, double loss) {
    AtomicBoolean flag = started.get(i);
    StartMarker marker = new StartMarker() {
      @Override
      public boolean startedBefore() {
        return flag.get();
      }

      @Override
      public void recordStart() {
        flag.set(true);
      }
    };
    TotemReplication r = new TotemReplication(
        TotemReplication.Options.of(i, addresses, 9, KEY)
            .withNode(TotemNode.Settings.defaults().withLoss(loss, 100 + i)), null,
        sm -> marker);
    r.start(machines.get(i));
    replicas.set(i, r);
  }

  @Test
  void writesThroughEveryReplicaAreAppliedEverywhereInOneOrder() throws Exception {
    startCluster(0.05);
    List<CompletableFuture<byte[]>> futures = new ArrayList<>();
    List<String> sent = new ArrayList<>();
    for (int k = 0; k < 200; k++) {
      for (int i = 0; i < 5; i++) {
        String c = "w" + i + "-" + k;
        sent.add(c);
        futures.add(replicas.get(i).submit(c.getBytes(StandardCharsets.UTF_8)));
      }
    }
    for (int j = 0; j < futures.size(); j++) {
      String result = new String(futures.get(j).get(30, TimeUnit.SECONDS),
          StandardCharsets.UTF_8);
      assertThat(result).endsWith(":" + sent.get(j));
    }
    await().atMost(DEADLINE).until(() ->
        machines.stream().allMatch(m -> m.applied().size() == sent.size()));
    List<String> ref = machines.get(0).applied();
    assertThat(ref).containsExactlyInAnyOrderElementsOf(sent);
    for (MemoryStateMachine m : machines) {
      assertThat(m.applied()).isEqualTo(ref);
    }
  }

  @Test
  void aWriteAcknowledgedOnOneReplicaIsVisibleAfterABarrierOnAnyOther() throws Exception {
    startCluster(0.05);
    for (int k = 0; k < 30; k++) {
      int origin = k % 5;
      String login = "login-" + k;
      replicas.get(origin).submit(login.getBytes(StandardCharsets.UTF_8))
          .get(30, TimeUnit.SECONDS);
      for (int other = 0; other < 5; other++) {
        replicas.get(other).readBarrier().get(30, TimeUnit.SECONDS);
        assertThat(machines.get(other).contains(login))
            .as("replica " + other + " after barrier sees " + login).isTrue();
      }
    }
  }

  @Test
  void anAcknowledgedWriteWasCommittedDurablyAtItsOrigin() throws Exception {
    startCluster(0.05);
    List<CompletableFuture<byte[]>> writes = new ArrayList<>();
    for (int k = 0; k < 40; k++) {
      writes.add(replicas.get(k % 5).submit(("durable-" + k).getBytes(StandardCharsets.UTF_8)));
    }
    for (int k = 0; k < 40; k++) {
      writes.get(k).get(30, TimeUnit.SECONDS);
      // The census of a whole-cluster restart trusts the origin's durable position.
      assertThat(machines.get(k % 5).appliedDurably("durable-" + k))
          .as("write " + k + " durable at its origin " + (k % 5)).isTrue();
    }
  }

  @Test
  void concurrentBarriersAllComplete() throws Exception {
    startCluster(0);
    List<CompletableFuture<Void>> barriers = new ArrayList<>();
    for (int k = 0; k < 200; k++) {
      barriers.add(replicas.get(k % 5).readBarrier());
    }
    CompletableFuture.allOf(barriers.toArray(CompletableFuture[]::new))
        .get(30, TimeUnit.SECONDS);
    // Markers are shared: far fewer no-ops than barriers were ordered.
    assertThat(machines.get(0).lastApplied()).isBetween(1L, 199L);
  }

  @Test
  void restartedReplicaCatchesUpByStateTransferAndStatusReportsIt() throws Exception {
    startCluster(0);
    for (int k = 0; k < 100; k++) {
      replicas.get(k % 5).submit(("a" + k).getBytes(StandardCharsets.UTF_8));
    }
    replicas.get(0).readBarrier().get(30, TimeUnit.SECONDS);
    await().atMost(DEADLINE).until(() -> machines.get(3).applied().size() == 100);
    replicas.get(3).close();
    List<CompletableFuture<byte[]>> after = new ArrayList<>();
    for (int k = 0; k < 400; k++) {
      int origin = List.of(0, 1, 2, 4).get(k % 4);
      after.add(replicas.get(origin).submit(("b" + k).getBytes(StandardCharsets.UTF_8)));
    }
    for (CompletableFuture<byte[]> f : after) {
      f.get(30, TimeUnit.SECONDS);
    }
    ReplicaStatus st = replicas.get(0).status();
    assertThat(st.getHasQuorum()).isTrue();
    assertThat(st.getMembersList()).containsExactly(0, 1, 2, 4);
    assertThat(st.getMembersList()).contains(st.getLeaderId());
    startReplica(3, 0); // same state machine: restarts at its applied position
    await().atMost(DEADLINE).until(() ->
        machines.get(3).applied().equals(machines.get(0).applied())
            && machines.get(0).applied().size() >= 500);
    assertThat(replicas.get(3).stateTransfers()).isPositive();
    await().atMost(DEADLINE).until(() -> replicas.get(0).status().getMembersCount() == 5);
    // And it takes part again: a write through it is applied everywhere.
    replicas.get(3).submit("c".getBytes(StandardCharsets.UTF_8)).get(30, TimeUnit.SECONDS);
    await().atMost(DEADLINE).until(() ->
        machines.stream().allMatch(m -> m.contains("c")));
    for (MemoryStateMachine m : machines) {
      assertThat(m.applied()).isEqualTo(machines.get(0).applied());
    }
  }

  @Test
  void aReplicaRestartedBeforeItAppliedAnythingRejoinsAsANewIncarnation() throws Exception {
    startCluster(0);
    assertThat(replicas.get(2).node().status().incarnation()).as("first start: bootstrap")
        .isZero();
    replicas.get(2).close();
    startReplica(2, 0); // nothing applied, but it started before: restart, never bootstrap
    assertThat(replicas.get(2).node().status().incarnation()).isNotZero();
    await().atMost(DEADLINE).until(() -> replicas.get(2).status().getHasQuorum()
        && replicas.get(2).status().getMembersCount() == 5);
    replicas.get(2).submit("x".getBytes(StandardCharsets.UTF_8)).get(30, TimeUnit.SECONDS);
    await().atMost(DEADLINE).until(() -> machines.stream().allMatch(m -> m.contains("x")));
  }

  @Test
  void wholeClusterRestartOnTheSameStateMachinesResumes() throws Exception {
    startCluster(0.02);
    for (int k = 0; k < 100; k++) {
      replicas.get(k % 5).submit(("a" + k).getBytes(StandardCharsets.UTF_8));
    }
    replicas.get(4).readBarrier().get(30, TimeUnit.SECONDS);
    for (int i = 0; i < 5; i++) {
      replicas.get(i).close();
    }
    List<String> before = machines.get(4).applied();
    for (int i = 0; i < 5; i++) {
      startReplica(i, 0.02);
    }
    await().atMost(DEADLINE).until(() -> replicas.stream().allMatch(r ->
        r.status().getHasQuorum() && r.status().getMembersCount() == 5));
    for (int i = 0; i < 5; i++) {
      replicas.get(i).submit(("b" + i).getBytes(StandardCharsets.UTF_8)).get(30, TimeUnit.SECONDS);
    }
    await().atMost(DEADLINE).until(() ->
        machines.stream().allMatch(m -> m.applied().size() == machines.get(0).applied().size()
            && m.contains("b0") && m.contains("b4")));
    for (MemoryStateMachine m : machines) {
      assertThat(m.applied()).isEqualTo(machines.get(0).applied());
      assertThat(m.applied().subList(0, before.size())).isEqualTo(before);
    }
  }

  /** Loopback addresses whose port is free for both UDP and TCP (probed, then released). */
  static List<InetSocketAddress> freeAddresses(int n) throws IOException {
    InetAddress lo = InetAddress.getLoopbackAddress();
    List<InetSocketAddress> out = new ArrayList<>();
    while (out.size() < n) {
      try (DatagramChannel ch = DatagramChannel.open()) {
        ch.bind(new InetSocketAddress(lo, 0));
        int port = ((InetSocketAddress) ch.getLocalAddress()).getPort();
        try (ServerSocket s = new ServerSocket()) {
          s.bind(new InetSocketAddress(lo, port));
          out.add(new InetSocketAddress(lo, port));
        } catch (IOException busy) {
          // TCP side taken: try another port
        }
      }
    }
    return out;
  }
}
