package dev.marketplace.customerdb;

import dev.marketplace.config.ConfigException;
import dev.marketplace.config.HostPort;
import dev.marketplace.customerdb.totem.ReplicationOptions;
import dev.marketplace.replica.ReplicaOptions;
import dev.marketplace.replica.Replication;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Entry point of one customer-db replica. Every option can also come from the environment or
 * {@code .env} ({@code --pg-url} reads {@code PG_URL}); a bad value stops the process at start
 * with a message naming the variable. Not thread-safe (used once by main).
 */
@Command(name = "customer-db", mixinStandardHelpOptions = true,
    description = "Customer database replica (gRPC CustomerDb over its own PostgreSQL database).")
public final class CustomerDbMain implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(CustomerDbMain.class);

  @Mixin
  ReplicaOptions replica = new ReplicaOptions();

  @Option(names = "--customer-db-replicas", defaultValue = "127.0.0.1:21051",
      description = "host:port of every customer-db replica (env CUSTOMER_DB_REPLICAS).")
  String replicas;

  @Option(names = "--session-timeout-seconds", defaultValue = "300",
      description = "Inactivity after which a session expires (env SESSION_TIMEOUT_SECONDS).")
  long sessionTimeoutSeconds;

  @Option(names = "--password-hash-iterations", defaultValue = "120000",
      description = "PBKDF2 iterations of new password hashes (env PASSWORD_HASH_ITERATIONS).")
  int passwordHashIterations;

  @Mixin
  ReplicationOptions replicationOptions = new ReplicationOptions();

  @Override
  public Integer call() throws Exception {
    List<HostPort> members = HostPort.parseList("CUSTOMER_DB_REPLICAS", replicas);
    HostPort me = replica.validate(members, "CUSTOMER_DB_REPLICAS");
    if (sessionTimeoutSeconds < 1 || sessionTimeoutSeconds > 30L * 24 * 3600) {
      throw new ConfigException("SESSION_TIMEOUT_SECONDS: must be 1..2592000, got "
          + sessionTimeoutSeconds);
    }
    if (passwordHashIterations < 1000 || passwordHashIterations > 10_000_000) {
      throw new ConfigException("PASSWORD_HASH_ITERATIONS: must be 1000..10000000, got "
          + passwordHashIterations);
    }
    Replication replication = replicationOptions.create(replica.memberId, members,
        replica.maxBatch, ReplicaOptions.haltOnFatal(log, "state machine"));
    CustomerDbServer server;
    try {
      server = CustomerDbServer.start(me.host(), me.port(), replica.pgUrl, replica.pgUser,
          replica.pgPassword, replication, Clock.systemUTC(), sessionTimeoutSeconds,
          passwordHashIterations);
    } catch (RuntimeException e) {
      throw replica.startFailure(me, e);
    }
    Runtime.getRuntime().addShutdownHook(new Thread(server::close, "customer-db-stop"));
    log.info("customer-db member {} serving on {}:{} ({} replication)", replica.memberId,
        me.host(), server.port(), replicationOptions.useTotem(members.size()) ? "totem" : "single-node");
    server.awaitTermination();
    return 0;
  }

  /** Runs the replica; exits non-zero on bad configuration. */
  public static void main(String[] args) {
    System.exit(run(args));
  }

  static int run(String... args) {
    return ReplicaOptions.run(new CustomerDbMain(), log, args);
  }
}
