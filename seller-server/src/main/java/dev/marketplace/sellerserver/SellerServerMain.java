package dev.marketplace.sellerserver;

import dev.marketplace.config.ConfigException;
import dev.marketplace.config.EnvDefaults;
import dev.marketplace.config.HostPort;
import dev.marketplace.proto.customer.CustomerDbGrpc.CustomerDbBlockingStub;
import dev.marketplace.proto.product.ProductDbGrpc.ProductDbBlockingStub;
import dev.marketplace.rest.ReplicaSet;
import dev.marketplace.rest.RestServer;
import dev.marketplace.rest.ServerOptions;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Command line of the seller REST server. Every option can also come from the environment or
 * {@code .env} (see {@link EnvDefaults}); a bad value stops the process at start with a message
 * naming the option and its variable (exit code 2). Not thread-safe (runs once).
 */
@Command(name = "seller-server", mixinStandardHelpOptions = true,
    description = "Seller REST server (stateless; gRPC to customer-db and product-db).")
public final class SellerServerMain implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(SellerServerMain.class);

  @Option(names = "--listen", defaultValue = "127.0.0.1:8081", paramLabel = "HOST:PORT",
      description = "address to listen on (env LISTEN; default 127.0.0.1:8081)")
  String listen;

  @Mixin
  ServerOptions options;

  private final CountDownLatch stopped = new CountDownLatch(1);

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Parses and runs; returns the exit code (blocks while the server runs). */
  public static int run(String[] args) {
    try {
      return new CommandLine(new SellerServerMain())
          .setDefaultValueProvider(EnvDefaults.fromEnvironment()).execute(args);
    } catch (ConfigException e) {
      System.err.println("seller-server: " + e.getMessage());
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
    } catch (ConfigException e) {
      System.err.println("seller-server: " + e.getMessage());
      return 2;
    }
    ReplicaSet<CustomerDbBlockingStub> customers = values.connectCustomers();
    ReplicaSet<ProductDbBlockingStub> products = values.connectProducts();
    RestServer server = SellerServer.start(at.host(), at.port(), values.maxBodyBytes(),
        customers, products);
    LOG.info("seller-server listening on {}:{}; customer-db {}; product-db {}", at.host(),
        server.port(), HostPort.format(values.customerDb()), HostPort.format(values.productDb()));
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.close();
      customers.close();
      products.close();
      stopped.countDown();
    }, "seller-server-shutdown"));
    stopped.await();
    return 0;
  }
}
