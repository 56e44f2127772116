package dev.marketplace.buyerserver;

import dev.marketplace.config.ConfigException;
import dev.marketplace.config.EnvDefaults;
import dev.marketplace.config.HostPort;
import dev.marketplace.proto.customer.CustomerDbGrpc.CustomerDbBlockingStub;
import dev.marketplace.proto.product.ProductDbGrpc.ProductDbBlockingStub;
import dev.marketplace.rest.ReplicaSet;
import dev.marketplace.rest.RestServer;
import dev.marketplace.rest.ServerOptions;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Command line of the buyer REST server. Every option can also come from the environment or
 * {@code .env} (see {@link EnvDefaults}); a bad value stops the process at start with a message
 * naming the option and its variable (exit code 2). Not thread-safe (runs once).
 */
@Command(name = "buyer-server", mixinStandardHelpOptions = true,
    description = "Buyer REST server (stateless; gRPC to customer-db and product-db;"
        + " SOAP to payment).")
public final class BuyerServerMain implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(BuyerServerMain.class);

  @Option(names = "--listen", defaultValue = "127.0.0.1:8091", paramLabel = "HOST:PORT",
      description = "address to listen on (env LISTEN; default 127.0.0.1:8091)")
  String listen;

  @Option(names = "--payment-url", defaultValue = "http://127.0.0.1:8100/payment",
      paramLabel = "URL", description = "payment service endpoint (env PAYMENT_URL;"
          + " default http://127.0.0.1:8100/payment)")
  String paymentUrl;

  @Mixin
  ServerOptions options;

  private final CountDownLatch stopped = new CountDownLatch(1);

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Parses and runs; returns the exit code (blocks while the server runs). */
  public static int run(String[] args) {
    try {
      return new CommandLine(new BuyerServerMain())
          .setDefaultValueProvider(EnvDefaults.fromEnvironment()).execute(args);
    } catch (ConfigException e) {
      System.err.println("buyer-server: " + e.getMessage());
      return 2;
    }
  }

  @Override
  public Integer call() throws InterruptedException {
    HostPort at;
    ServerOptions.Values values;
    try {
      at = HostPort.parse("--listen / LISTEN", listen);
      values = options.validate();
      checkUrl(paymentUrl);
    } catch (ConfigException e) {
      System.err.println("buyer-server: " + e.getMessage());
      return 2;
    }
    ReplicaSet<CustomerDbBlockingStub> customers = values.connectCustomers();
    ReplicaSet<ProductDbBlockingStub> products = values.connectProducts();
    SoapPaymentGateway payment = new SoapPaymentGateway(paymentUrl, Duration.ofSeconds(5));
    RestServer server = BuyerServer.start(at.host(), at.port(), values.maxBodyBytes(),
        customers, products, payment);
    LOG.info("buyer-server listening on {}:{}; customer-db {}; product-db {}", at.host(),
        server.port(), HostPort.format(values.customerDb()), HostPort.format(values.productDb()));
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.close();
      payment.close();
      customers.close();
      products.close();
      stopped.countDown();
    }, "buyer-server-shutdown"));
    stopped.await();
    return 0;
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
