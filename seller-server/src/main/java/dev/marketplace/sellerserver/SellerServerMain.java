package dev.marketplace.sellerserver;

import dev.marketplace.config.HostPort;
import dev.marketplace.proto.customer.CustomerDbGrpc.CustomerDbBlockingStub;
import dev.marketplace.proto.product.ProductDbGrpc.ProductDbBlockingStub;
import dev.marketplace.rest.ReplicaSet;
import dev.marketplace.rest.RestServer;
import dev.marketplace.rest.RestServerMain;
import picocli.CommandLine.Command;

/**
 * Command line of the seller REST server: the shared {@link RestServerMain} options and
 * lifecycle, listening on 127.0.0.1:8081 by default. Not thread-safe (runs once).
 */
@Command(name = "seller-server", mixinStandardHelpOptions = true,
    description = "Seller REST server (stateless; gRPC to customer-db and product-db).")
public final class SellerServerMain extends RestServerMain {
  private SellerServerMain() {
    super("seller-server", "127.0.0.1:8081");
  }

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Parses and runs; returns the exit code (blocks while the server runs). */
  public static int run(String[] args) {
    return run(new SellerServerMain(), args);
  }

  @Override
  protected RestServer start(HostPort at, long maxBodyBytes,
      ReplicaSet<CustomerDbBlockingStub> customers, ReplicaSet<ProductDbBlockingStub> products) {
    return SellerServer.start(at.host(), at.port(), maxBodyBytes, customers, products);
  }
}
