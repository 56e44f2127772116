package dev.marketplace.customerdb.totem;

import dev.marketplace.proto.ItemId;
import dev.marketplace.proto.ReplicaStatus;
import dev.marketplace.proto.Role;
import dev.marketplace.proto.customer.CartChangeRequest;
import dev.marketplace.proto.customer.CreateAccountRequest;
import dev.marketplace.proto.customer.CustomerDbGrpc;
import dev.marketplace.proto.customer.LoginRequest;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * End-to-end benchmark: five customer-db PROCESSES on totem (UDP loopback), each applying to its
 * own PostgreSQL database. Closed-loop gRPC clients (spread over the replicas) alternate AddToCart
 * and RemoveFromCart of one item in their own session (both are replicated writes; the cart stays
 * one line). Reports acknowledged writes/s and latency per client count and loss, then the time
 * from SIGKILL of the next sequencer to the next acknowledged write.
 *
 * <p>Run (after {@code mvn -B -o -q -pl customer-db -am test-compile}): see totem/README.md.
 * Options: {@code --seconds=10 --warmup=2 --clients=1,8,32 --loss=0,0.05 --kills=10} (warm-up:
 * seconds of 8-client load first; on a busy 2-core machine the five JVMs' JIT compilers need
 * 30 s or more), {@code --c1} (processes with the C1 JIT only), {@code --prewarm=N} (N seconds
 * of 32-client load before the warm-up, printed as a "warm" row), {@code --replica-jvm=OPTION}
 * (repeatable: an extra JVM option for every replica process, e.g.
 * {@code --replica-jvm=-XX:TieredStopAtLevel=1} or {@code -XX:StartFlightRecording=...}).
 * {@code --clients=0} measures the idle cluster's CPU. Not thread-safe (a main program).
 */
public final class CustomerDbTotemBench {
  private CustomerDbTotemBench() {}

  /** Entry point. */
  public static void main(String[] args) throws Exception {
    int seconds = 10;
    int warmup = 2;
    int prewarm = 0;
    List<String> replicaJvm = new ArrayList<>();
    boolean c1 = false;
    int kills = 10;
    int[] clientCounts = {1, 8, 32};
    double[] losses = {0, 0.05};
    for (String a : args) {
      String[] kv = a.split("=", 2);
      switch (kv[0]) {
        case "--seconds" -> seconds = Integer.parseInt(kv[1]);
        case "--warmup" -> warmup = Integer.parseInt(kv[1]);
        case "--c1" -> c1 = true;
        case "--prewarm" -> prewarm = Integer.parseInt(kv[1]);
        case "--replica-jvm" -> replicaJvm.add(kv[1]);
        case "--kills" -> kills = Integer.parseInt(kv[1]);
        case "--clients" -> clientCounts =
            Arrays.stream(kv[1].split(",")).mapToInt(Integer::parseInt).toArray();
        case "--loss" -> losses =
            Arrays.stream(kv[1].split(",")).mapToDouble(Double::parseDouble).toArray();
        default -> throw new IllegalArgumentException("unknown option " + a);
      }
    }
    List<String> rows = new ArrayList<>();
    String killRow = "kills skipped";
    for (int li = 0; li < losses.length; li++) {
      double loss = losses[li];
      try (CustomerDbProcesses cluster = CustomerDbProcesses.start(5, loss, c1, replicaJvm)) {
        if (!waitUntil(cluster::allUp, 120_000)) {
          throw new IllegalStateException("cluster did not come up; logs in "
              + cluster.logDir());
        }
        if (prewarm > 0) { // 32 clients first, so the five JVMs' JIT compilers are done
          System.out.println(run(cluster, 32, prewarm, -1));
        }
        run(cluster, 8, warmup, -1); // warm-up (JIT, connections)
        for (int clients : clientCounts) {
          rows.add(run(cluster, clients, seconds, loss));
          System.out.println(rows.get(rows.size() - 1));
        }
        if (li == 0 && kills > 0) {
          killRow = kills(cluster, kills);
          System.out.println(killRow);
        }
      }
    }
    System.out.println();
    System.out.println("customer-db end to end: 5 customer-db processes (totem over UDP on "
        + "loopback), each applying to its own PostgreSQL database on one local server; gRPC "
        + "AddToCart/RemoveFromCart writes; " + seconds + " s per row; "
        + Runtime.getRuntime().availableProcessors() + " CPUs");
    System.out.println(String.format(Locale.ROOT, "%-6s %-8s %12s %9s %9s %9s %12s %6s %6s",
        "loss", "clients", "writes/s", "p50 ms", "p99 ms", "max ms", "CPU us/write", "cores",
        "pg"));
    for (String r : rows) {
      System.out.println(r);
    }
    System.out.println(killRow);
  }

