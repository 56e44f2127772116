package dev.marketplace.cluster;

import dev.marketplace.config.ConfigException;
import dev.marketplace.config.EnvDefaults;
import dev.marketplace.config.HostPort;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The local cluster: {@code run} supervises every process of the system on this machine (our own
 * PostgreSQL unless {@code PG_URL} names one, each database replica, the payment service, the REST
 * servers), {@code await} waits until all of them answer their health checks and prints the
 * endpoints, {@code stop} stops everything and leaves no process behind, {@code status} shows what
 * runs. The {@code marketplace} script at the repository root wraps these.
 */
@Command(
    name = "local-cluster",
    mixinStandardHelpOptions = true,
    description = "Runs the whole marketplace on this machine.",
    subcommands = {
      LocalClusterMain.Run.class,
      LocalClusterMain.Await.class,
      LocalClusterMain.Stop.class,
      LocalClusterMain.Status.class
    })
public final class LocalClusterMain {

  /** Options shared by every subcommand; each reads the variable of the same name (see .env.example). */
  static final class Options {
    @Option(names = "--data-dir", defaultValue = "data", description = "Data, logs and pid files (DATA_DIR).")
    Path dataDir;

    @Option(names = "--customer-db-replicas",
        defaultValue = "127.0.0.1:21051,127.0.0.1:21052,127.0.0.1:21053,127.0.0.1:21054,127.0.0.1:21055")
    String customerDbReplicas;

    @Option(names = "--product-db-replicas",
        defaultValue = "127.0.0.1:21061,127.0.0.1:21062,127.0.0.1:21063,127.0.0.1:21064,127.0.0.1:21065")
    String productDbReplicas;

    @Option(names = "--seller-servers", defaultValue = "127.0.0.1:8081,127.0.0.1:8082")
    String sellerServers;

    @Option(names = "--buyer-servers", defaultValue = "127.0.0.1:8091,127.0.0.1:8092")
    String buyerServers;

    @Option(names = "--payment-url", defaultValue = "http://127.0.0.1:8100/payment")
    String paymentUrl;

    @Option(names = "--pg-url", description = "Existing PostgreSQL (JDBC URL); empty: run our own.")
    String pgUrl;

    @Option(names = "--pg-port", defaultValue = "25432", description = "Port of our own PostgreSQL.")
    int pgPort;

    @Option(names = "--start-timeout-seconds", defaultValue = "180",
        description = "How long 'await' waits for every health check.")
    int startTimeoutSeconds;

    @Option(names = "--child-java-opts", defaultValue = ClusterConfig.DEFAULT_CHILD_JAVA_OPTS,
        description = "JVM options of every replica and server process (CHILD_JAVA_OPTS).")
    String childJavaOpts;

    ClusterConfig config() {
      try {
        return new ClusterConfig(
                dataDir.toAbsolutePath(),
                HostPort.parseList("CUSTOMER_DB_REPLICAS", customerDbReplicas),
                HostPort.parseList("PRODUCT_DB_REPLICAS", productDbReplicas),
                HostPort.parseList("SELLER_SERVERS", sellerServers),
                HostPort.parseList("BUYER_SERVERS", buyerServers),
                URI.create(paymentUrl),
                pgUrl == null || pgUrl.isBlank() ? null : pgUrl,
                pgPort,
                Arrays.stream(childJavaOpts.trim().split("\\s+")).filter(s -> !s.isEmpty()).toList())
            .validate();
      } catch (IllegalArgumentException e) {
        throw new ConfigException("PAYMENT_URL: " + e.getMessage());
      }
    }
  }

  /** Runs and supervises everything in the foreground until SIGTERM/SIGINT. */
  @Command(name = "run", mixinStandardHelpOptions = true, description = "Start and supervise every process (foreground).")
  static final class Run implements Callable<Integer> {
    @Mixin Options options;

