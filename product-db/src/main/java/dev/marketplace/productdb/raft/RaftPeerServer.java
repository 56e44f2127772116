package dev.marketplace.productdb.raft;

import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gRPC server of one member's Raft peer endpoint ({@link GrpcRaftTransport#service()}).
 * Incoming frames are handled on the Netty event loop itself ({@code directExecutor}): checking
 * a frame (HMAC, decode) and queueing it to the Raft loop never blocks, and skipping gRPC's
 * default executor saves one thread handoff (a wakeup and a context switch) per message, which
 * is most of the per-message cost at thousands of messages per second. Shutdown is immediate:
 * peer streams are best effort and Raft tolerates them ending. Thread-safe.
 */
public final class RaftPeerServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RaftPeerServer.class);
  private final Server server;

  private RaftPeerServer(Server server) {
    this.server = server;
  }

  /** Binds {@code host:port} (0 = a free port) and serves {@code transport}'s peer service. */
  public static RaftPeerServer start(String host, int port, GrpcRaftTransport transport) {
    Server s = NettyServerBuilder.forAddress(new InetSocketAddress(host, port))
        .directExecutor()
        .maxInboundMessageSize(GrpcRaftTransport.MAX_MESSAGE_BYTES + 4096)
        .addService(transport.service())
        .build();
    try {
      s.start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot bind the Raft peer endpoint to " + host + ":" + port,
          e);
    }
    log.info("Raft peer endpoint listening on {}:{}", host, s.getPort());
    return new RaftPeerServer(s);
  }

  /** The bound port. */
  public int port() {
    return server.getPort();
  }

  /** Stops at once (open peer streams are cancelled) and waits up to 5 s for the threads. */
  @Override
  public void close() {
    server.shutdownNow();
    try {
      server.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
