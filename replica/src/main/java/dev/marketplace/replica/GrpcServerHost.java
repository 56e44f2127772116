package dev.marketplace.replica;

import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts a gRPC server for a replica's services on a host and port (0 = any free port) and stops
 * it gracefully: no new calls, in-flight calls get a grace period, then the rest is cancelled. Also
 * registers the standard gRPC health service (SERVING while up). The services' methods run on
 * the transport's event-loop threads (no executor handoff per call), so they must never block:
 * a write only submits its command, blocking work (queries, password hashing) goes to a pool.
 * Thread-safe.
 */
public final class GrpcServerHost implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(GrpcServerHost.class);
  private final Server server;
  private final HealthStatusManager health = new HealthStatusManager();

  private GrpcServerHost(InetSocketAddress address, BindableService... services) {
    NettyServerBuilder b = NettyServerBuilder.forAddress(address).directExecutor();
    for (BindableService s : services) {
      b.addService(s);
    }
    b.addService(health.getHealthService());
    this.server = b.build();
  }

  /**
   * Binds {@code host:port} (port 0 = a free port) and starts serving {@code services}, whose
   * methods must never block (see the class comment).
   */
  public static GrpcServerHost start(String host, int port, BindableService... services) {
    GrpcServerHost h = new GrpcServerHost(new InetSocketAddress(host, port), services);
    try {
      h.server.start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot bind gRPC server to " + host + ":" + port, e);
    }
    log.info("gRPC server listening on {}:{}", host, h.port());
    return h;
  }

  /** The bound port. */
  public int port() {
    return server.getPort();
  }

  /** Blocks until the server terminates. */
  public void awaitTermination() throws InterruptedException {
    server.awaitTermination();
  }

  /** Graceful stop: up to 5 s for in-flight calls, then cancels them. */
  @Override
  public void close() {
    health.enterTerminalState();
    server.shutdown();
    try {
      if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