  private static String[] session(CustomerDbProcesses cluster, int replica, String user) {
    CustomerDbGrpc.CustomerDbBlockingStub s = cluster.stub(replica, 10_000);
    s.createBuyer(CreateAccountRequest.newBuilder().setUsername(user).setPassword("bench-pw")
        .setName("bench").setIdempotencyKey("cb-" + user).build());
    String token = cluster.stub(replica, 10_000).login(LoginRequest.newBuilder()
        .setRole(Role.BUYER).setUsername(user).setPassword("bench-pw")
        .setIdempotencyKey("li-" + user).build()).getToken();
    return new String[] {token};
  }

  private static int runCounter;

  private static String run(CustomerDbProcesses cluster, int clients, int seconds, double loss)
      throws Exception {
    int runId = ++runCounter;
    long[] window = new long[2]; // warm-up end, run end: set once every session exists
    List<long[]> lat = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    AtomicLong errors = new AtomicLong();
    for (int c = 0; c < clients; c++) {
      int replica = c % 5;
      String user = "b" + System.nanoTime() % 1_000_000 + "r" + runId + "c" + c;
      String token = session(cluster, replica, user)[0];
      long[] samples = new long[1_000_000];
      lat.add(samples);
      Thread t = new Thread(() -> {
        int n = 0;
        ItemId item = ItemId.newBuilder().setCategory(1).setNumber(1).build();
        long warmEnd = window[0];
        long end = window[1];
        for (int k = 0; ; k++) {
          long t0 = System.nanoTime();
          if (t0 - end > 0) {
            break;
          }
          CartChangeRequest req = CartChangeRequest.newBuilder().setToken(token).setItemId(item)
              .setQuantity(1).setAvailable(100).build();
          try {
            CustomerDbGrpc.CustomerDbBlockingStub s = cluster.stub(replica, 5_000);
            if (k % 2 == 0) {
              s.addToCart(req);
            } else {
              s.removeFromCart(req);
            }
          } catch (StatusRuntimeException e) {
            errors.incrementAndGet();
            continue;
          }
          long t1 = System.nanoTime();
          if (t0 - warmEnd >= 0 && n < samples.length - 1) {
            samples[n++] = t1 - t0;
          }
        }
        samples[samples.length - 1] = n;
      }, "bench-client-" + c);
      threads.add(t);
    }
    window[0] = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(500);
    window[1] = window[0] + TimeUnit.SECONDS.toNanos(seconds);
    for (Thread t : threads) {
      t.start(); // start() publishes window to the thread
    }
    long now = System.nanoTime();
    if (window[0] - now > 0) {
      Thread.sleep(TimeUnit.NANOSECONDS.toMillis(window[0] - now)); // the warm-up, not a wait
    }
    long pgPid = dev.marketplace.postgres.SharedLocalPostgres.get().pid();
    long cpu0 = serverCpuNanos(pgPid);
    long pg0 = pgCpu[0];
    if (threads.isEmpty()) {
      Thread.sleep(TimeUnit.SECONDS.toMillis(seconds)); // --clients=0: the idle cluster's CPU
    }
    for (Thread t : threads) {
      t.join();
    }
    long cpu = serverCpuNanos(pgPid) - cpu0;
    long pgCpuNanos = pgCpu[0] - pg0;
    long total = 0;
    for (long[] s : lat) {
      total += s[s.length - 1];
    }
    long[] all = new long[(int) total];
    int k = 0;
    for (long[] s : lat) {
      int n = (int) s[s.length - 1];
      System.arraycopy(s, 0, all, k, n);
      k += n;
    }
    Arrays.sort(all);
    return String.format(Locale.ROOT, "%-6s %-8d %12.0f %9.2f %9.2f %9.2f %12.0f %6.2f %6.2f%s",
        loss < 0 ? "warm" : String.format(Locale.ROOT, "%.0f%%", loss * 100), clients,
        total / (double) seconds, at(all, 0.5) / 1e6, at(all, 0.99) / 1e6,
        (all.length == 0 ? 0 : all[all.length - 1]) / 1e6,
        total == 0 ? 0 : cpu / 1e3 / total, cpu / 1e9 / seconds, pgCpuNanos / 1e9 / seconds,
        errors.get() > 0 ? "  (" + errors.get() + " errors)" : "");
  }

