package dev.marketplace.customerdb;

import dev.marketplace.postgres.LocalPostgres;
import dev.marketplace.proto.ItemId;
import dev.marketplace.proto.Role;
import dev.marketplace.proto.customer.Account;
import dev.marketplace.proto.customer.commands.ChangeCart;
import dev.marketplace.proto.customer.commands.CreateAccount;
import dev.marketplace.proto.customer.commands.CreateSession;
import dev.marketplace.proto.customer.commands.CustomerCommand;
import dev.marketplace.replica.CommandResult;
import dev.marketplace.replica.JdbcStateMachine;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The apply path alone, without replication or gRPC: the customer-db benchmark workload (each
 * client alternates AddToCart and RemoveFromCart of one item in its own buyer session, no
 * idempotency key) fed to {@link JdbcStateMachine#apply} in batches of 1, 8 and 32 commands with
 * {@code durable = false}, as totem does. Prints commands/s and the CPU spent per command by the
 * applying thread and by PostgreSQL (all processes of a dedicated server), which is far less
 * sensitive to the load of a shared machine than wall-clock throughput.
 *
 * <p>Run after {@code mvn -B -o -q -pl customer-db -am test-compile dependency:build-classpath
 * -Dmdep.outputFile=target/bench.cp -Dmdep.includeScope=test}: {@code java -cp
 * "customer-db/target/test-classes:customer-db/target/classes:$(cat customer-db/target/bench.cp)"
 * dev.marketplace.customerdb.CustomerApplyBench [seconds per row, default 5] [batch sizes,
 * default 1,8,32]}. A main program; not thread-safe.
 */
public final class CustomerApplyBench {
  private CustomerApplyBench() {}

  /** Entry point. */
  public static void main(String[] args) throws Exception {
    double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 5;
    String[] sizes = (args.length > 1 ? args[1] : "1,8,32").split(",");
    try (LocalPostgres pg = LocalPostgres.start(LocalPostgres.newTempDataDir("apply-bench-"))) {
      List<String> rows = new ArrayList<>();
      int run = 0;
      for (String s : sizes) {
        int batch = Integer.parseInt(s);
        String db = "apply_bench_" + (run++);
        pg.createDatabase(db);
        try (JdbcStateMachine<CustomerCommand> sm = JdbcStateMachine.open(pg.jdbcUrl(db),
            pg.user(), "", 4, "classpath:db/customer", new CustomerHandler())) {
          Load load = new Load(sm, batch);
          runFor(sm, load, 1.0, pg.pid()); // warm-up: JIT, server-side prepared statements
          rows.add(runFor(sm, load, seconds, pg.pid()));
          System.out.println(rows.get(rows.size() - 1));
        }
      }
      System.out.println();
      System.out.println("customer-db apply path (ChangeCart add/remove, no key), "
          + Runtime.getRuntime().availableProcessors() + " CPUs");
      System.out.println("| batch | commands/s | JVM apply-thread CPU us/cmd | PostgreSQL CPU "
          + "us/cmd | total CPU us/cmd |");
      System.out.println("|---|---|---|---|---|");
      rows.forEach(System.out::println);
    }
  }

  /** Closed-loop clients: one command per client per batch. */
  private static final class Load {
    final int clients;
    final String[] tokens;
    final long[] step;
    long now = 1_700_000_000_000L;

    Load(JdbcStateMachine<CustomerCommand> sm, int clients) throws IOException {
      this.clients = clients;
      this.tokens = new String[clients];
      this.step = new long[clients];
      for (int c = 0; c < clients; c++) {
        byte[] r = one(sm, CustomerCommand.newBuilder().setNowMillis(now)
            .setCreateAccount(CreateAccount.newBuilder().setRole(Role.BUYER)
                .setUsername("bench" + c).setName("bench").setPasswordHash("x")).build());
        long id = Account.parseFrom(CommandResult.decode(r).payload()).getId();
        tokens[c] = "token-" + c + "-0123456789abcdef0123456789abcdef";
        one(sm, CustomerCommand.newBuilder().setNowMillis(now)
            .setCreateSession(CreateSession.newBuilder().setRole(Role.BUYER).setAccountId(id)
                .setToken(tokens[c]).setExpiresAtMillis(now + 300_000).setTimeoutSeconds(300))
            .build());
      }
    }

    private static byte[] one(JdbcStateMachine<CustomerCommand> sm, CustomerCommand c) {
      byte[] r = sm.apply(sm.lastApplied() + 1, List.of(c.toByteArray()), false).get(0);
      if (!CommandResult.decode(r).isOk()) {
        throw new IllegalStateException(c + ": " + CommandResult.decode(r));
      }
      return r;
    }

    byte[] next(int c) {
      now++;
      boolean add = step[c] % 2 == 0;
      return CustomerCommand.newBuilder().setNowMillis(now)
          .setChangeCart(ChangeCart.newBuilder().setToken(tokens[c])
              .setItemId(ItemId.newBuilder().setCategory(1).setNumber(1)).setQuantity(1)
              .setAvailable(add ? 100 : 0).setAdd(add).setExpiresAtMillis(now + 300_000))
          .build().toByteArray();
    }

    void result(int c, byte[] bytes) {
      CommandResult r = CommandResult.decode(bytes);
      if (!r.isOk()) {
        throw new IllegalStateException("client " + c + " step " + step[c] + ": " + r);
      }
      step[c]++;
    }
  }

  private static String runFor(JdbcStateMachine<CustomerCommand> sm, Load load, double seconds,
      long pgPid) throws IOException {
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    long cmds = 0;
    long pg0 = pgCpuNanos(pgPid);
    long cpu0 = mx.getCurrentThreadCpuTime();
    long t0 = System.nanoTime();
    long end = t0 + (long) (seconds * 1e9);
    List<byte[]> batch = new ArrayList<>(load.clients);
    while (System.nanoTime() < end) {
      batch.clear();
      for (int c = 0; c < load.clients; c++) {
        batch.add(load.next(c));
      }
      List<byte[]> results = sm.apply(sm.lastApplied() + 1, batch, false);
      for (int c = 0; c < load.clients; c++) {
        load.result(c, results.get(c));
      }
      cmds += load.clients;
    }
    double wall = (System.nanoTime() - t0) / 1e9;
    double jvm = (mx.getCurrentThreadCpuTime() - cpu0) / 1e3 / cmds;
    double pgc = (pgCpuNanos(pgPid) - pg0) / 1e3 / cmds;
    return String.format(Locale.ROOT, "| %d | %.0f | %.0f | %.0f | %.0f |", load.clients,
        cmds / wall, jvm, pgc, jvm + pgc);
  }

  /** CPU time (user + system) of the postmaster and all its children, from /proc. */
  static long pgCpuNanos(long postmaster) throws IOException {
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
        long pid = Long.parseLong(name);
        long ppid = Long.parseLong(f[1]);
        if (pid == postmaster || ppid == postmaster) {
          ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime
        }
      }
    }
    return ticks * 10_000_000L; // USER_HZ = 100
  }
}
