package dev.marketplace.customerdb.totem;

import dev.marketplace.postgres.LocalPostgres;
import dev.marketplace.postgres.SharedLocalPostgres;
import dev.marketplace.proto.ReplicaStatus;
import dev.marketplace.proto.StatusRequest;
import dev.marketplace.proto.customer.CustomerDbGrpc;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * N real customer-db processes ({@code java -cp <test classpath> CustomerDbMain}) replicated by
 * totem, each with its own database on one shared {@link LocalPostgres}. For the process test and
 * the end-to-end benchmark. Thread-safe for status/stub calls; start/kill/restart from one thread.
 */
public final class CustomerDbProcesses implements AutoCloseable {
  static final String CLUSTER_KEY = "process-test-cluster-key-0123456789";
  private final int n;
  private final double lossRate;
  private final int offset;
  private final List<Integer> ports = new ArrayList<>();
  private final List<String> databases = new ArrayList<>();
  private final List<Process> processes = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final Path logDir;
  private final LocalPostgres pg;

  private final boolean fastStart;
  private final List<String> extraJvm;

  private CustomerDbProcesses(int n, double lossRate, int offset, Path logDir, LocalPostgres pg,
      boolean fastStart, List<String> extraJvm) {
    this.fastStart = fastStart;
    this.extraJvm = List.copyOf(extraJvm);
    this.n = n;
    this.lossRate = lossRate;
    this.offset = offset;
    this.logDir = logDir;
    this.pg = pg;
  }

  /**
   * Creates the databases, picks ports and starts every process.
   *
   * @param fastStart run the processes with C1 only (quicker start on a busy machine; tests), or
   *     with the full JIT (benchmarks)
   */
  public static CustomerDbProcesses start(int n, double lossRate, boolean fastStart)
      throws IOException {
    return start(n, lossRate, fastStart, List.of());
  }

  /**
   * As {@link #start(int, double, boolean)}, with extra JVM options for every process (e.g.
   * {@code -XX:TieredStopAtLevel=1}, {@code -XX:StartFlightRecording=...}); they come after the
   * defaults, so they override them.
   */
  public static CustomerDbProcesses start(int n, double lossRate, boolean fastStart,
      List<String> extraJvm) throws IOException {
    LocalPostgres pg = SharedLocalPostgres.get();
    Path logs = Path.of("target", "customer-db-processes", "run-" + System.nanoTime());
    Files.createDirectories(logs);
    int offset = 1000;
    CustomerDbProcesses c = new CustomerDbProcesses(n, lossRate, offset, logs, pg, fastStart,
        extraJvm);
    for (int i = 0; i < n; i++) {
      c.ports.add(freePortPair(offset, c.ports));
      c.databases.add(SharedLocalPostgres.newDatabase("cust_totem"));
      c.processes.add(null);
      c.channels.add(ManagedChannelBuilder.forAddress("127.0.0.1", c.ports.get(i))
          .usePlaintext().build());
    }
    for (int i = 0; i < n; i++) {
      c.launch(i);
    }
    return c;
  }

  /** The replicas list as given to every process. */
  public String replicasOption() {
    StringBuilder sb = new StringBuilder();
    for (int p : ports) {
      sb.append(sb.length() == 0 ? "" : ",").append("127.0.0.1:").append(p);
    }
    return sb.toString();
  }

