package dev.marketplace.productdb.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import dev.marketplace.config.HostPort;
import dev.marketplace.proto.raft.RaftFrame;
import dev.marketplace.proto.raft.RaftPeerGrpc;
import dev.marketplace.proto.raft.StreamSummary;
import dev.marketplace.raft.Role;
import dev.marketplace.raft.node.RaftNode;
import dev.marketplace.raft.node.RaftNodeOptions;
import dev.marketplace.raft.node.RaftStateMachine;
import dev.marketplace.raft.node.RaftTransport;
import dev.marketplace.raft.storage.SegmentedLogStorage;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three {@link RaftNode}s in one JVM talking over {@link GrpcRaftTransport} on loopback with real
 * segmented logs: they elect and replicate, and frames that are unauthenticated or malformed are
 * rejected and counted while the cluster keeps working.
 */
class GrpcRaftTransportTest {
  private static final String KEY = "test-cluster-key-0123456789";
  @TempDir Path dir;
  private final List<HostPort> peers = new ArrayList<>();
  private final RaftNode[] nodes = new RaftNode[3];
  private final GrpcRaftTransport[] transports = new GrpcRaftTransport[3];
  private final RaftPeerServer[] servers = new RaftPeerServer[3];
  private final CountingMachine[] machines = new CountingMachine[3];

  /** Records applied commands; results are positions. */
  static final class CountingMachine implements RaftStateMachine {
    final List<String> commands = new ArrayList<>();
    long last;

    @Override
    public synchronized long lastApplied() {
      return last;
    }

    @Override
    public synchronized List<byte[]> apply(long firstIndex, List<byte[]> cmds) {
      List<byte[]> out = new ArrayList<>();
      for (byte[] c : cmds) {
        last++;
        if (c.length > 0) commands.add(new String(c, StandardCharsets.UTF_8));
        out.add(new byte[] {(byte) last});
      }
      return out;
    }

    @Override
    public StateSnapshot snapshot() {
      throw new UnsupportedOperationException("snapshots off in this test");
    }

    @Override
    public long restore(byte[] data) {
      throw new UnsupportedOperationException("snapshots off in this test");
    }

    synchronized List<String> commands() {
      return List.copyOf(commands);
    }
  }

  @AfterEach
  void stop() {
    for (int i = 0; i < 3; i++) {
      if (nodes[i] != null) nodes[i].close();
    }
    for (int i = 0; i < 3; i++) {
      if (servers[i] != null) servers[i].close();
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private void startAll() throws IOException {
    for (int i = 0; i < 3; i++) peers.add(new HostPort("127.0.0.1", freePort()));
    for (int i = 0; i < 3; i++) {
      machines[i] = new CountingMachine();
      transports[i] = new GrpcRaftTransport(i, peers, KEY);
      servers[i] = RaftPeerServer.start("127.0.0.1", peers.get(i).port(),
          transports[i]);
      nodes[i] = new RaftNode(RaftNodeOptions.defaults(i, 3).withSnapshotEvery(0)
          .withTiming(20, 15, 2), new SegmentedLogStorage(dir.resolve("n" + i)),
          transports[i], machines[i], null);
      nodes[i].start();
    }
  }

  private int awaitLeader() {
    int[] l = {-1};
    await().atMost(Duration.ofSeconds(30)).until(() -> {
      int c = 0;
      for (RaftNode n : nodes) {
        if (n.status().role() == Role.LEADER) {
          c++;
          l[0] = n.id();
        }
      }
      return c == 1;
    });
    return l[0];
  }

  @Test
  void electsAndReplicatesOverAuthenticatedGrpcStreams() throws Exception {
    startAll();
    awaitLeader();
    List<CompletableFuture<byte[]>> fs = new ArrayList<>();
    for (int k = 0; k < 200; k++) {
      fs.add(nodes[k % 3].propose(("w" + k).getBytes(StandardCharsets.UTF_8)));
    }
    for (int k = 0; k < 200; k++) {
      try {
        fs.get(k).get(30, TimeUnit.SECONDS);
      } catch (java.util.concurrent.ExecutionException e) {
        // leadership moved on a busy machine: retry (a retried command may apply twice)
        byte[] cmd = ("w" + k).getBytes(StandardCharsets.UTF_8);
        RaftNode via = nodes[k % 3];
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
            .until(() -> via.propose(cmd).get(5, TimeUnit.SECONDS) != null);
      }
    }
    java.util.Set<String> expected = new java.util.HashSet<>();
    for (int k = 0; k < 200; k++) expected.add("w" + k);
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      assertThat(new java.util.HashSet<>(machines[0].commands())).isEqualTo(expected);
      assertThat(machines[1].commands()).isEqualTo(machines[0].commands());
      assertThat(machines[2].commands()).isEqualTo(machines[0].commands());
    });
    for (GrpcRaftTransport t : transports) {
      assertThat(t.accepted()).isPositive();
      assertThat(t.rejectedUnauthenticated()).isZero();
    }
  }

