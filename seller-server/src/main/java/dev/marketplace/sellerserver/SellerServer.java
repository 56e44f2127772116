package dev.marketplace.sellerserver;

import dev.marketplace.proto.customer.CustomerDbGrpc.CustomerDbBlockingStub;
import dev.marketplace.proto.product.ProductDbGrpc.ProductDbBlockingStub;
import dev.marketplace.rest.HealthCheck;
import dev.marketplace.rest.ReplicaSet;
import dev.marketplace.rest.RestServer;
import java.time.Duration;

/**
 * Starts the seller REST server: the shared {@link RestServer} setup plus {@link SellerApi}'s
 * routes and {@code seller-openapi.yaml}. Stateless factory; thread-safe.
 */
public final class SellerServer {
  /** The OpenAPI document resource of this server. */
  public static final String OPENAPI = "seller-openapi.yaml";

  private SellerServer() {}

  /** Starts a server on {@code host:port} (port 0 picks a free one). */
  public static RestServer start(String host, int port, long maxBodyBytes,
      ReplicaSet<CustomerDbBlockingStub> customers, ReplicaSet<ProductDbBlockingStub> products) {
    SellerApi api = new SellerApi(customers, products);
    return RestServer.start(new RestServer.Options(host, port, OPENAPI, maxBodyBytes),
        new HealthCheck(customers, products, Duration.ofSeconds(1)), api::register);
  }
}
