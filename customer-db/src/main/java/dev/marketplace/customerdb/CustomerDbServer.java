package dev.marketplace.customerdb;

import dev.marketplace.proto.customer.commands.CustomerCommand;
import dev.marketplace.replica.GrpcServerHost;
import dev.marketplace.replica.JdbcStateMachine;
import dev.marketplace.replica.Replication;
import java.time.Clock;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * One customer-db replica: its PostgreSQL state machine (migrated at start), the given {@link
 * Replication} started on it, and the gRPC server. Closing stops them in reverse order.
 * Thread-safe.
 */
public final class CustomerDbServer implements AutoCloseable {
  private final JdbcStateMachine<CustomerCommand> stateMachine;
  private final Replication replication;
  private final ExecutorService reads;
  private final GrpcServerHost grpc;

  private CustomerDbServer(JdbcStateMachine<CustomerCommand> sm, Replication replication,
      ExecutorService reads, GrpcServerHost grpc) {
    this.stateMachine = sm;
    this.replication = replication;
    this.reads = reads;
    this.grpc = grpc;
  }

  /**
   * Opens the database at {@code jdbcUrl}, starts {@code replication} on it and serves gRPC on
   * {@code host:port} (0 = a free port). The server owns {@code replication} from here on.
   * Sessions expire after {@code sessionTimeoutSeconds} of inactivity; new password hashes use
   * {@code passwordHashIterations} PBKDF2 iterations.
   */
  public static CustomerDbServer start(String host, int port, String jdbcUrl, String user,
      String password, Replication replication, Clock clock, long sessionTimeoutSeconds,
      int passwordHashIterations) {
    JdbcStateMachine<CustomerCommand> sm = JdbcStateMachine.open(jdbcUrl, user, password, 10,
        "classpath:db/customer", new CustomerHandler());
    ExecutorService reads = Executors.newFixedThreadPool(8, r -> {
      Thread t = new Thread(r, "customer-db-work");
      t.setDaemon(true);
      return t;
    });
    try {
      replication.start(sm);
      CustomerDbService service = new CustomerDbService(replication, sm.dataSource(), reads,
          clock, sessionTimeoutSeconds, new PasswordHasher(passwordHashIterations));
      GrpcServerHost grpc = GrpcServerHost.start(host, port, service);
      return new CustomerDbServer(sm, replication, reads, grpc);
    } catch (RuntimeException e) {
      replication.close();
      reads.shutdownNow();
      sm.close();
      throw e;
    }
  }

  /** The bound gRPC port. */
  public int port() {
    return grpc.port();
  }

  /** The state machine (tests, snapshots). */
  public JdbcStateMachine<CustomerCommand> stateMachine() {
    return stateMachine;
  }

  /** Blocks until the gRPC server terminates. */
  public void awaitTermination() throws InterruptedException {
    grpc.awaitTermination();
  }

  @Override
  public void close() {
    grpc.close();
    replication.close();
    reads.shutdown();
    try {
      reads.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    stateMachine.close();
  }
}
