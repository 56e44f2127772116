package dev.marketplace.replica.testing;

import dev.marketplace.postgres.LocalPostgres;
import dev.marketplace.replica.CommandHandler;
import dev.marketplace.replica.JdbcStateMachine;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * The harness of the apply-path benchmarks (customer-db's {@code CustomerApplyBench}, product-db's
 * {@code ProductApplyBench}): a service's workload fed to {@link JdbcStateMachine#apply} in
 * batches of N commands (one per closed-loop client) with {@code durable = false}, without
 * replication or gRPC, on a dedicated PostgreSQL server and a fresh database per batch size.
 * Prints commands/s and the CPU spent per command by the applying thread and by PostgreSQL (all
 * processes of the server), which is far less sensitive to the load of a shared machine than
 * wall-clock throughput. Test code, exported in replica's test-jar. Not thread-safe.
 */
public final class ApplyBench {
  private ApplyBench() {}

  /** Closed-loop clients: one command per client per batch. Not thread-safe. */
  public interface Load {
    /** The number of clients, which is the batch size. */
    int clients();

    /** The next command of {@code client}. */
    byte[] next(int client);

    /** Takes the result of the command last made by {@code next(client)}; throws if it failed. */
    void result(int client, byte[] result) throws IOException;
  }

  /** Makes the load of {@code clients} clients on a fresh state machine (may apply set-up). */
  @FunctionalInterface
  public interface LoadFactory<C> {
    Load create(JdbcStateMachine<C> sm, int clients) throws IOException;
  }

  /**
   * Runs the benchmark as a main program: {@code args} are [seconds per row, default 5] [batch
   * sizes, default 1,8,32]; each row has a 1 s warm-up (JIT, server-side prepared statements).
   *
   * @param title first line above the table, e.g. the service and the workload
   * @param migrations Flyway location of the service's schema
   */
  public static <C> void main(String[] args, String title, String migrations,
      Supplier<? extends CommandHandler<C>> handler, LoadFactory<C> loads) throws Exception {
    double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 5;
    String[] sizes = (args.length > 1 ? args[1] : "1,8,32").split(",");
    try (LocalPostgres pg = LocalPostgres.startThrowaway("apply-bench-")) {
      List<String> rows = new ArrayList<>();
      int run = 0;
      for (String s : sizes) {
        int batch = Integer.parseInt(s);
        String db = "apply_bench_" + (run++);
        pg.createDatabase(db);
        try (JdbcStateMachine<C> sm = JdbcStateMachine.open(pg.jdbcUrl(db), pg.user(), "", 4,
            migrations, handler.get())) {
          Load load = loads.create(sm, batch);
          runFor(sm, load, 1.0, pg.pid());
          rows.add(runFor(sm, load, seconds, pg.pid()));
          System.out.println(rows.get(rows.size() - 1));
        }
      }
      System.out.println();
      System.out.println(title + ", " + Runtime.getRuntime().availableProcessors() + " CPUs");
      System.out.println("| batch | commands/s | JVM apply-thread CPU us/cmd | PostgreSQL CPU "
          + "us/cmd | total CPU us/cmd |");
      System.out.println("|---|---|---|---|---|");
      rows.forEach(System.out::println);
    }
  }

  private static String runFor(JdbcStateMachine<?> sm, Load load, double seconds, long pgPid)
      throws IOException {
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    int clients = load.clients();
    long cmds = 0;
    long pg0 = pgCpuNanos(pgPid);
    long cpu0 = mx.getCurrentThreadCpuTime();
    long t0 = System.nanoTime();
    long end = t0 + (long) (seconds * 1e9);
    List<byte[]> batch = new ArrayList<>(clients);
    while (System.nanoTime() < end) {
      batch.clear();
      for (int c = 0; c < clients; c++) {
        batch.add(load.next(c));
      }
      List<byte[]> results = sm.apply(sm.lastApplied() + 1, batch, false);
      for (int c = 0; c < clients; c++) {
        load.result(c, results.get(c));
      }
      cmds += clients;
    }
    double wall = (System.nanoTime() - t0) / 1e9;
    double jvm = (mx.getCurrentThreadCpuTime() - cpu0) / 1e3 / cmds;
    double pgc = (pgCpuNanos(pgPid) - pg0) / 1e3 / cmds;
    return String.format(Locale.ROOT, "| %d | %.0f | %.0f | %.0f | %.0f |", clients,
        cmds / wall, jvm, pgc, jvm + pgc);
  }

  /** CPU time (user + system) of the postmaster and all its children, from /proc. */
  public static long pgCpuNanos(long postmaster) throws IOException {
    return procCpuNanos((pid, ppid) -> pid == postmaster || ppid == postmaster);
  }

  /**
   * CPU time (user + system) of every process whose (pid, parent pid) {@code select} accepts,
   * from /proc; processes that exit meanwhile are skipped.
   */
  public static long procCpuNanos(java.util.function.BiPredicate<Long, Long> select)
      throws IOException {
    long ticks = 0;
    try (var dirs = Files.list(Path.of("/proc"))) {
      for (Path p : (Iterable<Path>) dirs::iterator) {
        String name = p.getFileName().toString();
        if (!name.chars().allMatch(Character::isDigit)) {
          continue;
        }
        String stat;
        try {
          stat = Files.readString(p.resolve("stat"));
        } catch (IOException e) {
          continue; // exited meanwhile
        }
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        if (select.test(Long.parseLong(name), Long.parseLong(f[1]))) {
          ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime
        }
      }
    }
    return ticks * 10_000_000L; // USER_HZ = 100
  }
}
