package dev.marketplace.productdb.raft;

import dev.marketplace.postgres.LocalPostgres;
import dev.marketplace.proto.ReplicaStatus;
import dev.marketplace.proto.StatusRequest;
import dev.marketplace.proto.product.ProductDbGrpc;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Test harness: {@code n} product-db replica PROCESSES ({@code java -cp <test classpath>
 * dev.marketplace.productdb.ProductDbMain}) on loopback, each with its own database on one {@link
 * LocalPostgres} and its own Raft log directory, replicated by Raft. Members can be killed with
 * SIGKILL and restarted with the same arguments. Each process logs to {@code <work>/replica-<i>.log}.
 * Not thread-safe except {@link #status}, {@link #channel} and {@link #alive}.
 */
final class ReplicaProcesses implements AutoCloseable {
  final int n;
  final Path work;
  final LocalPostgres pg;
  final String[] dbs;
  final int[] ports;
  final int[] peerPorts;
  final Process[] procs;
  final ManagedChannel[] channels;
  private final List<String> jvmOptions;
  /** Extra ProductDbMain arguments for every replica (e.g. a small snapshot interval). */
  final List<String> extraArgs = new ArrayList<>();

  /**
   * @param dbPrefix prefix of the database names (must be new on {@code pg})
   * @param jvmOptions extra JVM options for every replica (e.g. heap size)
   */
  ReplicaProcesses(int n, Path work, LocalPostgres pg, String dbPrefix, List<String> jvmOptions)
      throws IOException {
    this.n = n;
    this.work = work;
    this.pg = pg;
    this.jvmOptions = List.copyOf(jvmOptions);
    this.dbs = new String[n];
    this.ports = new int[n];
    this.peerPorts = new int[n];
    this.procs = new Process[n];
    this.channels = new ManagedChannel[n];
    List<ServerSocket> held = new ArrayList<>();
    try {
      for (int i = 0; i < n; i++) {
        ServerSocket a = new ServerSocket(0);
        ServerSocket b = new ServerSocket(0);
        held.add(a);
        held.add(b);
        ports[i] = a.getLocalPort();
        peerPorts[i] = b.getLocalPort();
      }
    } finally {
      for (ServerSocket s : held) s.close();
    }
    for (int i = 0; i < n; i++) {
      dbs[i] = dbPrefix + "_" + i;
      pg.createDatabase(dbs[i]);
      channels[i] = NettyChannelBuilder.forAddress("127.0.0.1", ports[i]).usePlaintext().build();
    }
    Files.createDirectories(work);
  }

  private static String list(int[] ps) {
    List<String> out = new ArrayList<>();
    for (int p : ps) out.add("127.0.0.1:" + p);
    return String.join(",", out);
  }

  /** Starts (or restarts) member {@code i} with its fixed arguments. */
  void start(int i) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmOptions);
    cmd.add("-cp");
    cmd.add(absoluteClassPath());
    cmd.add("dev.marketplace.productdb.ProductDbMain");
    cmd.addAll(List.of("--member-id", Integer.toString(i),
        "--product-db-replicas", list(ports),
        "--raft-peers", list(peerPorts),
        "--replication", System.getProperty("bench.replication", "raft"),
        "--raft-dir", work.resolve("raft-" + i).toString(),
        "--cluster-key", "process-test-cluster-key-123",
        "--pg-url", pg.jdbcUrl(dbs[i]),
        "--pg-user", pg.user()));
    cmd.addAll(extraArgs);
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(work.toFile())
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(work.resolve("replica-" + i + ".log")
            .toFile()));
    for (String v : List.of("PRODUCT_DB_REPLICAS", "RAFT_PEERS", "MEMBER_ID", "PG_URL",
        "REPLICATION", "RAFT_DIR", "CLUSTER_KEY")) {
      pb.environment().remove(v);
    }
    procs[i] = pb.start();
  }

  /** This JVM's class path with every entry absolute (the replicas run in another folder). */
  private static String absoluteClassPath() {
    List<String> out = new ArrayList<>();
    for (String e : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
      if (!e.isEmpty()) out.add(Path.of(e).toAbsolutePath().toString());
    }
    return String.join(java.io.File.pathSeparator, out);
  }

  void startAll() throws IOException {
    for (int i = 0; i < n; i++) start(i);
  }

  /** SIGKILLs member {@code i} and waits for it to be gone. */
  void kill(int i) throws InterruptedException {
    Process p = procs[i];
    if (p == null) return;
    p.destroyForcibly();
    p.waitFor(30, TimeUnit.SECONDS);
    procs[i] = null;
  }

  boolean alive(int i) {
    Process p = procs[i];
    return p != null && p.isAlive();
  }

  /** The member's status over gRPC, or null when it does not answer within a second. */
  ReplicaStatus status(int i) {
    try {
      return ProductDbGrpc.newBlockingStub(channels[i]).withDeadlineAfter(1, TimeUnit.SECONDS)
          .status(StatusRequest.getDefaultInstance());
    } catch (RuntimeException e) {
      return null;
    }
  }

  /** The leader all live members agree on, or -1. */
  int agreedLeader() {
    int leader = -2;
    for (int i = 0; i < n; i++) {
      if (!alive(i)) continue;
      ReplicaStatus s = status(i);
      if (s == null) return -1;
      if (leader == -2) leader = s.getLeaderId();
      else if (leader != s.getLeaderId()) return -1;
    }
    return leader < 0 ? -1 : leader;
  }

  /** A text dump of the replicated tables of member {@code i}'s database, row by row, sorted. */
  String dump(int i) {
    StringBuilder sb = new StringBuilder();
    try (Connection c = DriverManager.getConnection(pg.jdbcUrl(dbs[i]), pg.user(), "");
        Statement st = c.createStatement()) {
      for (String t : List.of("items", "reservations", "reservation_lines", "item_votes",
          "idempotency", "replica_state")) {
        sb.append("## ").append(t).append('\n');
        try (ResultSet rs = st.executeQuery("SELECT x::text FROM " + t + " x ORDER BY 1")) {
          while (rs.next()) sb.append(rs.getString(1)).append('\n');
        }
      }
    } catch (SQLException e) {
      throw new IllegalStateException("dump of " + dbs[i] + " failed", e);
    }
    return sb.toString();
  }

  /** The last lines of member {@code i}'s log, for failure messages. */
  String logTail(int i, int lines) {
    try {
      List<String> all = Files.readAllLines(work.resolve("replica-" + i + ".log"));
      return all.subList(Math.max(0, all.size() - lines), all.size()).stream()
          .collect(Collectors.joining("\n"));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  @Override
  public void close() {
    for (int i = 0; i < n; i++) {
      if (procs[i] != null) procs[i].destroyForcibly();
    }
    for (int i = 0; i < n; i++) {
      try {
        if (procs[i] != null) procs[i].waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (channels[i] != null) channels[i].shutdownNow();
    }
  }

  static void deleteQuietly(Path p) {
    try {
      if (Files.exists(p)) {
        try (var s = Files.walk(p)) {
          s.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
