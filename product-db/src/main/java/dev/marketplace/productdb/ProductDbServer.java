package dev.marketplace.productdb;

import dev.marketplace.proto.product.commands.ProductCommand;
import dev.marketplace.replica.ReplicaServer;
import dev.marketplace.replica.Replication;
import java.time.Clock;

/**
 * One product-db replica: the product state machine, the given {@link Replication} and the
 * ProductDb gRPC service (lifecycle in {@link ReplicaServer}). Thread-safe.
 */
public final class ProductDbServer extends ReplicaServer<ProductCommand> {
  private ProductDbServer(Parts<ProductCommand> parts) {
    super(parts);
  }

  /**
   * Opens the database at {@code jdbcUrl}, starts {@code replication} on it and serves gRPC on
   * {@code host:port} (0 = a free port). The server owns {@code replication} from here on. The
   * rpc methods run on gRPC's event-loop threads (no executor handoff per call): they never block
   * (a write only submits its command; a read validates, then queries on the work pool after the
   * read barrier).
   */
  public static ProductDbServer start(String host, int port, String jdbcUrl, String user,
      String password, Replication replication, Clock clock) {
    return new ProductDbServer(open("product-db", host, port, jdbcUrl, user, password,
        "classpath:db/product", new ProductHandler(), replication,
        (db, work) -> new ProductDbService(replication, db, work, clock)));
  }
}
