package dev.marketplace.productdb.raft;

import dev.marketplace.config.HostPort;
import dev.marketplace.postgres.LocalPostgres;
import dev.marketplace.proto.product.Condition;
import dev.marketplace.proto.product.CreateItemRequest;
import dev.marketplace.proto.product.ProductDbGrpc;
import dev.marketplace.raft.node.RaftNode;
import dev.marketplace.raft.node.RaftNodeOptions;
import dev.marketplace.raft.node.RaftStateMachine;
import dev.marketplace.raft.storage.SegmentedLogStorage;
import dev.marketplace.replica.GrpcServerHost;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * Benchmark of Raft and of product-db on it, printed as a table (see raft/README.md for the
 * command). Everything is durable (each member fsyncs its Raft log) and on loopback:
 *
 * <ol>
 *   <li><b>raw Raft</b>: 5 {@link RaftNode}s in ONE JVM, each with its own segmented log and its
 *       own gRPC server, talking over {@link GrpcRaftTransport}; closed-loop clients propose
 *       100-byte entries at the leader and wait until they are applied there.
 *   <li><b>product-db</b>: 5 replica PROCESSES on one local PostgreSQL (one database each);
 *       closed-loop gRPC clients send CreateItem and SetQuantity to all replicas (followers
 *       forward to the leader); a write counts when acknowledged (applied to PostgreSQL on the
 *       replica that took the call).
 *   <li><b>leader kill</b>: under an 8-client product-db load, SIGKILL the leader and measure
 *       until a probe write (sent round-robin to the live replicas) is acknowledged; restart it;
 *       repeat.
 * </ol>
 *
 * <p>Options: {@code --seconds N} (measured seconds per row, default 8), {@code --warmup N}
 * (default 3), {@code --prewarm N} (seconds of 32-client product-db load before the first row,
 * default 0; on a busy 2-core machine the five JVMs' JIT compilers need 30 s or more), {@code
 * --replica-jvm OPTION} (repeatable, e.g. {@code -XX:TieredStopAtLevel=1}), {@code --kills N} (default 3; the issue asks for the median of 10), {@code
 * --clients 1,8,32}, {@code --skip-raw}, {@code --skip-db}. Not thread-safe (a main).
 */
public final class RaftBenchmark {
  private int seconds = 8;
  private int warmup = 3;
  private int prewarm;
  private final List<String> replicaJvm = new ArrayList<>(List.of("-Xmx256m"));
  private int kills = 3;
  private int[] clientLevels = {1, 8, 32};
  private boolean skipRaw;
  private boolean skipDb;
  private int dbReplicas = 5;
  private final List<String> rows = new ArrayList<>();

