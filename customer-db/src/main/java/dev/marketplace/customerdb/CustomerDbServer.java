package dev.marketplace.customerdb;

import dev.marketplace.proto.customer.commands.CustomerCommand;
import dev.marketplace.replica.ReplicaServer;
import dev.marketplace.replica.Replication;
import java.time.Clock;

/**
 * One customer-db replica: the customer state machine, the given {@link Replication} and the
 * CustomerDb gRPC service (lifecycle in {@link ReplicaServer}). Thread-safe.
 */
public final class CustomerDbServer extends ReplicaServer<CustomerCommand> {
  private CustomerDbServer(Parts<CustomerCommand> parts) {
    super(parts);
  }

  /**
   * Opens the database at {@code jdbcUrl}, starts {@code replication} on it and serves gRPC on
   * {@code host:port} (0 = a free port). The server owns {@code replication} from here on.
   * Sessions expire after {@code sessionTimeoutSeconds} of inactivity; new password hashes use
   * {@code passwordHashIterations} PBKDF2 iterations. The rpc methods run on gRPC's event-loop
   * threads (no executor handoff per call): they never block (a write only submits its command;
   * password hashing and every query run on the work pool).
   */
  public static CustomerDbServer start(String host, int port, String jdbcUrl, String user,
      String password, Replication replication, Clock clock, long sessionTimeoutSeconds,
      int passwordHashIterations) {
    return new CustomerDbServer(open("customer-db", host, port, jdbcUrl, user, password,
        "classpath:db/customer", new CustomerHandler(), replication,
        (db, work) -> new CustomerDbService(replication, db, work, clock, sessionTimeoutSeconds,
            new PasswordHasher(passwordHashIterations))));
  }
}
