package dev.marketplace.payment;

import dev.marketplace.config.ConfigException;
import dev.marketplace.config.EnvDefaults;
import dev.marketplace.config.HostPort;
import java.time.Clock;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Executable of the payment service. Every option can also come from the environment variable
 * of the same name ({@code --approve-probability} reads {@code APPROVE_PROBABILITY}) or from
 * {@code .env}, through {@link EnvDefaults}. Not thread-safe (one instance per process start).
 */
@Command(
    name = "payment-server",
    mixinStandardHelpOptions = true,
    description = "SOAP 1.1 payment service; WSDL at http://<listen>/payment?wsdl")
public final class PaymentServerMain implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(PaymentServerMain.class);

  @Option(names = "--listen", defaultValue = "127.0.0.1:8100",
      description = "host:port to listen on (env LISTEN; default ${DEFAULT-VALUE})")
  String listen;

  @Option(names = "--approve-probability", defaultValue = "0.9",
      description = "probability in [0,1] of approving (env APPROVE_PROBABILITY;"
          + " default ${DEFAULT-VALUE})")
  double approveProbability;

  @Option(names = "--payment-seed",
      description = "seed making decisions repeatable (env PAYMENT_SEED; default: random)")
  Long seed;

  @Option(names = "--payment-threads", defaultValue = "8",
      description = "HTTP worker threads (env PAYMENT_THREADS; default ${DEFAULT-VALUE})")
  int threads;

  @Option(names = "--payment-max-references", defaultValue = "100000",
      description = "reference decisions remembered, LRU (env PAYMENT_MAX_REFERENCES;"
          + " default ${DEFAULT-VALUE})")
  int maxReferences;

  private final CountDownLatch stop = new CountDownLatch(1);
  private final CountDownLatch stopped = new CountDownLatch(1);

  /** The validated settings from the parsed options. */
  public PaymentConfig config() {
    return new PaymentConfig(HostPort.parse("LISTEN (--listen)", listen), approveProbability,
        seed, threads, maxReferences);
  }

  /** Starts a server for {@code config}; the caller closes it. */
  public static PaymentServer start(PaymentConfig config) {
    Random random = config.seed() == null ? new Random() : new Random(config.seed());
    PaymentAuthorizer authorizer = new PaymentAuthorizer(
        config.approveProbability(), random, Clock.systemUTC(), config.maxReferences());
    return PaymentServer.start(
        config.listen().host(), config.listen().port(), authorizer, config.threads());
  }

  @Override
  public Integer call() throws InterruptedException {
    PaymentConfig config;
    try {
      config = config();
    } catch (ConfigException e) {
      System.err.println("payment-server: " + e.getMessage());
      return 2;
    }
    PaymentServer started;
    try {
      started = start(config);
    } catch (java.io.UncheckedIOException e) {
      System.err.println("payment-server: " + e.getMessage() + ": " + e.getCause().getMessage());
      return 1;
    }
    try (PaymentServer server = started) {
      log.info("payment service listening on {} (WSDL {}?wsdl), approve-probability={}, seed={}",
          server.url(), server.url(), config.approveProbability(),
          config.seed() == null ? "random" : config.seed());
      Runtime.getRuntime().addShutdownHook(new Thread(this::stopAndWait, "payment-shutdown"));
      stop.await();
      log.info("payment service stopping");
    } finally {
      stopped.countDown();
    }
    return 0;
  }

  /** Shutdown hook: lets {@link #call} close the server, waiting a bounded time for it. */
  private void stopAndWait() {
    stop.countDown();
    try {
      stopped.await(10, java.util.concurrent.TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** A command line reading defaults from {@code env} (and the {@code .env} it names). */
  public static CommandLine commandLine(PaymentServerMain main, EnvDefaults env) {
    return new CommandLine(main).setDefaultValueProvider(env);
  }

  public static void main(String[] args) {
    System.exit(EnvDefaults.execute("payment-server", new CommandLine(new PaymentServerMain()),
        args));
  }
}