  public static void main(String[] args) throws Exception {
    RaftBenchmark b = new RaftBenchmark();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--seconds" -> b.seconds = Integer.parseInt(args[++i]);
        case "--warmup" -> b.warmup = Integer.parseInt(args[++i]);
        case "--prewarm" -> b.prewarm = Integer.parseInt(args[++i]);
        case "--replica-jvm" -> b.replicaJvm.add(args[++i]);
        case "--kills" -> b.kills = Integer.parseInt(args[++i]);
        case "--clients" -> b.clientLevels = Arrays.stream(args[++i].split(","))
            .mapToInt(Integer::parseInt).toArray();
        case "--skip-raw" -> b.skipRaw = true;
        case "--skip-db" -> b.skipDb = true;
        case "--db-replicas" -> b.dbReplicas = Integer.parseInt(args[++i]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    Path work = Files.createTempDirectory("raft-bench-");
    try {
      if (!b.skipRaw) b.rawRaft(work.resolve("raw"));
      if (!b.skipDb) b.productDb(work.resolve("db"));
    } finally {
      ReplicaProcesses.deleteQuietly(work);
    }
    b.print();
    System.exit(0);
  }

  private void row(String what, int clients, long writes, double secs, Histogram h) {
    rows.add(String.format("| %-44s | %7d | %9.0f | %8.2f | %8.2f | %8.2f |", what, clients,
        writes / secs, h.getValueAtPercentile(50) / 1e6, h.getValueAtPercentile(99) / 1e6,
        h.getMaxValue() / 1e6));
    System.out.println(rows.get(rows.size() - 1));
  }

  private void print() {
    System.out.println();
    System.out.println("| what                                         | clients |  writes/s "
        + "| p50 ms   | p99 ms   | max ms   |");
    System.out.println("|----------------------------------------------|---------|-----------"
        + "|----------|----------|----------|");
    rows.forEach(System.out::println);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  // ------------------------------------------------------------------ raw Raft

  /** A state machine that only counts; snapshots are the counter. */
  private static final class Counter implements RaftStateMachine {
    private long last;

    @Override
    public synchronized long lastApplied() {
      return last;
    }

    @Override
    public synchronized List<byte[]> apply(long firstIndex, List<byte[]> commands) {
      List<byte[]> out = new ArrayList<>(commands.size());
      for (int i = 0; i < commands.size(); i++) out.add(new byte[0]);
      last = firstIndex + commands.size() - 1;
      return out;
    }

    @Override
    public synchronized StateSnapshot snapshot() {
      return new StateSnapshot(last, ByteBuffer.allocate(8).putLong(last).array());
    }

    @Override
    public synchronized long restore(byte[] data) {
      last = ByteBuffer.wrap(data).getLong();
      return last;
    }
  }

  private void rawRaft(Path dir) throws Exception {
    int n = 5;
    List<HostPort> peers = new ArrayList<>();
    for (int i = 0; i < n; i++) peers.add(new HostPort("127.0.0.1", freePort()));
    RaftNode[] nodes = new RaftNode[n];
    GrpcServerHost[] servers = new GrpcServerHost[n];
    String key = "benchmark-cluster-key-0123456789";
    try {
      for (int i = 0; i < n; i++) {
        GrpcRaftTransport t = new GrpcRaftTransport(i, peers, key);
        servers[i] = GrpcServerHost.start("127.0.0.1", peers.get(i).port(), t.service());
        nodes[i] = new RaftNode(RaftNodeOptions.defaults(i, n).withSnapshotEvery(50_000),
            new SegmentedLogStorage(dir.resolve("n" + i)), t, new Counter(), null);
        nodes[i].start();
      }
      RaftNode leader = null;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (leader == null) {
        if (System.nanoTime() > deadline) throw new IllegalStateException("no leader");
        for (RaftNode node : nodes) if (node.status().isLeader()) leader = node;
        LockSupport.parkNanos(10_000_000);
      }
      byte[] payload = new byte[100];
      Arrays.fill(payload, (byte) 'x');
      for (int clients : clientLevels) {
        RaftNode l = leader;
        ConcurrentHistogram h = new ConcurrentHistogram(3);
        long[] count = new long[1];
        AtomicBoolean stop = new AtomicBoolean();
        AtomicBoolean measuring = new AtomicBoolean();
        List<Thread> ts = new ArrayList<>();
        java.util.concurrent.atomic.AtomicLong done = new java.util.concurrent.atomic.AtomicLong();
        for (int c = 0; c < clients; c++) {
          Thread t = new Thread(() -> {
            while (!stop.get()) {
              long t0 = System.nanoTime();
              try {
                l.propose(payload).get(10, TimeUnit.SECONDS);
              } catch (Exception e) {
                continue;
              }
              if (measuring.get()) {
                h.recordValue(System.nanoTime() - t0);
                done.incrementAndGet();
              }
            }
          });
          t.setDaemon(true);
          ts.add(t);
          t.start();
        }
        waitSeconds(warmup);
        measuring.set(true);
        long t0 = System.nanoTime();
        waitSeconds(seconds);
        measuring.set(false);
        double secs = (System.nanoTime() - t0) / 1e9;
        count[0] = done.get();
        stop.set(true);
        for (Thread t : ts) t.join(15_000);
        row("raw Raft log, 5 nodes, 1 JVM, gRPC, fsync", clients, count[0], secs, h);
      }
      System.out.printf("leader fsyncs %d for %d entries%n", leader.status().fsyncs(),
          leader.status().persistedEntries());
    } finally {
      for (RaftNode node : nodes) if (node != null) node.close();
      for (GrpcServerHost s : servers) if (s != null) s.close();
    }
  }

  /**
   * CPU time (user + system) of the servers: every process descending from this JVM (the
   * replica processes) plus the PostgreSQL postmaster {@code postmaster} and its children, read
   * from /proc (0 where there is none). Unlike writes/s, CPU per write hardly depends on what
   * else the machine runs.
   */
  static long serverCpuNanos(long postmaster) {
    java.util.Set<Long> ours = new java.util.HashSet<>();
    ProcessHandle.current().descendants().forEach(ph -> ours.add(ph.pid()));
    long ticks = 0;
    try (var dirs = Files.list(Path.of("/proc"))) {
      for (Path p : (Iterable<Path>) dirs::iterator) {
        String name = p.getFileName().toString();
        if (!name.chars().allMatch(Character::isDigit)) continue;
        String stat;
        try {
          stat = Files.readString(p.resolve("stat"));
        } catch (IOException e) {
          continue; // exited meanwhile
        }
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long pid = Long.parseLong(name);
        if (ours.contains(pid) || pid == postmaster || Long.parseLong(f[1]) == postmaster) {
          ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime
        }
      }
    } catch (IOException e) {
      return 0;
    }
    return ticks * 10_000_000L; // USER_HZ = 100
  }

  /** Blocks the calling (benchmark driver) thread for a measurement window. */
  private static void waitSeconds(int s) throws InterruptedException {
    Thread.sleep(TimeUnit.SECONDS.toMillis(s)); // a measurement window, not synchronization
  }

  // ------------------------------------------------------------------ product-db

  private void productDb(Path dir) throws Exception {
    try (LocalPostgres pg = LocalPostgres.start(LocalPostgres.newTempDataDir("bench-pg-"));
        ReplicaProcesses cluster = new ReplicaProcesses(dbReplicas, dir, pg, "bench",
            replicaJvm)) {
      cluster.startAll();
      awaitCluster(cluster, 120);
      if (prewarm > 0) { // 32 clients first, so the five JVMs' JIT compilers are done
        WriteLoad load = new WriteLoad(cluster.channels, "prewarm", 3, null);
        load.start(32);
        waitSeconds(prewarm);
        load.close();
      }
      for (int clients : clientLevels) {
        ConcurrentHistogram h = new ConcurrentHistogram(3);
        AtomicBoolean measuring = new AtomicBoolean();
        WriteLoad load = new WriteLoad(cluster.channels, "b" + clients, 3,
            ns -> {
              if (measuring.get()) h.recordValue(ns);
            });
        load.start(clients);
        waitSeconds(warmup);
        long a0 = load.acked.get();
        long cpu0 = serverCpuNanos(pg.pid());
        measuring.set(true);
        long t0 = System.nanoTime();
        waitSeconds(seconds);
        measuring.set(false);
        long writes = load.acked.get() - a0;
        long cpu = serverCpuNanos(pg.pid()) - cpu0;
        double secs = (System.nanoTime() - t0) / 1e9;
        load.close();
        System.out.printf("(%d failed attempts retried)%n", load.failedAttempts.get());
        for (int i = 0; i < cluster.n; i++) {
          System.out.println("  replica " + i + ": " + String.valueOf(cluster.status(i))
              .replace('\n', ' '));
        }
        row("product-db CreateItem/SetQuantity, " + dbReplicas + " processes", clients, writes, secs, h);
        double perWrite = writes == 0 ? 0 : cpu / 1e3 / writes;
        rows.add(String.format("|   server CPU (replica JVMs + PostgreSQL): %.2f cores busy, %.0f us"
            + " per write; %d cores => at most %.0f writes/s if nothing else ran |",
            cpu / 1e9 / secs, perWrite, Runtime.getRuntime().availableProcessors(),
            perWrite == 0 ? 0 : Runtime.getRuntime().availableProcessors() * 1e6 / perWrite));
        System.out.println(rows.get(rows.size() - 1));
      }
      leaderKills(cluster);
    }
  }

  private static void awaitCluster(ReplicaProcesses c, int seconds) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (true) {
      boolean up = true;
      for (int i = 0; i < c.n && up; i++) up = c.alive(i) && c.status(i) != null;
      if (up && c.agreedLeader() >= 0) return;
      if (System.nanoTime() > deadline) {
        for (int i = 0; i < c.n; i++) {
          System.err.println("---- replica " + i + " alive=" + c.alive(i) + " status="
              + c.status(i) + "\n" + c.logTail(i, 20));
        }
        throw new IllegalStateException("cluster not up");
      }
      LockSupport.parkNanos(100_000_000);
    }
  }

  private void leaderKills(ReplicaProcesses cluster) throws Exception {
    List<Double> ms = new ArrayList<>();
    WriteLoad load = new WriteLoad(cluster.channels, "kills", 3, null);
    load.start(8);
    try {
      for (int k = 0; k < kills; k++) {
        awaitCluster(cluster, 120);
        // let the restarted member catch up before the next kill
        long target = load.acked.get() + 200;
        while (load.acked.get() < target) LockSupport.parkNanos(10_000_000);
        int leader = cluster.agreedLeader();
        if (leader < 0) {
          k--;
          continue;
        }
        cluster.kill(leader);
        long t0 = System.nanoTime();
        int replica = (leader + 1) % cluster.n;
        long seq = 0;
        while (true) {
          try {
            ProductDbGrpc.newBlockingStub(cluster.channels[replica])
                .withDeadlineAfter(1, TimeUnit.SECONDS)
                .createItem(CreateItemRequest.newBuilder().setSellerId(7).setName("probe")
                    .setCategory(1).setCondition(Condition.NEW).setPriceCents(1).setQuantity(1)
                    .setIdempotencyKey("probe-" + k + "-" + (seq++)).build());
            break;
          } catch (RuntimeException e) {
            replica = (replica + 1) % cluster.n;
            if (replica == leader) replica = (replica + 1) % cluster.n;
            LockSupport.parkNanos(5_000_000);
          }
        }
        double dt = (System.nanoTime() - t0) / 1e6;
        ms.add(dt);
        System.out.printf("kill %d: leader %d, next committed write after %.0f ms%n", k + 1,
            leader, dt);
        cluster.start(leader);
      }
    } finally {
      load.close();
    }
    List<Double> sorted = new ArrayList<>(ms);
    sorted.sort(Double::compare);
    int m = sorted.size();
    double median = m == 0 ? Double.NaN
        : (sorted.get((m - 1) / 2) + sorted.get(m / 2)) / 2;
    rows.add(String.format("| %-44s | %7s | %9s | %8.0f | %8s | %8.0f |",
        "leader SIGKILL -> next committed write (" + ms.size() + " kills)", "8", "-", median,
        "-", sorted.isEmpty() ? Double.NaN : sorted.get(sorted.size() - 1)));
    System.out.println(rows.get(rows.size() - 1) + "   (p50 column = median ms)");
  }
}
