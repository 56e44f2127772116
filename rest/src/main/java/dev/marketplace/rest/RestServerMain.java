package dev.marketplace.rest;

import dev.marketplace.config.ConfigException;
import dev.marketplace.config.EnvDefaults;
import dev.marketplace.config.HostPort;
import dev.marketplace.proto.customer.CustomerDbGrpc.CustomerDbBlockingStub;
import dev.marketplace.proto.product.ProductDbGrpc.ProductDbBlockingStub;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Base of both REST servers' command lines: {@code --listen} (with the server's own default) and
 * the shared {@link ServerOptions}, every option also read from the environment or {@code .env}
 * (see {@link EnvDefaults}); a bad value stops the process at start with a message naming the
 * option and its variable (exit code 2). Then it connects to both databases, starts the server
 * and blocks until the JVM shuts down, closing the server, what the subclass opened, and the
 * database connections, in that order. A subclass carries the {@code @Command}, its own options,
 * and says how to start its server.
 *
 * <p>Not thread-safe (runs once).
 */
public abstract class RestServerMain implements Callable<Integer> {
  @Mixin
  ServerOptions options;

  private final String name;
  private final String defaultListen;
  private final CountDownLatch stopped = new CountDownLatch(1);
  private OptionSpec listen;

  /**
   * @param name the command's name, e.g. {@code seller-server}, prefixing error messages
   * @param defaultListen {@code host:port} to listen on when neither option nor variable say
   */
  protected RestServerMain(String name, String defaultListen) {
    this.name = name;
    this.defaultListen = defaultListen;
  }

  /** Checks the subclass's own options; throws {@link ConfigException} naming a bad one. */
  protected void validate() {}

  /** Starts the server on {@code at} over the connected databases. */
  protected abstract RestServer start(HostPort at, long maxBodyBytes,
      ReplicaSet<CustomerDbBlockingStub> customers, ReplicaSet<ProductDbBlockingStub> products);

  /** Closes what {@link #start} opened besides the server; called after the server closed. */
  protected void closeOwn() {}

  /**
   * Parses {@code args} (and the environment) into {@code main} and runs it; returns the exit
   * code (blocks while the server runs).
   */
  public static int run(RestServerMain main, String[] args) {
    try {
      CommandLine cl = new CommandLine(main);
      main.listen = OptionSpec.builder("--listen").paramLabel("HOST:PORT").type(String.class)
          .defaultValue(main.defaultListen)
          .description("address to listen on (env LISTEN; default " + main.defaultListen + ")")
          .build();
      cl.getCommandSpec().addOption(main.listen);
      return EnvDefaults.execute(main.name, cl, args);
    } catch (ConfigException e) {
      System.err.println(main.name + ": " + e.getMessage());
      return 2;
    }
  }

  @Override
  public final Integer call() throws InterruptedException {
    HostPort at;
    ServerOptions.Values values;
    try {
      at = HostPort.parse("--listen / LISTEN", listen.getValue());
      values = options.validate();
      validate();
    } catch (ConfigException e) {
      System.err.println(name + ": " + e.getMessage());
      return 2;
    }
    ReplicaSet<CustomerDbBlockingStub> customers = values.connectCustomers();
    ReplicaSet<ProductDbBlockingStub> products = values.connectProducts();
    RestServer server = start(at, values.maxBodyBytes(), customers, products);
    LoggerFactory.getLogger(getClass()).info("{} listening on {}:{}; customer-db {}; "
        + "product-db {}", name, at.host(), server.port(), HostPort.format(values.customerDb()),
        HostPort.format(values.productDb()));
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.close();
      closeOwn();
      customers.close();
      products.close();
      stopped.countDown();
    }, name + "-shutdown"));
    stopped.await();
    return 0;
  }
}