    @Override
    public Integer call() throws Exception {
      ClusterConfig cfg = options.config();
      Path pidFile = cfg.dataDir().resolve("supervisor.pid");
      Files.createDirectories(cfg.dataDir());
      Optional<ProcessHandle> running = livePid(pidFile);
      if (running.isPresent() && running.get().pid() != ProcessHandle.current().pid()) {
        System.err.println("already running (supervisor pid " + running.get().pid() + "); stop it first");
        return 1;
      }
      Files.writeString(pidFile, Long.toString(ProcessHandle.current().pid()));
      ClusterDatabases databases = ClusterDatabases.start(cfg);
      List<String> java = new ArrayList<>();
      java.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      java.addAll(cfg.childJavaOptions());
      java.add("-cp");
      java.add(System.getProperty("java.class.path"));
      Supervisor supervisor = new Supervisor(java, cfg.dataDir().resolve("logs"), cfg.dataDir().resolve("pids"));
      CountDownLatch stopped = new CountDownLatch(1);
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    supervisor.close();
                    databases.close();
                    try {
                      Files.deleteIfExists(pidFile);
                    } catch (IOException ignored) {
                      // nothing more to do while the JVM exits
                    }
                    stopped.countDown();
                  }));
      for (ChildSpec spec : Topology.children(cfg, databases)) {
        supervisor.start(spec);
      }
      Files.writeString(
          cfg.dataDir().resolve("endpoints.env"),
          cfg.endpointsEnv(databases.jdbcUrl("customer_"), databases.jdbcUrl("product_")));
      System.out.println("supervising; endpoints in " + cfg.dataDir().resolve("endpoints.env"));
      stopped.await();
      return 0;
    }
  }

  /** Waits until every process answers its health check, then prints the endpoints. */
  @Command(name = "await", mixinStandardHelpOptions = true, description = "Wait until everything is healthy; print endpoints.")
  static final class Await implements Callable<Integer> {
    @Mixin Options options;

    @Override
    public Integer call() throws Exception {
      ClusterConfig cfg = options.config();
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
      long started = System.nanoTime();
      long deadline = started + TimeUnit.SECONDS.toNanos(options.startTimeoutSeconds);
      List<URI> pending = new ArrayList<>(Topology.readyUrls(cfg));
      Path pidFile = cfg.dataDir().resolve("supervisor.pid");
      while (!pending.isEmpty()) {
        pending.removeIf(uri -> answers200(http, uri));
        if (pending.isEmpty()) {
          break;
        }
        // The supervisor writes its pid file once its JVM is up; give it a moment to appear.
        boolean starting = System.nanoTime() - started < TimeUnit.SECONDS.toNanos(30);
        if (livePid(pidFile).isEmpty() && !starting) {
          System.err.println("the supervisor is not running; see " + cfg.dataDir().resolve("logs"));
          return 1;
        }
        if (System.nanoTime() > deadline) {
          System.err.println("not healthy after " + options.startTimeoutSeconds + " s: " + pending);
          System.err.println("logs: " + cfg.dataDir().resolve("logs"));
          return 1;
        }
        TimeUnit.MILLISECONDS.sleep(250); // polling interval of a health check, not synchronization
      }
      printEndpoints(cfg, new PrintWriter(System.out, true));
      return 0;
    }
  }

  /** Stops the supervisor (which stops its children and PostgreSQL) and anything left behind. */
  @Command(name = "stop", mixinStandardHelpOptions = true, description = "Stop everything; leave no process behind.")
  static final class Stop implements Callable<Integer> {
    @Mixin Options options;

    @Override
    public Integer call() throws Exception {
      ClusterConfig cfg = options.config();
      Path pidFile = cfg.dataDir().resolve("supervisor.pid");
      Optional<ProcessHandle> supervisor = livePid(pidFile);
      if (supervisor.isPresent()) {
        supervisor.get().destroy();
        try {
          supervisor.get().onExit().get(60, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
          System.err.println("supervisor did not stop in 60 s; killing it");
          supervisor.get().destroyForcibly();
        }
      }
      // Children of a supervisor that was itself killed -9 are still listed in pids/.
      Path pids = cfg.dataDir().resolve("pids");
      if (Files.isDirectory(pids)) {
        try (var files = Files.list(pids)) {
          for (Path f : files.toList()) {
            livePid(f).ifPresent(p -> {
              p.destroy();
              p.onExit().orTimeout(15, TimeUnit.SECONDS).exceptionally(t -> {
                p.destroyForcibly();
                return p;
              }).join();
            });
            Files.deleteIfExists(f);
          }
        }
      }
      ClusterDatabases.stopLeftover(cfg);
      Files.deleteIfExists(pidFile);
      System.out.println("stopped");
      return 0;
    }
  }

  /** Prints what is running. */
  @Command(name = "status", mixinStandardHelpOptions = true, description = "Show the supervisor and each process.")
  static final class Status implements Callable<Integer> {
    @Mixin Options options;

    @Override
    public Integer call() throws Exception {
      ClusterConfig cfg = options.config();
      Optional<ProcessHandle> sup = livePid(cfg.dataDir().resolve("supervisor.pid"));
      System.out.println("supervisor: " + sup.map(p -> "running, pid " + p.pid()).orElse("not running"));
      Path pids = cfg.dataDir().resolve("pids");
      if (Files.isDirectory(pids)) {
        try (var files = Files.list(pids)) {
          for (Path f : files.sorted().toList()) {
            String name = f.getFileName().toString().replaceFirst("\\.pid$", "");
            System.out.printf("%-16s %s%n", name, livePid(f).map(p -> "pid " + p.pid()).orElse("down"));
          }
        }
      }
      return sup.isPresent() ? 0 : 3;
    }
  }

  static void printEndpoints(ClusterConfig cfg, PrintWriter out) {
    out.println("Marketplace is up.");
    out.printf("  %-22s %s%n", "seller servers", cfg.sellerServers().stream().map(h -> "http://" + h).toList());
    out.printf("  %-22s %s%n", "buyer servers", cfg.buyerServers().stream().map(h -> "http://" + h).toList());
    out.printf("  %-22s %s?wsdl%n", "payment (SOAP)", cfg.paymentUrl());
    out.printf("  %-22s %s%n", "customer-db replicas", HostPort.format(cfg.customerDbReplicas()));
    out.printf("  %-22s %s%n", "product-db replicas", HostPort.format(cfg.productDbReplicas()));
    out.printf("  %-22s %s%n", "endpoints file", cfg.dataDir().resolve("endpoints.env"));
    out.printf("  %-22s %s%n", "logs", cfg.dataDir().resolve("logs"));
  }

  static boolean answers200(HttpClient http, URI uri) {
    try {
      HttpResponse<Void> r =
          http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(3)).GET().build(),
              HttpResponse.BodyHandlers.discarding());
      return r.statusCode() == 200;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  static Optional<ProcessHandle> livePid(Path pidFile) {
    try {
      if (!Files.isRegularFile(pidFile)) {
        return Optional.empty();
      }
      long pid = Long.parseLong(Files.readString(pidFile).trim());
      return ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  public static void main(String[] args) {
    CommandLine cl = new CommandLine(new LocalClusterMain());
    cl.setExecutionExceptionHandler(
        (e, cmd, parsed) -> {
          if (e instanceof ConfigException) {
            cmd.getErr().println("configuration error: " + e.getMessage());
            return 2;
          }
          throw e;
        });
    System.exit(EnvDefaults.execute("marketplace", cl, args));
  }
}
