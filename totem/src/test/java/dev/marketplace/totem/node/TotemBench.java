package dev.marketplace.totem.node;

import dev.marketplace.totem.Delivered;
import dev.marketplace.totem.MemberStatus;
import dev.marketplace.totem.TotemStatus;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * Raw totem benchmark: five {@link TotemNode}s in ONE JVM over real UDP on loopback.
 *
 * <p>Closed-loop clients, spread round-robin over the members; each broadcasts a command and
 * waits until its own member delivers it, then sends the next. Reported: ordered (delivered)
 * broadcasts per second and latency percentiles, per client count and injected loss; then the
 * time from closing the member whose sequencing turn is next to the first delivery of a write
 * broadcast after the close, over several kills (each killed member is restarted as an amnesiac
 * member before the next kill).
 *
 * <p>Run (see totem/README.md): {@code mvn -B -o -q -pl totem test-compile && java -cp
 * totem/target/classes:totem/target/test-classes dev.marketplace.totem.node.TotemBench
 * [--seconds=5] [--kills=10] [--clients=1,8,32] [--loss=0,0.05] [--payload=100] [--think-ms=0] [--ack-ticks=N]}: {@code --think-ms} makes
 * each client pause that long after each delivery (a lower, customer-db-like rate);
 * {@code --ack-ticks} overrides {@code tunedConfig}'s {@code ackTicks} (1 = every member acks at
 * the next tick, the policy before coalescing). Besides rates and latencies each row prints the
 * datagrams received by all five members per ordered broadcast ({@code dgram/op}) and the JVM's
 * CPU time per ordered broadcast ({@code cpu us/op}, the whole process: nodes and clients). Not
 * thread-safe (a main program).
 */
public final class TotemBench {
  private TotemBench() {}

  /** Entry point; see the class comment for options. */
  public static void main(String[] args) throws Exception {
    int seconds = 5;
    int kills = 10;
    int payload = 100;
    int thinkMs = 0;
    int[] clientCounts = {1, 8, 32};
    double[] losses = {0, 0.05};
    for (String a : args) {
      String[] kv = a.split("=", 2);
      switch (kv[0]) {
        case "--seconds" -> seconds = Integer.parseInt(kv[1]);
        case "--kills" -> kills = Integer.parseInt(kv[1]);
        case "--payload" -> payload = Integer.parseInt(kv[1]);
        case "--think-ms" -> thinkMs = Integer.parseInt(kv[1]);
        case "--ack-ticks" -> LocalCluster.ackTicksOverride = Integer.parseInt(kv[1]);
        case "--clients" -> clientCounts =
            Arrays.stream(kv[1].split(",")).mapToInt(Integer::parseInt).toArray();
        case "--loss" -> losses =
            Arrays.stream(kv[1].split(",")).mapToDouble(Double::parseDouble).toArray();
        default -> throw new IllegalArgumentException("unknown option " + a);
      }
    }
    List<String> rows = new ArrayList<>();
    for (double loss : losses) {
      for (int clients : clientCounts) {
        rows.add(throughput(clients, loss, seconds, payload, thinkMs));
        System.out.println(rows.get(rows.size() - 1));
      }
    }
    String killRow = kills > 0 ? killRecovery(kills, payload) : "kills skipped";
    System.out.println();
    System.out.println("totem raw: 5 TotemNodes in one JVM, UDP on loopback, " + payload
        + "-byte commands, " + seconds + " s per row (after 1 s warm-up), "
        + Runtime.getRuntime().availableProcessors() + " CPUs");
    System.out.println("think " + thinkMs + " ms, ackTicks " + (LocalCluster.ackTicksOverride > 0
        ? LocalCluster.ackTicksOverride : "tuned"));
    System.out.println(String.format(Locale.ROOT, "%-6s %-8s %12s %9s %9s %9s %9s %9s",
        "loss", "clients", "ordered/s", "p50 ms", "p99 ms", "max ms", "dgram/op", "cpu us/op"));
    for (String r : rows) {
      System.out.println(r);
    }
    System.out.println(killRow);
  }