  /**
   * Each round: writes stop, the cluster gets quiet (all replicas applied the same position), the
   * next sequencer (Status leader_id) is killed with SIGKILL, and one client immediately writes
   * through a live replica (retrying UNAVAILABLE/deadline): the time from the kill to that
   * write's acknowledgement is recorded. The victim is restarted and the cluster re-forms before
   * the next round.
   */
  private static String kills(CustomerDbProcesses cluster, int kills) throws Exception {
    List<Double> times = new ArrayList<>();
    for (int round = 0; round < kills; round++) {
      if (!waitUntil(cluster::allUp, 120_000)) {
        return "kill recovery: cluster not back before kill " + (round + 1);
      }
      run(cluster, 5, 1, -1); // some traffic, so the rotation is somewhere in the middle
      if (!waitUntil(() -> quiet(cluster), 30_000)) {
        return "kill recovery: no quiet point before kill " + (round + 1);
      }
      int victim = cluster.status(0).getLeaderId();
      int writer = (victim + 1) % 5;
      String token = session(cluster, writer, "k" + round + "t" + System.nanoTime() % 1_000_000)[0];
      waitUntil(() -> quiet(cluster), 30_000);
      victim = cluster.status(0).getLeaderId();
      writer = victim == writer ? (victim + 1) % 5 : writer;
      CartChangeRequest req = CartChangeRequest.newBuilder().setToken(token)
          .setItemId(ItemId.newBuilder().setCategory(2).setNumber(1)).setQuantity(1)
          .setAvailable(100).build();
      long t0 = System.nanoTime();
      cluster.kill9(victim);
      boolean ok = false;
      while (!ok && System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(30)) {
        try {
          cluster.stub(writer, 5_000).addToCart(req);
          ok = true;
        } catch (StatusRuntimeException e) {
          // UNAVAILABLE (no view yet) or deadline: retry
        }
      }
      if (!ok) {
        return "kill recovery: no acknowledged write within 30 s of kill " + (round + 1);
      }
      times.add((System.nanoTime() - t0) / 1e6);
      System.out.printf(Locale.ROOT, "kill %d of member %d: next acknowledged write after "
          + "%.0f ms%n", round + 1, victim, times.get(times.size() - 1));
      cluster.restart(victim);
    }
    List<Double> sorted = new ArrayList<>(times);
    sorted.sort(null);
    return String.format(Locale.ROOT, "kill -9 of the next sequencer -> next acknowledged "
        + "customer-db write (quiet cluster, 0%% loss; the kill itself is included): median "
        + "%.0f ms, max %.0f ms over %d kills %s", sorted.get(sorted.size() / 2),
        sorted.get(sorted.size() - 1), sorted.size(),
        times.stream().map(t -> String.format(Locale.ROOT, "%.0f", t)).toList());
  }

  private static boolean quiet(CustomerDbProcesses cluster) {
    long applied = -1;
    for (int i = 0; i < cluster.size(); i++) {
      ReplicaStatus s = cluster.status(i);
      if (s == null || !s.getHasQuorum() || s.getAppliedIndex() != s.getCommitIndex()
          || (applied >= 0 && s.getAppliedIndex() != applied)) {
        return false;
      }
      applied = s.getAppliedIndex();
    }
    return true;
  }

  /**
   * CPU time (user + system) of the servers during a row: every process descending from this
   * JVM (the customer-db processes) plus the PostgreSQL postmaster and its children, from /proc.
   * Unlike writes/s, CPU per write hardly depends on what else the machine runs.
   */
  /** PostgreSQL's part of the last {@link #serverCpuNanos} reading (cumulative, ns). */
  private static final long[] pgCpu = new long[1];

  private static long serverCpuNanos(long postmaster) {
    long pgTicks = 0;
    java.util.Set<Long> ours = new java.util.HashSet<>();
    ProcessHandle.current().descendants().forEach(ph -> ours.add(ph.pid()));
    long ticks = 0;
    try (var dirs = java.nio.file.Files.list(java.nio.file.Path.of("/proc"))) {
      for (java.nio.file.Path p : (Iterable<java.nio.file.Path>) dirs::iterator) {
        String name = p.getFileName().toString();
        if (!name.chars().allMatch(Character::isDigit)) {
          continue;
        }
        String stat;
        try {
          stat = java.nio.file.Files.readString(p.resolve("stat"));
        } catch (java.io.IOException e) {
          continue; // exited meanwhile
        }
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long pid = Long.parseLong(name);
        if (ours.contains(pid) || pid == postmaster || Long.parseLong(f[1]) == postmaster) {
          long t = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime
          ticks += t;
          if (!ours.contains(pid)) {
            pgTicks += t;
          }
        }
      }
    } catch (java.io.IOException e) {
      return 0;
    }
    pgCpu[0] = pgTicks * 10_000_000L;
    return ticks * 10_000_000L; // USER_HZ = 100
  }

  private static long at(long[] sorted, double q) {
    return sorted.length == 0 ? 0
        : sorted[Math.min(sorted.length - 1, (int) Math.floor(q * sorted.length))];
  }

  /** Polls every 5 ms up to {@code millis}; a benchmark, not a test. */
  private static boolean waitUntil(BooleanSupplier cond, long millis) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    while (!cond.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        return false;
      }
      Thread.sleep(5);
    }
    return true;
  }
}