  private void launch(int i) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd = new ArrayList<>(List.of(java, "-Xmx256m", "-XX:+UseSerialGC"));
    if (fastStart) {
      cmd.add("-XX:TieredStopAtLevel=1");
    }
    cmd.addAll(extraJvm);
    cmd.addAll(List.of("-cp", absoluteClassPath(),
        "dev.marketplace.customerdb.CustomerDbMain",
        "--member-id=" + i,
        "--customer-db-replicas=" + replicasOption(),
        "--pg-url=" + pg.jdbcUrl(databases.get(i)),
        "--pg-user=" + pg.user(),
        "--replication=totem",
        "--totem-port-offset=" + offset,
        "--totem-loss-rate=" + lossRate,
        "--cluster-key=" + CLUSTER_KEY,
        "--password-hash-iterations=1000"));
    File dir = logDir.toFile();
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(logDir.resolve("member-" + i + ".log")
            .toFile()));
    pb.environment().keySet().removeIf(k -> k.startsWith("CUSTOMER_DB") || k.startsWith("PG_")
        || k.equals("MEMBER_ID") || k.startsWith("TOTEM") || k.equals("CLUSTER_KEY")
        || k.equals("REPLICATION"));
    processes.set(i, pb.start());
  }

  /** The current class path with every entry made absolute (the processes run elsewhere). */
  private static String absoluteClassPath() {
    StringBuilder sb = new StringBuilder();
    for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
      if (!e.isEmpty()) {
        sb.append(sb.length() == 0 ? "" : File.pathSeparator)
            .append(Path.of(e).toAbsolutePath());
      }
    }
    return sb.toString();
  }

  /** Number of members. */
  public int size() {
    return n;
  }

  /** SIGKILL (kill -9) of member {@code i}'s process; waits until it is gone. */
  public void kill9(int i) throws InterruptedException {
    Process p = processes.get(i);
    p.destroyForcibly();
    p.waitFor(30, TimeUnit.SECONDS);
  }

  /** Starts member {@code i} again with the same options and database. */
  public void restart(int i) throws IOException {
    Process p = processes.get(i);
    if (p != null && p.isAlive()) {
      throw new IllegalStateException("member " + i + " is still running");
    }
    launch(i);
  }

  /** Whether member {@code i}'s process is alive. */
  public boolean alive(int i) {
    Process p = processes.get(i);
    return p != null && p.isAlive();
  }

  /** A blocking stub of member {@code i} with a deadline. */
  public CustomerDbGrpc.CustomerDbBlockingStub stub(int i, long deadlineMillis) {
    return CustomerDbGrpc.newBlockingStub(channels.get(i))
        .withDeadlineAfter(deadlineMillis, TimeUnit.MILLISECONDS);
  }

  /** A future stub of member {@code i} (no deadline: the caller sets one per call). */
  public CustomerDbGrpc.CustomerDbFutureStub futureStub(int i) {
    return CustomerDbGrpc.newFutureStub(channels.get(i));
  }

  /** Lets the next call to member {@code i} connect at once (after a restart). */
  public void resetBackoff(int i) {
    channels.get(i).resetConnectBackoff();
  }

  /** Member {@code i}'s status, or null when it does not answer within 1 s. */
  public ReplicaStatus status(int i) {
    try {
      return stub(i, 1_000).status(StatusRequest.getDefaultInstance());
    } catch (RuntimeException e) {
      channels.get(i).resetConnectBackoff(); // a (re)starting process: retry the connect now
      return null;
    }
  }

  /** True when every member answers, is in a 5-member view and has a quorum. */
  public boolean allUp() {
    for (int i = 0; i < n; i++) {
      ReplicaStatus s = status(i);
      if (s == null || !s.getHasQuorum() || s.getMembersCount() != n) {
        return false;
      }
    }
    return true;
  }

  /**
   * A canonical dump of every table of member {@code i}'s database (rows sorted), except
   * Flyway's history (install times differ).
   */
  public String dump(int i) throws SQLException {
    StringBuilder sb = new StringBuilder();
    try (Connection c = DriverManager.getConnection(pg.jdbcUrl(databases.get(i)), pg.user(), "");
        Statement st = c.createStatement()) {
      List<String> tables = new ArrayList<>();
      try (ResultSet rs = st.executeQuery("SELECT tablename FROM pg_tables WHERE schemaname = "
          + "'public' AND tablename <> 'flyway_schema_history' ORDER BY tablename")) {
        while (rs.next()) {
          tables.add(rs.getString(1));
        }
      }
      for (String t : tables) {
        sb.append("== ").append(t).append('\n');
        List<String> rows = new ArrayList<>();
        try (ResultSet rs = st.executeQuery("SELECT * FROM \"" + t + "\"")) {
          ResultSetMetaData md = rs.getMetaData();
          while (rs.next()) {
            StringBuilder row = new StringBuilder();
            for (int col = 1; col <= md.getColumnCount(); col++) {
              row.append(col == 1 ? "" : "|").append(rs.getString(col));
            }
            rows.add(row.toString());
          }
        }
        rows.sort(null);
        for (String r : rows) {
          sb.append(r).append('\n');
        }
      }
    }
    return sb.toString();
  }

  /** Runs {@code sql} (a single-value query) on member {@code i}'s database. */
  public long queryLong(int i, String sql) throws SQLException {
    try (Connection c = DriverManager.getConnection(pg.jdbcUrl(databases.get(i)), pg.user(), "");
        Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /** Where the processes' logs go. */
  public Path logDir() {
    return logDir;
  }

  @Override
  public void close() {
    for (Process p : processes) {
      if (p != null) {
        p.destroyForcibly();
      }
    }
    for (Process p : processes) {
      if (p != null) {
        try {
          p.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
    for (ManagedChannel ch : channels) {
      ch.shutdownNow();
    }
  }

  /** A TCP port p free, with p + offset free for UDP and TCP too (probed, then released). */
  private static int freePortPair(int offset, List<Integer> taken) throws IOException {
    InetAddress lo = InetAddress.getLoopbackAddress();
    for (int attempt = 0; attempt < 200; attempt++) {
      int p;
      try (ServerSocket s = new ServerSocket()) {
        s.bind(new InetSocketAddress(lo, 0));
        p = s.getLocalPort();
      }
      if (p + offset > 65_535 || taken.contains(p) || taken.contains(p + offset)
          || taken.contains(p - offset)) {
        continue;
      }
      try (ServerSocket t = new ServerSocket();
          DatagramChannel u = DatagramChannel.open()) {
        t.bind(new InetSocketAddress(lo, p + offset));
        u.bind(new InetSocketAddress(lo, p + offset));
        return p;
      } catch (IOException busy) {
        // try another
      }
    }
    throw new IOException("no free port pair found");
  }
}
