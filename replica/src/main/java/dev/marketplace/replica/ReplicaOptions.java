package dev.marketplace.replica;

import dev.marketplace.config.ConfigException;
import dev.marketplace.config.EnvDefaults;
import dev.marketplace.config.HostPort;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * The options every database replica main shares (a picocli mixin): its index in the replica
 * list, its own PostgreSQL database and the apply batch size, plus {@link #run}, the one way both
 * mains start (environment and {@code .env} defaults, exit 2 naming the variable on bad
 * configuration, exit 1 with the cause on a failed start). Not thread-safe (used once by a main).
 */
public final class ReplicaOptions {
  @Option(names = "--member-id", defaultValue = "0",
      description = "This replica's index in the replica list (env MEMBER_ID).")
  public int memberId;

  @Option(names = "--pg-url", description = "JDBC URL of this replica's own database (env PG_URL).")
  public String pgUrl;

  @Option(names = "--pg-user", defaultValue = "postgres", description = "(env PG_USER)")
  public String pgUser;

  @Option(names = "--pg-password", defaultValue = "", description = "(env PG_PASSWORD)")
  public String pgPassword;

  @Option(names = "--max-batch", defaultValue = "256",
      description = "Most commands applied in one transaction (env MAX_BATCH).")
  public int maxBatch;

  /**
   * Checks the shared options against the parsed replica list (named {@code listVariable} in
   * errors) and returns this replica's own address.
   */
  public HostPort validate(List<HostPort> members, String listVariable) {
    if (memberId < 0 || memberId >= members.size()) {
      throw new ConfigException("MEMBER_ID: must be 0.." + (members.size() - 1) + " (an index in "
          + listVariable + "), got " + memberId);
    }
    if (pgUrl == null || pgUrl.isBlank() || !pgUrl.startsWith("jdbc:postgresql:")) {
      throw new ConfigException("PG_URL: required, a jdbc:postgresql: URL, got '" + pgUrl + "'");
    }
    if (maxBatch < 1 || maxBatch > 10_000) {
      throw new ConfigException("MAX_BATCH: must be 1..10000, got " + maxBatch);
    }
    return members.get(memberId);
  }

  /** The error for a server that could not open its database or bind its address. */
  public IllegalStateException startFailure(HostPort me, RuntimeException cause) {
    return new IllegalStateException("cannot open PG_URL="
        + pgUrl.replaceAll("password=[^&]*", "password=***") + " as PG_USER=" + pgUser
        + " or bind " + me + ": " + cause.getMessage(), cause);
  }

  /** What a replica does when its state machine or log fails: log and halt (never skip a command). */
  public static Consumer<Throwable> haltOnFatal(Logger log, String what) {
    return e -> {
      log.error("fatal {} failure; exiting", what, e);
      Runtime.getRuntime().halt(70);
    };
  }

  /** Parses {@code args} into {@code command} (a picocli command) and runs it; the exit code. */
  public static int run(Object command, Logger log, String... args) {
    CommandLine cmd = new CommandLine(command);
    cmd.setExecutionExceptionHandler((ex, line, parsed) -> {
      if (ex instanceof ConfigException) {
        line.getErr().println("configuration error: " + ex.getMessage());
        return 2;
      }
      log.error("cannot start", ex);
      line.getErr().println("cannot start: " + ex.getMessage());
      return 1;
    });
    cmd.setParameterExceptionHandler((ex, ignored) -> {
      ex.getCommandLine().getErr().println("configuration error: " + ex.getMessage()
          + " (each option can also be set by the environment variable of the same name, e.g. "
          + "--member-id = MEMBER_ID)");
      return 2;
    });
    return EnvDefaults.execute(cmd.getCommandName(), cmd, args);
  }
}
