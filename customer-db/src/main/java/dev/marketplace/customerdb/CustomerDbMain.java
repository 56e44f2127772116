package dev.marketplace.customerdb;

import dev.marketplace.config.ConfigException;
import dev.marketplace.config.EnvDefaults;
import dev.marketplace.config.HostPort;
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
 * Entry point of one customer-db replica. Every option can also come from the environment or
 * {@code .env} ({@code --pg-url} reads {@code PG_URL}); a bad value stops the process at start
 * with a message naming the variable. Not thread-safe (used once by main).
 */
@Command(name = "customer-db", mixinStandardHelpOptions = true,
    description = "Customer database replica (gRPC CustomerDb over its own PostgreSQL database).")
public final class CustomerDbMain implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(CustomerDbMain.class);

  @Option(names = "--member-id", defaultValue = "0",
      description = "This replica's index in --customer-db-replicas (env MEMBER_ID).")
  int memberId;

  @Option(names = "--customer-db-replicas", defaultValue = "127.0.0.1:50051",
      description = "host:port of every customer-db replica (env CUSTOMER_DB_REPLICAS).")
  String replicas;

  @Option(names = "--pg-url", description = "JDBC URL of this replica's own database (env PG_URL).")
  String pgUrl;

  @Option(names = "--pg-user", defaultValue = "postgres", description = "(env PG_USER)")
  String pgUser;

  @Option(names = "--pg-password", defaultValue = "", description = "(env PG_PASSWORD)")
  String pgPassword;

  @Option(names = "--session-timeout-seconds", defaultValue = "300",
      description = "Inactivity after which a session expires (env SESSION_TIMEOUT_SECONDS).")
  long sessionTimeoutSeconds;

  @Option(names = "--password-hash-iterations", defaultValue = "120000",
      description = "PBKDF2 iterations of new password hashes (env PASSWORD_HASH_ITERATIONS).")
  int passwordHashIterations;

  @Option(names = "--max-batch", defaultValue = "256",
      description = "Most commands applied in one transaction (env MAX_BATCH).")
  int maxBatch;

  @Override
  public Integer call() throws Exception {
    List<HostPort> members = HostPort.parseList("CUSTOMER_DB_REPLICAS", replicas);
    if (memberId < 0 || memberId >= members.size()) {
      throw new ConfigException("MEMBER_ID: must be 0.." + (members.size() - 1) + " (an index in "
          + "CUSTOMER_DB_REPLICAS), got " + memberId);
    }
    if (pgUrl == null || pgUrl.isBlank() || !pgUrl.startsWith("jdbc:postgresql:")) {
      throw new ConfigException("PG_URL: required, a jdbc:postgresql: URL, got '" + pgUrl + "'");
    }
    if (maxBatch < 1 || maxBatch > 10_000) {
      throw new ConfigException("MAX_BATCH: must be 1..10000, got " + maxBatch);
    }
    if (sessionTimeoutSeconds < 1 || sessionTimeoutSeconds > 30L * 24 * 3600) {
      throw new ConfigException("SESSION_TIMEOUT_SECONDS: must be 1..2592000, got "
          + sessionTimeoutSeconds);
    }
    if (passwordHashIterations < 1000 || passwordHashIterations > 10_000_000) {
      throw new ConfigException("PASSWORD_HASH_ITERATIONS: must be 1000..10000000, got "
          + passwordHashIterations);
    }
    if (members.size() > 1) {
      log.warn("{} replicas configured but the rotating sequencer (totem) is not wired in yet: this replica runs "
          + "single-node replication on its own database", members.size());
    }
    HostPort me = members.get(memberId);
    SingleNodeReplication replication = new SingleNodeReplication(memberId, maxBatch, e -> {
      log.error("fatal state machine failure; exiting", e);
      Runtime.getRuntime().halt(70);
    });
    CustomerDbServer server;
    try {
      server = CustomerDbServer.start(me.host(), me.port(), pgUrl, pgUser,
          pgPassword, replication, Clock.systemUTC(), sessionTimeoutSeconds, passwordHashIterations);
    } catch (RuntimeException e) {
      throw new IllegalStateException("cannot open PG_URL="
          + pgUrl.replaceAll("password=[^&]*", "password=***") + " as PG_USER=" + pgUser
          + " or bind " + me + ": " + e.getMessage(), e);
    }
    Runtime.getRuntime().addShutdownHook(new Thread(server::close, "customer-db-stop"));
    log.info("customer-db member {} serving on {}:{}", memberId, me.host(), server.port());
    server.awaitTermination();
    return 0;
  }

  /** Runs the replica; exits non-zero on bad configuration. */
  public static void main(String[] args) {
    System.exit(run(args));
  }

  static int run(String... args) {
    CommandLine cmd = new CommandLine(new CustomerDbMain())
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
