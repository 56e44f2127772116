package dev.marketplace.productdb;

import dev.marketplace.config.HostPort;
import dev.marketplace.productdb.raft.RaftWiring;
import dev.marketplace.replica.ReplicaOptions;
import dev.marketplace.replica.Replication;
import dev.marketplace.replica.SingleNodeReplication;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Entry point of one product-db replica. Every option can also come from the environment or
 * {@code .env} ({@code --pg-url} reads {@code PG_URL}); a bad value stops the process at start
 * with a message naming the variable. Not thread-safe (used once by main).
 */
@Command(name = "product-db", mixinStandardHelpOptions = true,
    description = "Product database replica (gRPC ProductDb over its own PostgreSQL database).")
public final class ProductDbMain implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(ProductDbMain.class);

  @Mixin
  ReplicaOptions replica = new ReplicaOptions();

  @Option(names = "--product-db-replicas", defaultValue = "127.0.0.1:21061",
      description = "host:port of every product-db replica (env PRODUCT_DB_REPLICAS).")
  String replicas;

  @Option(names = "--replication", defaultValue = "auto",
      description = "auto (Raft when --product-db-replicas lists more than one address), raft or "
          + "single (env REPLICATION).")
  String replicationMode;

  @Option(names = "--raft-dir",
      description = "Raft log directory (env RAFT_DIR; default data/raft/product-<member-id>).")
  String raftDir;

  @Option(names = "--raft-peers",
      description = "host:port of every replica's Raft peer endpoint, in member order (env "
          + "RAFT_PEERS; default: each replica's address with port + 1000).")
  String raftPeers;

  @Option(names = "--cluster-key",
      description = "Shared secret authenticating Raft peer traffic, >= 16 chars (env CLUSTER_KEY;"
          + " a development default when unset).")
  String clusterKey;

  @Option(names = "--raft-tick-ms", defaultValue = "30",
      description = "Raft tick length; election timeout is 10-20 ticks (env RAFT_TICK_MS).")
  int raftTickMs;

  @Option(names = "--raft-snapshot-every", defaultValue = "10000",
      description = "Snapshot and compact the Raft log after at least N applied entries "
          + "(0 = never; env RAFT_SNAPSHOT_EVERY).")
  long raftSnapshotEvery;

  @Option(names = "--raft-snapshot-ratio", defaultValue = "1.0",
      description = "... and only once the entries applied since the last snapshot are at least "
          + "this many times that snapshot's size in bytes, 0..1000 (0 = the entry count alone; "
          + "env RAFT_SNAPSHOT_RATIO).")
  double raftSnapshotRatio;

  @Override
  public Integer call() throws Exception {
    List<HostPort> members = HostPort.parseList("PRODUCT_DB_REPLICAS", replicas);
    HostPort me = replica.validate(members, "PRODUCT_DB_REPLICAS");
    RaftWiring.Setup raft = RaftWiring.plan(replicationMode, members, replica.memberId, raftDir,
        raftPeers, clusterKey, raftTickMs, raftSnapshotEvery, raftSnapshotRatio,
        replica.maxBatch);
    Replication replication;
    if (raft == null) {
      replication = new SingleNodeReplication(replica.memberId, replica.maxBatch,
          ReplicaOptions.haltOnFatal(log, "state machine"));
    } else {
      replication = raft.open(ReplicaOptions.haltOnFatal(log, "Raft storage or state machine"));
    }
    ProductDbServer server;
    try {
      server = ProductDbServer.start(me.host(), me.port(), replica.pgUrl, replica.pgUser,
          replica.pgPassword, replication, Clock.systemUTC());
    } catch (RuntimeException e) {
      if (raft != null) raft.close();
      throw replica.startFailure(me, e);
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.close();
      if (raft != null) raft.close();
    }, "product-db-stop"));
    log.info("product-db member {} serving on {}:{} ({})", replica.memberId, me.host(), server.port(),
        raft == null ? "single-node replication" : "Raft, peers on " + raft.peerAddress());
    server.awaitTermination();
    return 0;
  }

  /** Runs the replica; exits non-zero on bad configuration. */
  public static void main(String[] args) {
    System.exit(run(args));
  }

  static int run(String... args) {
    return ReplicaOptions.run(new ProductDbMain(), log, args);
  }
}
