package dev.marketplace.productdb.raft;

import dev.marketplace.config.HostPort;
import dev.marketplace.postgres.LocalPostgres;
import dev.marketplace.proto.ReplicaStatus;
import dev.marketplace.proto.product.Condition;
import dev.marketplace.proto.product.CreateItemRequest;
import dev.marketplace.proto.product.ProductDbGrpc;
import dev.marketplace.raft.node.RaftNode;
import dev.marketplace.raft.node.RaftNodeOptions;
import dev.marketplace.raft.node.RaftStateMachine;
import dev.marketplace.raft.storage.SegmentedLogStorage;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
 * --replica-jvm OPTION} (repeatable, e.g. {@code -XX:TieredStopAtLevel=1}), {@code --kills N}
 * (default 3; the issue asks for the median of 10), {@code --clients 1,8,32}, {@code --only
 * raw,db,kills} (any subset; default all three), {@code --skip-raw}, {@code --skip-db} (db
 * throughput and kills), {@code --trace-elections} (replicas log every vote message), {@code
 * --keep} (keep the work directory with the replica logs). Not thread-safe (a main).
 */
public final class RaftBenchmark {
  private int seconds = 8;
  private int warmup = 3;
  private int prewarm;
  private final List<String> replicaJvm = new ArrayList<>(List.of("-Xmx256m"));
  private int kills = 3;
  private int[] clientLevels = {1, 8, 32};
  private boolean runRaw = true;
  private boolean runDb = true;
  private boolean runKills = true;
  private boolean traceElections;
  private boolean keep;
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
        case "--skip-raw" -> b.runRaw = false;
        case "--skip-db" -> {
          b.runDb = false;
          b.runKills = false;
        }
        case "--only" -> {
          List<String> parts = Arrays.asList(args[++i].split(","));
          for (String part : parts) {
            if (!List.of("raw", "db", "kills").contains(part)) {
              throw new IllegalArgumentException("--only takes raw, db, kills; got " + part);
            }
          }
          b.runRaw = parts.contains("raw");
          b.runDb = parts.contains("db");
          b.runKills = parts.contains("kills");
        }
        case "--trace-elections" -> b.traceElections = true;
        case "--keep" -> b.keep = true;
        case "--db-replicas" -> b.dbReplicas = Integer.parseInt(args[++i]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    Path work = Files.createTempDirectory("raft-bench-");
    try {
      if (b.runRaw) b.rawRaft(work.resolve("raw"));
      if (b.runDb || b.runKills) b.productDb(work.resolve("db"));
    } finally {
      if (b.keep) System.out.println("work directory kept: " + work);
      else ReplicaProcesses.deleteQuietly(work);
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
    GrpcRaftTransport[] transports = new GrpcRaftTransport[n];
    RaftPeerServer[] servers = new RaftPeerServer[n];
    String key = "benchmark-cluster-key-0123456789";
    try {
      for (int i = 0; i < n; i++) {
        GrpcRaftTransport t = new GrpcRaftTransport(i, peers, key);
        transports[i] = t;
        servers[i] = RaftPeerServer.start("127.0.0.1", peers.get(i).port(), t);
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
        long[] before = counters(nodes, transports, l);
        measuring.set(true);
        long t0 = System.nanoTime();
        waitSeconds(seconds);
        measuring.set(false);
        double secs = (System.nanoTime() - t0) / 1e9;
        count[0] = done.get();
        long[] after = counters(nodes, transports, l);
        double w = Math.max(1, count[0]);
        System.out.printf("  per write: %.2f frames, %.2f fsyncs, %.2f peer messages sent (all 5"
            + " members); leader: %.1f entries per fsync, sent %.2f / received %.2f messages per"
            + " write%n",
            (after[0] - before[0]) / w, (after[1] - before[1]) / w, (after[7] - before[7]) / w,
            (after[3] - before[3]) / (double) Math.max(1, after[2] - before[2]),
            (after[4] - before[4]) / w, (after[5] - before[5]) / w);
        if (after[6] != before[6] || !l.status().isLeader()) {
          System.out.printf("  leadership changed during the run (term %d -> %d)%n", before[6],
              after[6]);
        }
        stop.set(true);
        for (Thread t : ts) t.join(15_000);
        row("raw Raft log, 5 nodes, 1 JVM, gRPC, fsync", clients, count[0], secs, h);
      }
      System.out.printf("leader fsyncs %d for %d entries%n", leader.status().fsyncs(),
          leader.status().persistedEntries());
    } finally {
      for (RaftNode node : nodes) if (node != null) node.close();
      for (RaftPeerServer s : servers) if (s != null) s.close();
    }
  }

  /**
   * {frames accepted by all, fsyncs of all, leader fsyncs, leader persisted entries, leader
   * messages sent, leader messages received, leader term, messages sent by all}.
   */
  private static long[] counters(RaftNode[] nodes, GrpcRaftTransport[] ts, RaftNode leader) {
    long frames = 0;
    long fsyncs = 0;
    long sent = 0;
    for (GrpcRaftTransport t : ts) frames += t.accepted();
    for (RaftNode node : nodes) {
      fsyncs += node.status().fsyncs();
      sent += node.status().messagesSent();
    }
    return new long[] {frames, fsyncs, leader.status().fsyncs(),
        leader.status().persistedEntries(), leader.status().messagesSent(),
        leader.status().messagesReceived(), leader.status().term(), sent};
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
    try {
      return dev.marketplace.replica.testing.ApplyBench.procCpuNanos((pid, ppid) ->
          ours.contains(pid) || pid == postmaster || ppid == postmaster);
    } catch (IOException e) {
      return 0;
    }
  }

  /**
   * Context switches (voluntary + involuntary, all threads) of the replica processes (every
   * process descending from this JVM), from /proc. Per write it counts thread wakeups and
   * handoffs, which hardly depends on what else the machine runs.
   */
  static long serverContextSwitches() {
    long[] sum = {0};
    ProcessHandle.current().descendants().forEach(ph -> {
      try (var tasks = Files.list(Path.of("/proc", Long.toString(ph.pid()), "task"))) {
        for (Path t : (Iterable<Path>) tasks::iterator) {
          try {
            for (String line : Files.readAllLines(t.resolve("status"))) {
              if (line.startsWith("voluntary_ctxt_switches:")
                  || line.startsWith("nonvoluntary_ctxt_switches:")) {
                sum[0] += Long.parseLong(line.substring(line.indexOf(':') + 1).strip());
              }
            }
          } catch (IOException | RuntimeException e) {
            // the thread exited meanwhile
          }
        }
      } catch (IOException e) {
        // the process exited meanwhile
      }
    });
    return sum[0];
  }

  private static List<String> withTrace(List<String> jvm) {
    List<String> all = new ArrayList<>(jvm);
    all.add("-Draft.traceElections=true");
    return all;
  }

  /** Blocks the calling (benchmark driver) thread for a measurement window. */
  private static void waitSeconds(int s) throws InterruptedException {
    Thread.sleep(TimeUnit.SECONDS.toMillis(s)); // a measurement window, not synchronization
  }

  // ------------------------------------------------------------------ product-db

  private void productDb(Path dir) throws Exception {
    try (LocalPostgres pg = LocalPostgres.startThrowaway("bench-pg-");
        ReplicaProcesses cluster = new ReplicaProcesses(dbReplicas, dir, pg, "bench",
            traceElections ? withTrace(replicaJvm) : replicaJvm)) {
      cluster.startAll();
      awaitCluster(cluster, 300); // five JVMs + migrations: minutes on a loaded machine
      if (prewarm > 0) { // 32 clients first, so the five JVMs' JIT compilers are done
        WriteLoad load = new WriteLoad(cluster.channels, "prewarm", 3, null);
        load.start(32);
        waitSeconds(prewarm);
        load.close();
      }
      for (int clients : runDb ? clientLevels : new int[0]) {
        ConcurrentHistogram h = new ConcurrentHistogram(3);
        ConcurrentHistogram[] byReplica = new ConcurrentHistogram[cluster.n];
        for (int i = 0; i < cluster.n; i++) byReplica[i] = new ConcurrentHistogram(3);
        SlowWrites slow = new SlowWrites(5);
        AtomicBoolean measuring = new AtomicBoolean();
        WriteLoad load = new WriteLoad(cluster.channels, "b" + clients, 3,
            (replica, ns) -> {
              if (!measuring.get()) return;
              h.recordValue(ns);
              byReplica[replica].recordValue(ns);
              slow.offer(replica, ns);
            });
        load.start(clients);
        waitSeconds(warmup);
        long a0 = load.acked.get();
        long cpu0 = serverCpuNanos(pg.pid());
        long cs0 = serverContextSwitches();
        measuring.set(true);
        long t0 = System.nanoTime();
        ApplyLag lag = new ApplyLag(cluster);
        waitSeconds(seconds);
        measuring.set(false);
        lag.close();
        long writes = load.acked.get() - a0;
        long cpu = serverCpuNanos(pg.pid()) - cpu0;
        long cs = serverContextSwitches() - cs0;
        double secs = (System.nanoTime() - t0) / 1e9;
        load.close();
        System.out.printf("(%d failed attempts retried)%n", load.failedAttempts.get());
        for (int i = 0; i < cluster.n; i++) {
          System.out.println("  replica " + i + ": " + String.valueOf(cluster.status(i))
              .replace('\n', ' '));
        }
        row("product-db CreateItem/SetQuantity, " + dbReplicas + " processes", clients, writes,
            secs, h);
        System.out.println("  by the replica that answered (leader = " + leaderOf(cluster)
            + "): " + byReplica(byReplica));
        System.out.println("  slowest writes (answered at, replica, ms): " + slow);
        System.out.println("  writes >= 50 ms (second answered, replica, count): " + slow.tail());
        System.out.println("  apply lag (highest commit seen minus the replica's applied index,"
            + " sampled every 100 ms; median/max entries): " + lag);
        double perWrite = writes == 0 ? 0 : cpu / 1e3 / writes;
        rows.add(String.format("|   server CPU (replica JVMs + PostgreSQL): %.2f cores busy, %.0f us"
            + " per write; %d cores => at most %.0f writes/s if nothing else ran |",
            cpu / 1e9 / secs, perWrite, Runtime.getRuntime().availableProcessors(),
            perWrite == 0 ? 0 : Runtime.getRuntime().availableProcessors() * 1e6 / perWrite));
        System.out.println(rows.get(rows.size() - 1));
        rows.add(String.format("|   replica JVMs: %.1f context switches per write |",
            writes == 0 ? 0 : cs / (double) writes));
        System.out.println(rows.get(rows.size() - 1));
      }
      if (runKills) leaderKills(cluster);
    }
  }

  /**
   * Samples every replica's status every 100 ms on its own thread and keeps, per replica, how far
   * its applied index trails the highest commit index any replica reported in that sample: a
   * replica whose apply falls behind keeps its clients waiting even though the write is committed.
   */
  static final class ApplyLag implements AutoCloseable {
    private final ReplicaProcesses cluster;
    private final List<List<Long>> lags = new ArrayList<>();
    private final Thread thread;
    private volatile boolean stop;

    ApplyLag(ReplicaProcesses cluster) {
      this.cluster = cluster;
      for (int i = 0; i < cluster.n; i++) lags.add(new ArrayList<>());
      thread = new Thread(this::run, "apply-lag");
      thread.setDaemon(true);
      thread.start();
    }

    private void run() {
      while (!stop) {
        ReplicaStatus[] st = new ReplicaStatus[cluster.n];
        long commit = 0;
        for (int i = 0; i < cluster.n; i++) {
          st[i] = cluster.status(i);
          if (st[i] != null) commit = Math.max(commit, st[i].getCommitIndex());
        }
        synchronized (lags) {
          for (int i = 0; i < cluster.n; i++) {
            if (st[i] != null) lags.get(i).add(commit - st[i].getAppliedIndex());
          }
        }
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
      }
    }

    @Override
    public void close() throws InterruptedException {
      stop = true;
      thread.join();
    }

    @Override
    public String toString() {
      List<String> out = new ArrayList<>();
      synchronized (lags) {
        for (int i = 0; i < lags.size(); i++) {
          List<Long> l = new ArrayList<>(lags.get(i));
          l.sort(null);
          out.add(l.isEmpty() ? "r" + i + " -" : "r" + i + " " + l.get(l.size() / 2) + "/"
              + l.get(l.size() - 1));
        }
      }
      return String.join(", ", out);
    }
  }

  /** The id of the replica whose status says LEADER, or -1. */
  private static int leaderOf(ReplicaProcesses c) {
    for (int i = 0; i < c.n; i++) {
      ReplicaStatus st = c.status(i);
      if (st != null && "LEADER".equals(st.getRole())) return i;
    }
    return -1;
  }

  /** "r0 n=.. p50/p99/max ms, r1 ...": where the latency tail comes from. */
  private static String byReplica(Histogram[] hs) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < hs.length; i++) {
      Histogram x = hs[i];
      out.add(String.format("r%d n=%d %.1f/%.1f/%.1f", i, x.getTotalCount(),
          x.getValueAtPercentile(50) / 1e6, x.getValueAtPercentile(99) / 1e6,
          x.getMaxValue() / 1e6));
    }
    return String.join(", ", out);
  }

  /**
   * The slowest few writes with the wall-clock time they were answered, to line up with the
   * replicas' logs (snapshots, elections) and GC. Thread-safe.
   */
  static final class SlowWrites {
    private record Slow(LocalTime at, int replica, long nanos) {}

    /** Writes at least this slow are counted per wall-clock second and replica. */
    private static final long TAIL_NANOS = 50_000_000;

    private final int keep;
    private final PriorityQueue<Slow> worst =
        new PriorityQueue<>((a, b) -> Long.compare(a.nanos(), b.nanos()));
    /** "HH:MM:SS rN" -> writes >= 50 ms answered then by replica N, in time order. */
    private final Map<String, Integer> tailBySecond = new TreeMap<>();

    SlowWrites(int keep) {
      this.keep = keep;
    }

    synchronized void offer(int replica, long nanos) {
      if (nanos >= TAIL_NANOS) {
        tailBySecond.merge(LocalTime.now().withNano(0) + " r" + replica, 1, Integer::sum);
      }
      if (worst.size() < keep || nanos > worst.peek().nanos()) {
        worst.add(new Slow(LocalTime.now(), replica, nanos));
        if (worst.size() > keep) worst.poll();
      }
    }

    @Override
    public synchronized String toString() {
      List<Slow> all = new ArrayList<>(worst);
      all.sort((a, b) -> a.at().compareTo(b.at()));
      List<String> out = new ArrayList<>();
      for (Slow w : all) out.add(w.at() + " r" + w.replica() + " " + w.nanos() / 1_000_000);
      return String.join(", ", out);
    }

    /** "HH:MM:SS rN xK, ...": when and where the writes of 50 ms or more were answered. */
    synchronized String tail() {
      List<String> out = new ArrayList<>();
      tailBySecond.forEach((k, v) -> out.add(k + " x" + v));
      return out.isEmpty() ? "none" : String.join(", ", out);
    }
  }

  private static final Pattern ROLE_LINE = Pattern.compile(
      "(\\d\\d:\\d\\d:\\d\\d\\.\\d+) raft node (\\d+): "
      + "(PRE_CANDIDATE|CANDIDATE|LEADER) term (\\d+)");

  /**
   * The (pre-)candidacies and leaderships the replicas logged within {@code windowMs} after
   * {@code from}, as "+ms member:ROLE/term", in time order.
   */
  private static String electionTimeline(ReplicaProcesses c, LocalTime from, double windowMs) {
    List<Map.Entry<Double, String>> ev = new ArrayList<>();
    for (int i = 0; i < c.n; i++) {
      List<String> lines;
      try {
        lines = Files.readAllLines(c.work.resolve("replica-" + i + ".log"));
      } catch (IOException e) {
        continue;
      }
      for (String line : lines) {
        Matcher m = ROLE_LINE.matcher(line);
        if (!m.find()) continue;
        double ms = Duration.between(from, LocalTime.parse(m.group(1))).toNanos() / 1e6;
        if (ms < 0 || ms > windowMs) continue;
        ev.add(Map.entry(ms, String.format("+%.0f %s:%s/t%s", ms, m.group(2),
            m.group(3).equals("PRE_CANDIDATE") ? "PRE" : m.group(3).substring(0, 4),
            m.group(4))));
      }
    }
    ev.sort(Map.Entry.comparingByKey());
    StringBuilder sb = new StringBuilder();
    for (Map.Entry<Double, String> e : ev) sb.append(e.getValue()).append(' ');
    return sb.toString().strip();
  }

  /** Waits until every member applied the highest commit index seen when called. */
  private static void awaitApplied(ReplicaProcesses c, int seconds) {
    long goal = 0;
    for (int i = 0; i < c.n; i++) {
      ReplicaStatus st = c.status(i);
      if (st != null) goal = Math.max(goal, st.getCommitIndex());
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (System.nanoTime() < deadline) {
      long min = Long.MAX_VALUE;
      for (int i = 0; i < c.n; i++) {
        ReplicaStatus st = c.status(i);
        min = Math.min(min, st == null ? -1 : st.getAppliedIndex());
      }
      if (min >= goal) return;
      LockSupport.parkNanos(50_000_000);
    }
    System.out.println("  (a member had not applied index " + goal + " after " + seconds
        + " s; killing anyway)");
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
        // let the restarted member catch up before the next kill: until every member has
        // applied what was committed when we started waiting (a probe sent to a member still
        // replaying thousands of entries into PostgreSQL measures that replay, not failover)
        long target = load.acked.get() + 200;
        while (load.acked.get() < target) LockSupport.parkNanos(10_000_000);
        awaitApplied(cluster, 120);
        int leader = cluster.agreedLeader();
        if (leader < 0) {
          k--;
          continue;
        }
        LocalTime killedAt = LocalTime.now();
        long t0 = System.nanoTime(); // from the SIGKILL, not from the process being gone
        cluster.kill(leader);
        double[] elected = {Double.NaN};
        int dead = leader;
        Thread watch = new Thread(() -> {
          while (Double.isNaN(elected[0]) && System.nanoTime() - t0 < 10_000_000_000L) {
            for (int i = 0; i < cluster.n; i++) {
              if (i == dead || !cluster.alive(i)) continue;
              ReplicaStatus st = cluster.status(i);
              if (st != null && st.getRole().equals("LEADER")) {
                elected[0] = (System.nanoTime() - t0) / 1e6;
                return;
              }
            }
            LockSupport.parkNanos(5_000_000);
          }
        }, "leader-watch");
        watch.setDaemon(true);
        watch.start();
        int replica = (leader + 1) % cluster.n;
        long seq = 0;
        List<String> attempts = new ArrayList<>();
        while (true) {
          long a0 = System.nanoTime();
          try {
            ProductDbGrpc.newBlockingStub(cluster.channels[replica])
                .withDeadlineAfter(1, TimeUnit.SECONDS)
                .createItem(CreateItemRequest.newBuilder().setSellerId(7).setName("probe")
                    .setCategory(1).setCondition(Condition.NEW).setPriceCents(1).setQuantity(1)
                    .setIdempotencyKey("probe-" + k + "-" + (seq++)).build());
            break;
          } catch (RuntimeException e) {
            String why = String.valueOf(e.getMessage());
            double a1 = (System.nanoTime() - t0) / 1e6;
            if (why.startsWith("DEADLINE_EXCEEDED")) {
              // where did it hang? the member's Raft position right after
              ReplicaStatus st = cluster.status(replica);
              why = st == null ? "DEADLINE_EXCEEDED (no status)"
                  : String.format("DEADLINE_EXCEEDED; then %s term %d leader %d commit %d "
                      + "applied %d", st.getRole(), st.getTerm(), st.getLeaderId(),
                      st.getCommitIndex(), st.getAppliedIndex());
            }
            attempts.add(String.format("%.0f-%.0f ms replica %d: %s", (a0 - t0) / 1e6, a1,
                replica, why.substring(0, Math.min(why.length(), 120))));
            replica = (replica + 1) % cluster.n;
            if (replica == leader) replica = (replica + 1) % cluster.n;
            LockSupport.parkNanos(5_000_000);
          }
        }
        double dt = (System.nanoTime() - t0) / 1e6;
        ms.add(dt);
        watch.join(11_000);
        System.out.printf("kill %d at %s: leader %d, a new leader seen after %.0f ms, next "
            + "committed write after %.0f ms%n", k + 1, killedAt, leader, elected[0], dt);
        System.out.println("    elections: " + electionTimeline(cluster, killedAt, dt + 200));
        if (dt > 700) attempts.forEach(a -> System.out.println("    failed probe " + a));
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
