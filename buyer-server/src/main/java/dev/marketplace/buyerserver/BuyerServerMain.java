package dev.marketplace.buyerserver;

import dev.marketplace.config.ConfigException;
import dev.marketplace.config.HostPort;
import dev.marketplace.proto.customer.CustomerDbGrpc.CustomerDbBlockingStub;
import dev.marketplace.proto.product.ProductDbGrpc.ProductDbBlockingStub;
import dev.marketplace.rest.ReplicaSet;
import dev.marketplace.rest.RestServer;
import dev.marketplace.rest.RestServerMain;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Command line of the buyer REST server: the shared {@link RestServerMain} options and
 * lifecycle, listening on 127.0.0.1:8091 by default, plus {@code --payment-url}. Not thread-safe
 * (runs once).
 */
@Command(name = "buyer-server", mixinStandardHelpOptions = true,
    description = "Buyer REST server (stateless; gRPC to customer-db and product-db;"
        + " SOAP to payment).")
public final class BuyerServerMain extends RestServerMain {
  @Option(names = "--payment-url", defaultValue = "http://127.0.0.1:8100/payment",
      paramLabel = "URL", description = "payment service endpoint (env PAYMENT_URL;"
          + " default http://127.0.0.1:8100/payment)")
  String paymentUrl;

  private SoapPaymentGateway payment;

  private BuyerServerMain() {
    super("buyer-server", "127.0.0.1:8091");
  }

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Parses and runs; returns the exit code (blocks while the server runs). */
  public static int run(String[] args) {
    return run(new BuyerServerMain(), args);
  }

  @Override
  protected void validate() {
    checkUrl(paymentUrl);
  }

  @Override
  protected RestServer start(HostPort at, long maxBodyBytes,
      ReplicaSet<CustomerDbBlockingStub> customers, ReplicaSet<ProductDbBlockingStub> products) {
    payment = new SoapPaymentGateway(paymentUrl, Duration.ofSeconds(5));
    return BuyerServer.start(at.host(), at.port(), maxBodyBytes, customers, products, payment);
  }

  @Override
  protected void closeOwn() {
    payment.close();
  }

  /** An absolute http(s) URL with a host, else a ConfigException naming the option. */
  static void checkUrl(String text) {
    try {
      java.net.URI uri = new java.net.URI(text == null ? "" : text.strip());
      if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
          || uri.getHost() == null) {
        throw new ConfigException("--payment-url / PAYMENT_URL: expected an http(s) URL, got '"
            + text + "'");
      }
    } catch (java.net.URISyntaxException e) {
      throw new ConfigException("--payment-url / PAYMENT_URL: not a URL: '" + text + "'");
    }
  }
}
