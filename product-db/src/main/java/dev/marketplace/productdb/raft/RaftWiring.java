package dev.marketplace.productdb.raft;

import dev.marketplace.config.ConfigException;
import dev.marketplace.config.HostPort;
import dev.marketplace.raft.node.RaftNodeOptions;
import dev.marketplace.raft.storage.SegmentedLogStorage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns product-db's Raft options into a running {@link RaftReplication}: validates them (a bad
 * value is a {@link ConfigException} naming its variable), opens the Raft log, and serves the
 * {@code RaftPeer} endpoint on this member's peer address. Not thread-safe (used once by main).
 */
public final class RaftWiring {
  private static final Logger log = LoggerFactory.getLogger(RaftWiring.class);
  /** Default distance between a replica's client port and its Raft peer port. */
  public static final int PEER_PORT_OFFSET = 1000;

  private RaftWiring() {}

  /**
   * Decides between Raft and single-node replication and validates the Raft options.
   *
   * @param mode {@code auto}, {@code raft} or {@code single}
   * @return the Raft setup, or null for single-node replication
   */
  public static Setup plan(String mode, List<HostPort> members, int memberId, String raftDir,
      String raftPeers, String clusterKey, int tickMs, long snapshotEvery, double snapshotRatio,
      int maxBatch) {
    String m = mode == null ? "auto" : mode.strip().toLowerCase();
    boolean raft = switch (m) {
      case "auto" -> members.size() > 1;
      case "raft" -> true;
      case "single" -> {
        if (members.size() > 1) {
          log.warn("{} replicas configured but REPLICATION=single: this replica runs "
              + "single-node replication on its own database", members.size());
        }
        yield false;
      }
      default -> throw new ConfigException("REPLICATION: expected auto, raft or single, got '"
          + mode + "'");
    };
    if (!raft) return null;
    List<HostPort> peers;
    if (raftPeers == null || raftPeers.isBlank()) {
      peers = new ArrayList<>();
      for (HostPort h : members) {
        if (h.port() + PEER_PORT_OFFSET > 65535) {
          throw new ConfigException("RAFT_PEERS: cannot derive a peer port from " + h
              + "; set RAFT_PEERS explicitly");
        }
        peers.add(new HostPort(h.host(), h.port() + PEER_PORT_OFFSET));
      }
    } else {
      peers = HostPort.parseList("RAFT_PEERS", raftPeers);
      if (peers.size() != members.size()) {
        throw new ConfigException("RAFT_PEERS: lists " + peers.size() + " addresses but "
            + "PRODUCT_DB_REPLICAS lists " + members.size());
      }
    }
    String key = clusterKey == null || clusterKey.isEmpty()
        ? FrameAuthenticator.DEVELOPMENT_KEY : clusterKey;
    if (key.length() < 16) {
      throw new ConfigException("CLUSTER_KEY: must be at least 16 characters");
    }
    if (key.equals(FrameAuthenticator.DEVELOPMENT_KEY)) {
      log.warn("CLUSTER_KEY not set: Raft peer traffic uses the public development key");
    }
    if (tickMs < 1 || tickMs > 10_000) {
      throw new ConfigException("RAFT_TICK_MS: must be 1..10000, got " + tickMs);
    }
    if (snapshotEvery < 0) {
      throw new ConfigException("RAFT_SNAPSHOT_EVERY: must be >= 0, got " + snapshotEvery);
    }
    if (!(snapshotRatio >= 0 && snapshotRatio <= 1000)) {
      throw new ConfigException("RAFT_SNAPSHOT_RATIO: must be 0..1000, got " + snapshotRatio);
    }
    Path dir = Path.of(raftDir == null || raftDir.isBlank()
        ? "data/raft/product-" + memberId : raftDir);
    RaftNodeOptions o = RaftNodeOptions.defaults(memberId, members.size())
        .withTiming(tickMs, 10, 2).withSnapshotEvery(snapshotEvery)
        .withSnapshotRatio(snapshotRatio).withMaxApplyBatch(maxBatch);
    return new Setup(o, members, peers, dir, key);
  }

  /** A validated Raft setup; {@link #open} starts it. */
  public static final class Setup implements AutoCloseable {
    private final RaftNodeOptions options;
    private final List<HostPort> members;
    private final List<HostPort> peers;
    private final Path dir;
    private final String key;
    private RaftPeerServer peerServer;

    Setup(RaftNodeOptions options, List<HostPort> members, List<HostPort> peers, Path dir,
        String key) {
      this.options = options;
      this.members = members;
      this.peers = peers;
      this.dir = dir;
      this.key = key;
    }

    /** This member's peer endpoint. */
    public HostPort peerAddress() {
      return peers.get(options.id());
    }

    /** The node options. */
    public RaftNodeOptions options() {
      return options;
    }

    /**
     * Opens the log, serves the peer endpoint and returns the (not yet started) replication;
     * the server starts it with the state machine.
     */
    public RaftReplication open(Consumer<Throwable> onFatal) {
      SegmentedLogStorage storage;
      try {
        storage = new SegmentedLogStorage(dir);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot open the Raft log in " + dir, e);
      }
      GrpcRaftTransport transport = new GrpcRaftTransport(options.id(), peers, key);
      HostPort me = peerAddress();
      try {
        peerServer = RaftPeerServer.start(me.host(), me.port(), transport);
      } catch (RuntimeException e) {
        transport.close();
        try {
          storage.close();
        } catch (IOException ignored) {
          // best effort
        }
        throw e;
      }
      return new RaftReplication(options, storage, transport, onFatal,
          i -> "member " + i + " (" + members.get(i).host() + ":" + members.get(i).port() + ")");
    }

    /** Stops the peer endpoint (the replication is closed by its owner). */
    @Override
    public void close() {
      if (peerServer != null) peerServer.close();
    }
  }
}
