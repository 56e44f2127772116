package dev.marketplace.totem.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.marketplace.totem.Delivered;
import dev.marketplace.totem.TotemStatus;
import dev.marketplace.totem.WireCodec;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Five {@link TotemNode}s in one JVM over real UDP on loopback (ephemeral ports). */
class TotemNodeUdpTest {
  private static final Duration DEADLINE = Duration.ofSeconds(30);
  private LocalCluster cluster;

  @AfterEach
  void tearDown() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void totalOrderUnderConcurrentBroadcasts() throws Exception {
    cluster = LocalCluster.start(5, TotemNode.Settings.defaults(), true);
    int perMember = 300;
    broadcastConcurrently(List.of(0, 1, 2, 3, 4), perMember, "a");
    awaitAllDelivered(List.of(0, 1, 2, 3, 4), 5 * perMember);
    assertSameOrderAndFifo(List.of(0, 1, 2, 3, 4), 5 * perMember);
  }

  @Test
  void totalOrderWithFivePercentInjectedLoss() throws Exception {
    cluster = LocalCluster.start(5, TotemNode.Settings.defaults().withLoss(0.05, 7), true);
    int perMember = 200;
    broadcastConcurrently(List.of(0, 1, 2, 3, 4), perMember, "l");
    awaitAllDelivered(List.of(0, 1, 2, 3, 4), 5 * perMember);
    assertSameOrderAndFifo(List.of(0, 1, 2, 3, 4), 5 * perMember);
    long drops = 0;
    for (int i = 0; i < 5; i++) {
      drops += cluster.node(i).counters().injectedDrops();
    }
    assertThat(drops).as("injected drops").isPositive();
  }

  @Test
  void closedMemberDoesNotStopTheOthers() throws Exception {
    cluster = LocalCluster.start(5, TotemNode.Settings.defaults(), true);
    broadcastConcurrently(List.of(0, 1, 2, 3, 4), 50, "before");
    awaitAllDelivered(List.of(0, 1, 2, 3, 4), 250);
    // Close the member whose turn is next: slot logSlots is assigned by members[k mod size].
    TotemStatus st = cluster.node(0).status();
    int next = st.members().get((int) (st.logSlots() % st.members().size()));
    cluster.node(next).close();
    List<Integer> live = new ArrayList<>(List.of(0, 1, 2, 3, 4));
    live.remove(Integer.valueOf(next));
    broadcastConcurrently(live, 100, "after");
    awaitAllDelivered(live, 250 + 4 * 100);
    assertSameOrderAndFifo(live, 250 + 4 * 100);
    for (int m : live) {
      assertThat(cluster.node(m).status().members()).doesNotContain(next);
    }
  }

  @Test
  void garbageDatagramsAreDroppedAndCounted() throws Exception {
    cluster = LocalCluster.start(5, TotemNode.Settings.defaults(), true);
    InetSocketAddress target = cluster.addresses().get(0);
    Random r = new Random(11);
    int garbage = 0;
    try (DatagramChannel attacker = DatagramChannel.open()) {
      attacker.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      for (int i = 0; i < 50; i++) { // random bytes of random length
        byte[] b = new byte[r.nextInt(1, 1400)];
        r.nextBytes(b);
        attacker.send(ByteBuffer.wrap(b), target);
        garbage++;
      }
      attacker.send(ByteBuffer.allocate(0), target);
      garbage++;
      // A well-formed datagram of the same cluster signed with another key.
      byte[] forged = new WireCodec(42, "another-key-another-key-0123456789"
          .getBytes(StandardCharsets.UTF_8)).encode(sampleMessage());
      for (int i = 0; i < 10; i++) {
        attacker.send(ByteBuffer.wrap(forged), target);
        garbage++;
      }
    }
    int sentGarbage = garbage;
    await().atMost(DEADLINE).until(() ->
        cluster.node(0).status().counters().droppedTotal() >= sentGarbage);
    assertThat(cluster.node(0).counters().unknownSource()).isGreaterThanOrEqualTo(sentGarbage);
    // Still working.
    broadcastConcurrently(List.of(0, 1, 2, 3, 4), 20, "g");
    awaitAllDelivered(List.of(0, 1, 2, 3, 4), 100);
    assertSameOrderAndFifo(List.of(0, 1, 2, 3, 4), 100);
  }

  @Test
  void oversizedBroadcastIsRejected() throws Exception {
    cluster = LocalCluster.start(5, TotemNode.Settings.defaults(), false);
    CompletableFuture<Long> f =
        cluster.node(1).broadcast(new byte[cluster.node(1).maxCommandBytes() + 1]);
    assertThat(f).failsWithin(DEADLINE);
    assertThat(cluster.node(1).counters().broadcastsRejected()).isEqualTo(1);
  }

  private static dev.marketplace.totem.TotemMessage sampleMessage() {
    // A heartbeat from member 1 in view 0, built through the public message model.
    return new dev.marketplace.totem.TotemMessage(
        new dev.marketplace.totem.TotemMessage.Header(1, 0, 0,
            dev.marketplace.totem.MemberStatus.NORMAL, 0, 0, new long[5]),
        new dev.marketplace.totem.TotemMessage.Heartbeat());
  }

  /** Each listed member broadcasts {@code count} commands "tag/member/i" from its own thread. */
  private void broadcastConcurrently(List<Integer> from, int count, String tag)
      throws Exception {
    List<Thread> threads = new ArrayList<>();
    List<Throwable> errors = new ArrayList<>();
    for (int m : from) {
      Thread t = new Thread(() -> {
        try {
          for (int i = 0; i < count; i++) {
            cluster.node(m).broadcast((tag + "/" + m + "/" + i).getBytes(StandardCharsets.UTF_8))
                .get();
          }
        } catch (Exception e) {
          synchronized (errors) {
            errors.add(e);
          }
        }
      });
      threads.add(t);
      t.start();
    }
    for (Thread t : threads) {
      t.join(DEADLINE.toMillis());
    }
    assertThat(errors).isEmpty();
  }

  private void awaitAllDelivered(List<Integer> members, int count) {
    await().atMost(DEADLINE).until(() ->
        members.stream().allMatch(m -> cluster.delivered(m).size() >= count));
  }

  /** Same sequence everywhere, positions contiguous, each command once, per-sender FIFO. */
  private void assertSameOrderAndFifo(List<Integer> members, int count) {
    List<Delivered> ref = List.copyOf(cluster.delivered(members.get(0)));
    assertThat(ref).hasSize(count);
    for (int m : members) {
      List<Delivered> d = List.copyOf(cluster.delivered(m));
      assertThat(d).hasSize(count);
      for (int i = 0; i < count; i++) {
        assertThat(d.get(i).position()).isEqualTo(i);
        assertThat(new String(d.get(i).command(), StandardCharsets.UTF_8))
            .isEqualTo(new String(ref.get(i).command(), StandardCharsets.UTF_8));
      }
    }
    Set<String> seen = new HashSet<>();
    Map<String, Integer> lastIndex = new HashMap<>();
    for (Delivered d : ref) {
      String s = new String(d.command(), StandardCharsets.UTF_8);
      assertThat(seen.add(s)).as("duplicate " + s).isTrue();
      String[] parts = s.split("/");
      String stream = parts[0] + "/" + parts[1];
      int i = Integer.parseInt(parts[2]);
      assertThat(i).as("FIFO of " + stream).isEqualTo(lastIndex.getOrDefault(stream, -1) + 1);
      lastIndex.put(stream, i);
    }
  }
}
