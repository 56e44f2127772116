package dev.marketplace.productdb.raft;

import com.google.protobuf.ByteString;
import dev.marketplace.config.HostPort;
import dev.marketplace.proto.raft.RaftFrame;
import dev.marketplace.proto.raft.RaftPeerGrpc;
import dev.marketplace.proto.raft.StreamSummary;
import dev.marketplace.raft.node.RaftTransport;
import dev.marketplace.raft.node.RaftTransport.Receiver;
import io.grpc.BindableService;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link RaftTransport} over gRPC ({@code marketplace.raft.RaftPeer}): one long-lived client
 * stream per peer carries this member's messages, each frame signed with HMAC-SHA256 under the
 * cluster key; {@link #service()} is the receiving side, to be mounted on a gRPC server at this
 * member's peer address. Frames with a bad MAC, an unknown or wrong sender, or an empty or
 * oversized message are dropped and counted, never thrown. A broken stream is reopened on the next
 * send (at most every {@code RECONNECT_MILLIS}); messages sent while a peer is down are lost, which
 * Raft tolerates. A connection that breaks (the peer's incoming stream fails or ends, or the
 * channel to it leaves READY) is reported to the node as {@link Receiver#peerUnreachable}, so a
 * follower whose leader was killed campaigns without waiting out its election timeout.
 * Thread-safe.
 */
public final class GrpcRaftTransport implements RaftTransport {
  private static final Logger log = LoggerFactory.getLogger(GrpcRaftTransport.class);
  /** Largest accepted message (a 64 KiB snapshot chunk or a 256 KiB append is far below). */
  public static final int MAX_MESSAGE_BYTES = 16 << 20;
  private static final long RECONNECT_MILLIS = 50;
  /** Frames written while the stream is not ready before further frames are dropped. */
  private static final int MAX_UNREADY_FRAMES = 4096;

  private final int self;
  private final List<HostPort> peers;
  private final FrameAuthenticator auth;
  private final Peer[] out;
  private volatile Receiver receiver;
  private volatile boolean closed;

  private final AtomicLong accepted = new AtomicLong();
  private final AtomicLong rejectedAuth = new AtomicLong();
  private final AtomicLong rejectedMalformed = new AtomicLong();
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong streamsOpened = new AtomicLong();
  private final AtomicLong peersLost = new AtomicLong();

  /**
   * @param self this member's id (its index in {@code peerAddresses})
   * @param peerAddresses the peer (RaftPeer service) address of every member, by id
   * @param clusterKey the shared cluster key
   */
  public GrpcRaftTransport(int self, List<HostPort> peerAddresses, String clusterKey) {
    if (self < 0 || self >= peerAddresses.size()) {
      throw new IllegalArgumentException("self " + self + " not in 0.." + peerAddresses.size());
    }
    this.self = self;
    this.peers = List.copyOf(peerAddresses);
    this.auth = new FrameAuthenticator(clusterKey);
    this.out = new Peer[peers.size()];
    for (int i = 0; i < out.length; i++) {
      if (i != self) out[i] = new Peer(i, peers.get(i));
    }
  }

  @Override
  public void start(Receiver r) {
    this.receiver = r;
  }

  @Override
  public void send(int peerId, byte[] message) {
    if (closed || peerId < 0 || peerId >= out.length || peerId == self) {
      dropped.incrementAndGet();
      return;
    }
    out[peerId].send(RaftFrame.newBuilder().setFrom(self)
        .setMessage(ByteString.copyFrom(message))
        .setMac(ByteString.copyFrom(auth.sign(self, message))).build());
  }

  /** The receiving side: mount it on a gRPC server at this member's peer address. */
  public BindableService service() {
    return new RaftPeerGrpc.RaftPeerImplBase() {
      @Override
      public StreamObserver<RaftFrame> stream(StreamObserver<StreamSummary> reply) {
        return new StreamObserver<>() {
          long ok;
          long bad;
          boolean ended;
          int sender = -1; // the member whose authenticated frames this stream carried

          @Override
          public void onNext(RaftFrame f) {
            if (ended) return;
            if (closed) { // end the peer's stream so a server shutdown need not wait for it
              ended = true;
              reply.onError(Status.UNAVAILABLE.withDescription("member closing")
                  .asRuntimeException());
              return;
            }
            if (accept(f)) {
              ok++;
              sender = f.getFrom();
            } else {
              bad++;
            }
          }

          @Override
          public void onError(Throwable t) {
            // the sender went away (a killed process resets its connections at once); it
            // reopens when it can
            lost(sender);
          }

          @Override
          public void onCompleted() {
            if (ended) return;
            reply.onNext(StreamSummary.newBuilder().setAccepted(ok).setRejected(bad).build());
            reply.onCompleted();
            lost(sender); // the sender closed: it is shutting down
          }
        };
      }
    };
  }

  /** Tells the node that the connection to {@code peer} broke (a hint; see the Receiver). */
  private void lost(int peer) {
    Receiver r = receiver;
    if (peer < 0 || r == null || closed) return;
    peersLost.incrementAndGet();
    r.peerUnreachable(peer);
  }

  /** Verifies one incoming frame and hands it to the node; false (counted) when rejected. */
  boolean accept(RaftFrame f) {
    int from = f.getFrom();
    int len = f.getMessage().size();
    if (from < 0 || from >= peers.size() || from == self || len == 0 || len > MAX_MESSAGE_BYTES) {
      rejectedMalformed.incrementAndGet();
      return false;
    }
    byte[] msg = f.getMessage().toByteArray();
    if (!auth.verify(from, msg, f.getMac().toByteArray())) {
      rejectedAuth.incrementAndGet();
      return false;
    }
    Receiver r = receiver;
    if (r == null || closed) {
      dropped.incrementAndGet();
      return false;
    }
    accepted.incrementAndGet();
    r.receive(from, msg);
    return true;
  }

  /** Frames accepted and handed to the node. */
  public long accepted() {
    return accepted.get();
  }

  /** Frames rejected because their MAC did not verify. */
  public long rejectedUnauthenticated() {
    return rejectedAuth.get();
  }

  /** Frames rejected as malformed (unknown sender, empty, oversized). */
  public long rejectedMalformed() {
    return rejectedMalformed.get();
  }

  /** Times a connection to a peer broke and the node was told (see {@link
   * Receiver#peerUnreachable}). */
  public long peerConnectionsLost() {
    return peersLost.get();
  }

  /** Outgoing messages dropped (peer down, backlog full, closed). */
  public long droppedOutgoing() {
    return dropped.get();
  }

  @Override
  public void close() {
    closed = true;
    for (Peer p : out) {
      if (p != null) p.close();
    }
  }

  /** The sending side towards one peer. */
  private final class Peer {
    private final int id;
    private final ManagedChannel channel;
    private final RaftPeerGrpc.RaftPeerStub stub;
    private ClientCallStreamObserver<RaftFrame> stream; // guarded by this
    private long nextAttempt; // guarded by this
    private int unready; // guarded by this

    Peer(int id, HostPort addr) {
      this.id = id;
      this.channel = NettyChannelBuilder.forAddress(addr.host(), addr.port()).usePlaintext()
          .maxInboundMessageSize(MAX_MESSAGE_BYTES).build();
      this.stub = RaftPeerGrpc.newStub(channel);
      watch(channel.getState(false));
    }

    /** Reports the peer lost whenever the connection to it leaves READY (it broke). */
    private void watch(ConnectivityState seen) {
      channel.notifyWhenStateChanged(seen, () -> {
        ConnectivityState now = channel.getState(false);
        if (seen == ConnectivityState.READY && now != ConnectivityState.READY) lost(id);
        if (now != ConnectivityState.SHUTDOWN) watch(now);
      });
    }

    synchronized void send(RaftFrame frame) {
      if (stream == null && !open()) {
        dropped.incrementAndGet();
        return;
      }
      if (!stream.isReady()) {
        if (++unready > MAX_UNREADY_FRAMES) {
          dropped.incrementAndGet();
          return;
        }
      } else {
        unready = 0;
      }
      try {
        stream.onNext(frame);
      } catch (RuntimeException e) {
        dropped.incrementAndGet();
        stream = null;
      }
    }

    private boolean open() {
      long now = System.nanoTime();
      if (now - nextAttempt < 0) return false;
      nextAttempt = now + TimeUnit.MILLISECONDS.toNanos(RECONNECT_MILLIS);
      channel.resetConnectBackoff();
      boolean[] endedAtOnce = {false};
      StreamObserver<StreamSummary> replies = new StreamObserver<>() {
        @Override
        public void onNext(StreamSummary s) { }

        @Override
        public void onError(Throwable t) {
          ended();
        }

        @Override
        public void onCompleted() {
          ended();
        }

        private void ended() {
          synchronized (Peer.this) {
            endedAtOnce[0] = true;
            streamEnded(this);
          }
        }
      };
      // The owner is set before the call starts: a call that fails at once may report it on
      // this very thread, inside stub.stream(), and that stream must not be kept as live.
      owner = replies;
      ClientCallStreamObserver<RaftFrame> s =
          (ClientCallStreamObserver<RaftFrame>) stub.stream(replies);
      streamsOpened.incrementAndGet();
      if (endedAtOnce[0]) {
        stream = null;
        return false;
      }
      stream = s;
      unready = 0;
      return true;
    }

    private Object owner; // guarded by this: the reply observer of the current stream

    private synchronized void streamEnded(Object replies) {
      if (owner == replies) {
        stream = null;
        log.debug("raft stream to member {} ended", id);
      }
    }

    synchronized void close() {
      if (stream != null) {
        try {
          stream.onCompleted();
        } catch (RuntimeException e) {
          // already broken
        }
        stream = null;
      }
      channel.shutdownNow();
    }
  }
}
