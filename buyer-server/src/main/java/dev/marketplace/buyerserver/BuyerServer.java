package dev.marketplace.buyerserver;

import dev.marketplace.proto.customer.CustomerDbGrpc.CustomerDbBlockingStub;
import dev.marketplace.proto.product.ProductDbGrpc.ProductDbBlockingStub;
import dev.marketplace.rest.HealthCheck;
import dev.marketplace.rest.ReplicaSet;
import dev.marketplace.rest.RestServer;
import java.time.Clock;
import java.time.Duration;

/**
 * Starts the buyer REST server: the shared {@link RestServer} setup plus {@link BuyerApi}'s
 * routes and {@code buyer-openapi.yaml}. Stateless factory; thread-safe.
 */
public final class BuyerServer {
  /** The OpenAPI document resource of this server. */
  public static final String OPENAPI = "buyer-openapi.yaml";

  private BuyerServer() {}

  /** Starts a server on {@code host:port} (port 0 picks a free one). */
  public static RestServer start(String host, int port, long maxBodyBytes,
      ReplicaSet<CustomerDbBlockingStub> customers, ReplicaSet<ProductDbBlockingStub> products,
      PaymentGateway payments) {
    BuyerApi api = new BuyerApi(customers, products, payments, Clock.systemUTC());
    return RestServer.start(new RestServer.Options(host, port, OPENAPI, maxBodyBytes),
        new HealthCheck(customers, products, Duration.ofSeconds(1)), api::register);
  }
}
