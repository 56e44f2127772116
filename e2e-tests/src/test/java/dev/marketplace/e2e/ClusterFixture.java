package dev.marketplace.e2e;

import dev.marketplace.cluster.LocalClusterMain;
import dev.marketplace.config.HostPort;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import picocli.CommandLine;

/**
 * The whole system as real processes, for end-to-end tests: a local-cluster supervisor (its own
 * PostgreSQL, each database replica, payment, seller and buyer servers, each its own JVM) on free
 * ports in a temporary data folder. {@link #start} returns once every server answers its health
 * check; {@link #close} stops everything, checks that no process is left and deletes the data
 * folder (kept with {@code -De2e.keepData=true}; a failed start keeps it). Not thread-safe.
 */
final class ClusterFixture implements AutoCloseable {
  final Path dataDir;
  final List<HostPort> sellers;
  final List<HostPort> buyers;
  final List<HostPort> customerDbs;
  final List<HostPort> productDbs;
  final String paymentUrl;
  private final List<String> commonArgs;
  private final Process supervisor;
  private boolean keepData = Boolean.getBoolean("e2e.keepData");

  private ClusterFixture(
      Path dataDir, List<HostPort> sellers, List<HostPort> buyers, List<HostPort> customerDbs,
      List<HostPort> productDbs, String paymentUrl, List<String> commonArgs, Process supervisor) {
    this.dataDir = dataDir;
    this.sellers = sellers;
    this.buyers = buyers;
    this.customerDbs = customerDbs;
    this.productDbs = productDbs;
    this.paymentUrl = paymentUrl;
    this.commonArgs = commonArgs;
    this.supervisor = supervisor;
  }

  /**
   * Starts a cluster; {@code env} adds environment variables for every process (e.g.
   * SESSION_TIMEOUT_SECONDS, APPROVE_PROBABILITY).
   */
  static ClusterFixture start(
      int customerDbReplicas, int productDbReplicas, int sellerServers, int buyerServers,
      Map<String, String> env) throws Exception {
    Path root = Path.of(System.getProperty("java.io.tmpdir"));
    Path dataDir = Files.createTempDirectory(root, "marketplace-e2e-");
    // PostgreSQL runs as the 'postgres' user when we are root: it must be able to enter the folder.
    Files.setPosixFilePermissions(dataDir, PosixFilePermissions.fromString("rwxr-xr-x"));
    List<HostPort> sellers = freePorts(sellerServers);
    List<HostPort> buyers = freePorts(buyerServers);
    List<HostPort> customers = freePorts(customerDbReplicas);
    List<HostPort> products = freePorts(productDbReplicas);
    String paymentUrl = "http://127.0.0.1:" + freePorts(1).get(0).port() + "/payment";
    List<String> common =
        List.of(
            "--data-dir", dataDir.toString(),
            "--seller-servers", HostPort.format(sellers),
            "--buyer-servers", HostPort.format(buyers),
            "--customer-db-replicas", HostPort.format(customers),
            "--product-db-replicas", HostPort.format(products),
            "--payment-url", paymentUrl,
            "--pg-port", Integer.toString(freePorts(1).get(0).port()),
            "--child-java-opts", "-XX:+UseSerialGC -Xms32m -Xmx256m -XX:TieredStopAtLevel=1",
            "--start-timeout-seconds", "180");
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path")));
    cmd.add(LocalClusterMain.class.getName());
    cmd.add("run");
    cmd.addAll(common);
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.redirectOutput(dataDir.resolve("supervisor.log").toFile());
    Map<String, String> childEnv = new HashMap<>();
    childEnv.put("PASSWORD_HASH_ITERATIONS", "1000"); // a slow hash is the product default; tests need many logins
    childEnv.put("MARKETPLACE_ENV_FILE", dataDir.resolve("empty.env").toString());
    Files.writeString(dataDir.resolve("empty.env"), "# no settings: tests pass everything explicitly\n");
    childEnv.putAll(env);
    pb.environment().putAll(childEnv);
    Process supervisor = pb.start();
    ClusterFixture fixture =
        new ClusterFixture(dataDir, sellers, buyers, customers, products, paymentUrl, common, supervisor);
    int code = fixture.cluster("await");
    if (code != 0) {
      String log = Files.exists(dataDir.resolve("supervisor.log")) ? Files.readString(dataDir.resolve("supervisor.log")) : "";
      fixture.keepData = true;
      fixture.close();
      throw new IllegalStateException("cluster did not become healthy (await exit " + code + "):\n" + log
          + "\nlogs in " + dataDir.resolve("logs"));
    }
    return fixture;
  }

  /** Runs a local-cluster subcommand in this JVM against this cluster; returns its exit code. */
  int cluster(String subcommand) {
    List<String> args = new ArrayList<>();
    args.add(subcommand);
    args.addAll(commonArgs);
    return new CommandLine(new LocalClusterMain()).execute(args.toArray(String[]::new));
  }

  /** The live process of a supervised child (e.g. "seller-server-0"), from its pid file. */
  ProcessHandle child(String name) throws IOException {
    Path pid = dataDir.resolve("pids").resolve(name + ".pid");
    long value = Long.parseLong(Files.readString(pid).trim());
    return ProcessHandle.of(value).orElseThrow(() -> new IllegalStateException(name + " is not running"));
  }

  /** The environment a CLI needs to find this cluster. */
  Map<String, String> clientEnv() {
    return Map.of(
        "SELLER_SERVERS", HostPort.format(sellers),
        "BUYER_SERVERS", HostPort.format(buyers));
  }

  /**
   * Stops everything, then checks that nothing is left: the supervisor and every process it
   * started (PostgreSQL included) have exited, and the supervisor's pid file is gone. Throws
   * {@link IllegalStateException} naming what survived (after killing it).
   */
  @Override
  public void close() throws Exception {
    List<ProcessHandle> started = new ArrayList<>();
    supervisor.toHandle().descendants().forEach(started::add);
    int stopCode = cluster("stop");
    supervisor.destroy();
    if (!supervisor.waitFor(60, TimeUnit.SECONDS)) {
      supervisor.destroyForcibly();
    }
    List<String> leftovers = new ArrayList<>();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    for (ProcessHandle p : started) {
      while (p.isAlive() && System.nanoTime() < deadline) {
        try {
          p.onExit().get(1, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
          // check the deadline again
        }
      }
      if (p.isAlive()) {
        leftovers.add(p.pid() + " " + p.info().commandLine().orElse("?"));
        p.destroyForcibly();
      }
    }
    if (supervisor.isAlive()) {
      leftovers.add("supervisor " + supervisor.pid());
    }
    if (Files.exists(dataDir.resolve("supervisor.pid"))) {
      leftovers.add("supervisor.pid file");
    }
    if (stopCode != 0 || !leftovers.isEmpty()) {
      throw new IllegalStateException("cluster in " + dataDir + " not cleanly stopped (stop exit "
          + stopCode + "), left running: " + leftovers);
    }
    if (!keepData) { // -De2e.keepData=true keeps logs and databases
      try (Stream<Path> files = Files.walk(dataDir)) {
        files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
  }

  private static List<HostPort> freePorts(int n) throws IOException {
    List<HostPort> result = new ArrayList<>();
    List<ServerSocket> held = new ArrayList<>();
    try {
      for (int i = 0; i < n; i++) {
        ServerSocket s = new ServerSocket(0);
        held.add(s);
        result.add(new HostPort("127.0.0.1", s.getLocalPort()));
      }
    } finally {
      for (ServerSocket s : held) {
        s.close();
      }
    }
    return result;
  }
}