  private static long received(LocalCluster cluster) {
    long sum = 0;
    for (int m = 0; m < 5; m++) {
      sum += cluster.node(m).counters().received();
    }
    return sum;
  }

  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean)
        java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  }

  /** One closed-loop client: a command in flight at a time. */
  private static final class Client {
    final int id;
    final int member;
    volatile CompletableFuture<Long> waiting;

    Client(int id, int member) {
      this.id = id;
      this.member = member;
    }
  }

  private static String throughput(int clients, double loss, int seconds, int payload,
      int thinkMs) throws Exception {
    try (LocalCluster cluster = LocalCluster.start(5,
        TotemNode.Settings.defaults().withLoss(loss, 1234), false)) {
      ConcurrentHashMap<Integer, Client> byId = new ConcurrentHashMap<>();
      for (int m = 0; m < 5; m++) {
        int member = m;
        cluster.onDelivered(m, (mem, batch) -> {
          long now = System.nanoTime();
          for (Delivered d : batch) {
            if (d.sender() == member && d.command().length >= 4) {
              Client c = byId.get(ByteBuffer.wrap(d.command()).getInt());
              CompletableFuture<Long> w = c == null ? null : c.waiting;
              if (w != null) {
                w.complete(now);
              }
            }
          }
        });
      }
      long warmEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
      long end = warmEnd + TimeUnit.SECONDS.toNanos(seconds);
      List<long[]> lat = new ArrayList<>();
      List<Thread> threads = new ArrayList<>();
      AtomicLong timeouts = new AtomicLong();
      for (int i = 0; i < clients; i++) {
        Client c = new Client(i, i % 5);
        byId.put(i, c);
        long[] samples = new long[400_000];
        lat.add(samples);
        Thread t = new Thread(() -> {
          int n = 0;
          byte[] cmd = new byte[payload];
          ByteBuffer.wrap(cmd).putInt(c.id);
          while (true) {
            long t0 = System.nanoTime();
            if (t0 - end > 0) {
              break;
            }
            CompletableFuture<Long> w = new CompletableFuture<>();
            c.waiting = w;
            cluster.node(c.member).broadcast(cmd);
            long t1;
            try {
              t1 = w.get(5, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
              timeouts.incrementAndGet();
              continue;
            } catch (Exception e) {
              throw new IllegalStateException(e);
            }
            if (t0 - warmEnd >= 0 && n < samples.length) {
              samples[n++] = t1 - t0;
            }
            if (thinkMs > 0) {
              try {
                Thread.sleep(thinkMs);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
              }
            }
          }
          samples[samples.length - 1] = n; // count stored in the last slot
        }, "bench-client-" + i);
        threads.add(t);
        t.start();
      }
      long w = warmEnd - System.nanoTime();
      if (w > 0) {
        TimeUnit.NANOSECONDS.sleep(w);
      }
      long recv0 = received(cluster);
      long cpu0 = processCpuNanos();
      for (Thread t : threads) {
        t.join();
      }
      long recv1 = received(cluster);
      long cpu1 = processCpuNanos();
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
      double rate = total / (double) seconds;
      double ops = Math.max(1, total);
      return String.format(Locale.ROOT, "%-6s %-8d %12.0f %9.2f %9.2f %9.2f %9.2f %9.0f%s",
          pct(loss), clients, rate, ms(at(all, 0.50)), ms(at(all, 0.99)),
          ms(all.length == 0 ? 0 : all[all.length - 1]), (recv1 - recv0) / ops,
          (cpu1 - cpu0) / 1000.0 / ops,
          timeouts.get() > 0 ? "  (" + timeouts.get() + " client timeouts)" : "");
    }
  }

  /**
   * Each round: write a little, wait until the cluster is quiet (every member delivered the same
   * count), close the member whose sequencing turn is next, broadcast one command from a live
   * member and time its delivery there; then restart the closed member as an amnesiac one.
   */
  private static String killRecovery(int kills, int payload) throws Exception {
    try (LocalCluster cluster = LocalCluster.start(5, TotemNode.Settings.defaults(), false)) {
      List<Double> times = new ArrayList<>();
      for (int k = 0; k < kills; k++) {
        if (!waitUntil(() -> allNormalFull(cluster), 20_000)) {
          return "kill recovery: cluster did not re-form 5 members before kill " + (k + 1);
        }
        for (int m = 0; m < 5; m++) { // some traffic, so the rotation is somewhere in the middle
          cluster.node(m).broadcast(new byte[payload]);
        }
        if (!waitUntil(() -> quiet(cluster), 20_000)) {
          return "kill recovery: no quiet point before kill " + (k + 1);
        }
        TotemStatus st = cluster.node(0).status();
        int victim = st.members().get((int) (st.logSlots() % st.members().size()));
        int writer = (victim + 1) % 5;
        long before = cluster.deliveredCount(writer);
        long t0 = System.nanoTime();
        cluster.node(victim).close();
        cluster.node(writer).broadcast(new byte[payload]);
        if (!waitUntil(() -> cluster.deliveredCount(writer) > before, 20_000)) {
          return "kill recovery: no delivery within 20 s after kill " + (k + 1);
        }
        times.add((System.nanoTime() - t0) / 1e6);
        cluster.restart(victim);
      }
      List<Double> sorted = new ArrayList<>(times);
      sorted.sort(null);
      return String.format(Locale.ROOT,
          "close of the next sequencer -> delivery of the next broadcast (quiet cluster, 0%% "
              + "loss): median %.0f ms, max %.0f ms over %d kills %s",
          sorted.get(sorted.size() / 2), sorted.get(sorted.size() - 1), sorted.size(),
          times.stream().map(t -> String.format(Locale.ROOT, "%.0f", t)).toList());
    }
  }

  private static boolean quiet(LocalCluster cluster) {
    long d = cluster.deliveredCount(0);
    for (int i = 0; i < cluster.size(); i++) {
      TotemStatus s = cluster.node(i).status();
      if (cluster.deliveredCount(i) != d || s.ownUndelivered() != 0 || s.deliveredPos() != d
          || s.logPos() != d) {
        return false;
      }
    }
    return true;
  }

  private static boolean allNormalFull(LocalCluster cluster) {
    for (int i = 0; i < cluster.size(); i++) {
      TotemStatus s = cluster.node(i).status();
      if (s.status() != MemberStatus.NORMAL || s.members().size() != cluster.size()) {
        return false;
      }
    }
    return true;
  }

  /** Polls {@code cond} every millisecond up to {@code millis}; a benchmark, not a test. */
  private static boolean waitUntil(BooleanSupplier cond, long millis) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    while (!cond.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        return false;
      }
      try {
        Thread.sleep(1);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return true;
  }

  private static long at(long[] sorted, double q) {
    if (sorted.length == 0) {
      return 0;
    }
    return sorted[Math.min(sorted.length - 1, (int) Math.floor(q * sorted.length))];
  }

  private static double ms(long nanos) {
    return nanos / 1e6;
  }

  private static String pct(double loss) {
    return String.format(Locale.ROOT, "%.0f%%", loss * 100);
  }
}
