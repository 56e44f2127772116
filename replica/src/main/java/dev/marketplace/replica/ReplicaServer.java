package dev.marketplace.replica;

import io.grpc.BindableService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import javax.sql.DataSource;

/**
 * One database replica's running parts, shared by customer-db and product-db: its PostgreSQL
 * state machine (migrated at start), the {@link Replication} started on it, a pool for the
 * service's blocking work, and the gRPC server. Closing stops them in reverse order. Thread-safe.
 *
 * @param <C> the command type of the state machine
 */
public class ReplicaServer<C> implements AutoCloseable {
  /** What {@link #open} started, handed to the subclass constructor. */
  protected record Parts<C>(JdbcStateMachine<C> stateMachine, Replication replication,
      ExecutorService work, GrpcServerHost grpc) {}

  private final Parts<C> parts;

  protected ReplicaServer(Parts<C> parts) {
    this.parts = parts;
  }

  /**
   * Opens the database at {@code jdbcUrl} with the migrations at {@code migrations}, starts
   * {@code replication} on it, builds the gRPC service from the database and the work pool, and
   * serves it on {@code host:port} (0 = a free port). The server owns {@code replication} from
   * here on; on failure everything opened so far is closed again. The service's methods run on
   * gRPC's event-loop threads ({@link GrpcServerHost}): they must never block (writes only
   * submit; queries and other blocking work run on the work pool).
   */
  protected static <C> Parts<C> open(String name, String host, int port, String jdbcUrl,
      String user, String password, String migrations, CommandHandler<C> handler,
      Replication replication, BiFunction<DataSource, ExecutorService, BindableService> service) {
    JdbcStateMachine<C> sm = JdbcStateMachine.open(jdbcUrl, user, password, 10, migrations, handler);
    ExecutorService work = Executors.newFixedThreadPool(8, r -> {
      Thread t = new Thread(r, name + "-work");
      t.setDaemon(true);
      return t;
    });
    try {
      replication.start(sm);
      GrpcServerHost grpc =
          GrpcServerHost.start(host, port, service.apply(sm.dataSource(), work));
      return new Parts<>(sm, replication, work, grpc);
    } catch (RuntimeException e) {
      replication.close();
      work.shutdownNow();
      sm.close();
      throw e;
    }
  }

  /** The bound gRPC port. */
  public int port() {
    return parts.grpc().port();
  }

  /** The state machine (tests, snapshots). */
  public JdbcStateMachine<C> stateMachine() {
    return parts.stateMachine();
  }

  /** Blocks until the gRPC server terminates. */
  public void awaitTermination() throws InterruptedException {
    parts.grpc().awaitTermination();
  }

  @Override
  public void close() {
    parts.grpc().close();
    parts.replication().close();
    parts.work().shutdown();
    try {
      parts.work().awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    parts.stateMachine().close();
  }
}