  @Test
  void rejectsAndCountsForgedAndMalformedFramesWithoutHarm() throws Exception {
    startAll();
    int leader = awaitLeader();
    ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", peers.get(leader).port())
        .usePlaintext().build();
    try {
      CompletableFuture<StreamSummary> summary = new CompletableFuture<>();
      StreamObserver<RaftFrame> out = RaftPeerGrpc.newStub(ch).stream(new StreamObserver<>() {
        @Override
        public void onNext(StreamSummary s) {
          summary.complete(s);
        }

        @Override
        public void onError(Throwable t) {
          summary.completeExceptionally(t);
        }

        @Override
        public void onCompleted() { }
      });
      int other = (leader + 1) % 3;
      byte[] msg = {1, 2, 3, 4, 5, 6, 7, 8};
      FrameAuthenticator wrongKey = new FrameAuthenticator("some-other-cluster-key-xyz");
      // signed with another key
      out.onNext(frame(other, msg, wrongKey.sign(other, msg)));
      // no MAC at all
      out.onNext(RaftFrame.newBuilder().setFrom(other).setMessage(ByteString.copyFrom(msg))
          .build());
      // right key but the MAC is for another sender
      FrameAuthenticator right = new FrameAuthenticator(KEY);
      out.onNext(frame(other, msg, right.sign((other + 1) % 3, msg)));
      // unknown sender, empty message
      out.onNext(frame(9, msg, right.sign(9, msg)));
      out.onNext(frame(other, new byte[0], right.sign(other, new byte[0])));
      // authenticated but not a Raft message: the node counts it as undecodable
      out.onNext(frame(other, msg, right.sign(other, msg)));
      out.onCompleted();
      StreamSummary s = summary.get(10, TimeUnit.SECONDS);
      assertThat(s.getRejected()).isEqualTo(5);
      assertThat(s.getAccepted()).isEqualTo(1);
    } finally {
      ch.shutdownNow();
    }
    assertThat(transports[leader].rejectedUnauthenticated()).isEqualTo(3);
    assertThat(transports[leader].rejectedMalformed()).isEqualTo(2);
    await().atMost(Duration.ofSeconds(10))
        .until(() -> nodes[leader].status().droppedUndecodable() >= 1);
    nodes[leader].propose("after".getBytes(StandardCharsets.UTF_8)).get(10, TimeUnit.SECONDS);
    assertThat(nodes[leader].status().fatal()).isFalse();
  }

  /** Records what a transport hands to its node. */
  static final class Recorder implements RaftTransport.Receiver {
    final List<Integer> from = new java.util.concurrent.CopyOnWriteArrayList<>();
    final List<Integer> lost = new java.util.concurrent.CopyOnWriteArrayList<>();

    @Override
    public void receive(int fromPeer, byte[] message) {
      from.add(fromPeer);
    }

    @Override
    public void peerUnreachable(int peer) {
      lost.add(peer);
    }
  }

  @Test
  void reportsAPeerWhoseConnectionBreaksAndReachesItAgainAfterItsRestart() throws Exception {
    for (int i = 0; i < 2; i++) peers.add(new HostPort("127.0.0.1", freePort()));
    GrpcRaftTransport a = new GrpcRaftTransport(0, peers, KEY);
    GrpcRaftTransport b = new GrpcRaftTransport(1, peers, KEY);
    Recorder atA = new Recorder();
    Recorder atB = new Recorder();
    a.start(atA);
    b.start(atB);
    RaftPeerServer serverA = RaftPeerServer.start("127.0.0.1", peers.get(0).port(), a);
    RaftPeerServer serverB = RaftPeerServer.start("127.0.0.1", peers.get(1).port(), b);
    try {
      // both directions carry traffic: a's stream into b, b's channel to a
      await().atMost(Duration.ofSeconds(10)).until(() -> {
        a.send(1, new byte[] {1});
        b.send(0, new byte[] {2});
        return !atB.from.isEmpty() && !atA.from.isEmpty();
      });
      assertThat(atB.lost).isEmpty();
      // member 0 goes away: its stream into b ends and b's connection to it breaks
      a.close();
      serverA.close();
      await().atMost(Duration.ofSeconds(10)).until(() -> atB.lost.contains(0));
      assertThat(atB.lost).containsOnly(0);
      assertThat(b.peerConnectionsLost()).isPositive();
      // b keeps sending while 0 is down (dropped), then 0 restarts on the same port: b's
      // stream to it reopens and delivers again
      for (int k = 0; k < 50; k++) b.send(0, new byte[] {3});
      GrpcRaftTransport a2 = new GrpcRaftTransport(0, peers, KEY);
      Recorder atA2 = new Recorder();
      a2.start(atA2);
      RaftPeerServer serverA2 = RaftPeerServer.start("127.0.0.1", peers.get(0).port(), a2);
      try {
        await().atMost(Duration.ofSeconds(20)).until(() -> {
          b.send(0, new byte[] {4});
          return atA2.from.contains(1);
        });
      } finally {
        a2.close();
        serverA2.close();
      }
    } finally {
      b.close();
      serverB.close();
      serverA.close();
    }
  }

  private static RaftFrame frame(int from, byte[] msg, byte[] mac) {
    return RaftFrame.newBuilder().setFrom(from).setMessage(ByteString.copyFrom(msg))
        .setMac(ByteString.copyFrom(mac)).build();
  }
}
