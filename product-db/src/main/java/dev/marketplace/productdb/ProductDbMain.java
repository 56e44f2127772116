package dev.marketplace.productdb;

import dev.marketplace.config.ConfigException;
import dev.marketplace.config.EnvDefaults;
import dev.marketplace.config.HostPort;
import dev.marketplace.productdb.raft.RaftWiring;
import dev.marketplace.replica.Replication;
import dev.marketplace.replica.SingleNodeReplication;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
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

  @Option(names = "--member-id", defaultValue = "0",
      description = "This replica's index in --product-db-replicas (env MEMBER_ID).")
  int memberId;

  @Option(names = "--product-db-replicas", defaultValue = "127.0.0.1:50061",
      description = "host:port of every product-db replica (env PRODUCT_DB_REPLICAS).")
  String replicas;

  @Option(names = "--pg-url", description = "JDBC URL of this replica's own database (env PG_URL).")
  String pgUrl;

  @Option(names = "--pg-user", defaultValue = "postgres", description = "(env PG_USER)")
  String pgUser;

  @Option(names = "--pg-password", defaultValue = "", description = "(env PG_PASSWORD)")
  String pgPassword;

  @Option(names = "--max-batch", defaultValue = "256",
      description = "Most commands applied in one transaction (env MAX_BATCH).")
  int maxBatch;

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
      description = "Snapshot and compact the Raft log every N applied entries "
          + "(env RAFT_SNAPSHOT_EVERY).")
  long raftSnapshotEvery;

  @Override
  public Integer call() throws Exception {
    List<HostPort> members = HostPort.parseList("PRODUCT_DB_REPLICAS", replicas);
    if (memberId < 0 || memberId >= members.size()) {
      throw new ConfigException("MEMBER_ID: must be 0.." + (members.size() - 1) + " (an index in "
          + "PRODUCT_DB_REPLICAS), got " + memberId);
    }
    if (pgUrl == null || pgUrl.isBlank() || !pgUrl.startsWith("jdbc:postgresql:")) {
      throw new ConfigException("PG_URL: required, a jdbc:postgresql: URL, got '" + pgUrl + "'");
    }
    if (maxBatch < 1 || maxBatch > 10_000) {
      throw new ConfigException("MAX_BATCH: must be 1..10000, got " + maxBatch);
    }
    HostPort me = members.get(memberId);
    RaftWiring.Setup raft = RaftWiring.plan(replicationMode, members, memberId, raftDir,
        raftPeers, clusterKey, raftTickMs, raftSnapshotEvery, maxBatch);
    Replication replication;
    if (raft == null) {
      replication = new SingleNodeReplication(memberId, maxBatch, e -> {
        log.error("fatal state machine failure; exiting", e);
        Runtime.getRuntime().halt(70);
      });
    } else {
      replication = raft.open(e -> {
        log.error("fatal Raft storage or state machine failure; exiting", e);
        Runtime.getRuntime().halt(70);
      });
    }
    ProductDbServer server;
    try {
      server = ProductDbServer.start(me.host(), me.port(), pgUrl, pgUser,
          pgPassword, replication, Clock.systemUTC());
    } catch (RuntimeException e) {
      if (raft != null) raft.close();
      throw new IllegalStateException("cannot open PG_URL="
          + pgUrl.replaceAll("password=[^&]*", "password=***") + " as PG_USER=" + pgUser
          + " or bind " + me + ": " + e.getMessage(), e);
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.close();
      if (raft != null) raft.close();
    }, "product-db-stop"));
    log.info("product-db member {} serving on {}:{} ({})", memberId, me.host(), server.port(),
        raft == null ? "single-node replication" : "Raft, peers on " + raft.peerAddress());
    server.awaitTermination();
    return 0;
  }

  /** Runs the replica; exits non-zero on bad configuration. */
  public static void main(String[] args) {
    System.exit(run(args));
  }

  static int run(String... args) {
    CommandLine cmd = new CommandLine(new ProductDbMain())
        .setDefaultValueProvider(EnvDefaults.fromEnvironment());
    cmd.setExecutionExceptionHandler((ex, line, parsed) -> {
      if (ex instanceof ConfigException) {
        line.getErr().println("configuration error: " + ex.getMessage());
        return 2;
      }
      log.error("cannot start", ex);
      line.getErr().println("cannot start: " + ex.getMessage());
      return 1;
    });
    cmd.setParameterExceptionHandler((ex, args2) -> {
      ex.getCommandLine().getErr().println("configuration error: " + ex.getMessage()
          + " (each option can also be set by the environment variable of the same name, e.g. "
          + "--member-id = MEMBER_ID)");
      return 2;
    });
    return cmd.execute(args);
  }
}
