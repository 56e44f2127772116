package dev.marketplace.replica.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.marketplace.postgres.LocalPostgres;
import dev.marketplace.postgres.SharedLocalPostgres;
import dev.marketplace.replica.CommandHandler;
import dev.marketplace.replica.JdbcStateMachine;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The apply-path equivalence contract: a handler on the batched fast path ({@code
 * setSavepointEveryCommand(false)}) against a reference handler (the handler before the
 * apply-path work) with a savepoint per command. Random command streams from {@link #commands},
 * cut into random batches of 1-4 or 1-40 commands, must give byte-identical results, identical
 * tables, and every outcome of {@link #requiredOutcomes} (so that a stream that stopped
 * exercising rejections fails instead of passing vacuously).
 *
 * <p>Deterministic per seed, which is printed; {@code -Dequivalence.seeds=N} (default 2), {@code
 * -Dequivalence.commands=N} (default per subclass) and {@code -Dequivalence.seed=S} (default
 * 20261125) for longer or repeated sweeps. The random source is drawn from in a fixed order (the
 * whole stream first, then the batch sizes), so a seed names the same run in every module.
 *
 * <p>A subclass is one service's test (customer-db's and product-db's {@code
 * ApplyPathEquivalenceTest}); it inherits the test method. Test code, exported in replica's
 * test-jar. One instance per test method, as JUnit creates them; not thread-safe.
 *
 * @param <C> the handler's command type
 */
public abstract class ApplyPathEquivalenceSuite<C> {
  private final String migrations;
  private final String dbPrefix;
  private final int defaultCommands;
  private final Supplier<CommandHandler<C>> handler;
  private final Supplier<CommandHandler<C>> legacyHandler;
  private final List<AutoCloseable> toClose = new ArrayList<>();

  /**
   * @param migrations Flyway location of the service's schema, e.g. {@code classpath:db/product}
   * @param dbPrefix prefix of the two scratch databases ({@code _fast}, {@code _legacy} appended)
   * @param defaultCommands commands per seed without {@code -Dequivalence.commands}
   * @param handler makes the handler under test
   * @param legacyHandler makes the reference handler
   */
  protected ApplyPathEquivalenceSuite(String migrations, String dbPrefix, int defaultCommands,
      Supplier<CommandHandler<C>> handler, Supplier<CommandHandler<C>> legacyHandler) {
    this.migrations = migrations;
    this.dbPrefix = dbPrefix;
    this.defaultCommands = defaultCommands;
    this.handler = handler;
    this.legacyHandler = legacyHandler;
  }

  /** {@code n} serialized commands (malformed and empty ones included) drawn from {@code rnd}. */
  protected abstract List<byte[]> commands(Random rnd, int n);

  /** The name under which {@code result} of {@code command} is counted in the outcomes. */
  protected abstract String outcome(byte[] command, byte[] result);

  /** Tables the schema must have (guards against comparing two empty schemas). */
  protected abstract List<String> requiredTables();

  /** Outcomes every seed's stream must produce. */
  protected abstract List<String> requiredOutcomes();

  /**
   * A command that is not one, for the stream: {@code which} 0 is an empty command (a position
   * without a command), 1 bytes that do not parse as a command.
   */
  protected static byte[] malformed(int which) {
    return which == 0 ? new byte[0] : "not a command".getBytes(StandardCharsets.UTF_8);
  }

  /** {@code "ok"} or {@code "error <code>"} for a non-empty result. */
  protected static String verdict(byte[] result) {
    return result[0] == 0 ? "ok" : "error " + result[0];
  }

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : toClose) {
      c.close();
    }
  }

  @Test
  void randomCommandStreamsGiveTheSameResultsAndTablesAsTheLegacyHandler() throws Exception {
    int seeds = Integer.getInteger("equivalence.seeds", 2);
    int commands = Integer.getInteger("equivalence.commands", defaultCommands);
    long base = Long.getLong("equivalence.seed", 20261125L);
    for (int i = 0; i < seeds; i++) {
      long seed = base + i;
      System.out.println(getClass().getSimpleName() + " seed " + seed + " (-Dequivalence.seed="
          + seed + " -Dequivalence.seeds=1)");
      check(seed, commands);
    }
  }

  private JdbcStateMachine<C> open(String prefix, CommandHandler<C> handler, boolean careful) {
    LocalPostgres pg = SharedLocalPostgres.get();
    JdbcStateMachine<C> sm = JdbcStateMachine.open(pg.jdbcUrl(SharedLocalPostgres.newDatabase(
        prefix)), pg.user(), "", 3, migrations, handler);
    sm.setSavepointEveryCommand(careful);
    toClose.add(sm);
    return sm;
  }

  private void check(long seed, int n) throws Exception {
    Random rnd = new Random(seed);
    List<byte[]> cmds = commands(rnd, n);
    JdbcStateMachine<C> fast = open(dbPrefix + "_fast", handler.get(), false);
    JdbcStateMachine<C> legacy = open(dbPrefix + "_legacy", legacyHandler.get(), true);
    List<String> got = new ArrayList<>();
    List<String> want = new ArrayList<>();
    Map<String, Integer> outcomes = new LinkedHashMap<>();
    int pos = 0;
    int batches = 0;
    while (pos < n) {
      int size = Math.min(n - pos, 1 + rnd.nextInt(rnd.nextBoolean() ? 4 : 40));
      List<byte[]> batch = cmds.subList(pos, pos + size);
      // every third batch durable (a SET LOCAL riding in the position update): same results
      List<byte[]> results = fast.apply(pos + 1, batch, ++batches % 3 == 0);
      for (int i = 0; i < size; i++) {
        byte[] r = results.get(i);
        got.add(HexFormat.of().formatHex(r));
        outcomes.merge(outcome(batch.get(i), r), 1, Integer::sum);
      }
      for (byte[] r : legacy.apply(pos + 1, batch, false)) {
        want.add(HexFormat.of().formatHex(r));
      }
      pos += size;
    }
    System.out.println("  outcomes: " + outcomes);
    for (int i = 0; i < n; i++) {
      assertThat(got.get(i)).as("seed " + seed + ", command " + (i + 1)).isEqualTo(want.get(i));
    }
    List<String> tables = Tables.names(legacy.dataSource());
    assertThat(tables).containsAll(requiredTables());
    for (String table : tables) {
      assertThat(Tables.dump(fast.dataSource(), table)).as("seed " + seed + ", table " + table)
          .isEqualTo(Tables.dump(legacy.dataSource(), table));
    }
    assertThat(outcomes.keySet()).as("seed " + seed + ": the stream exercises accepted and "
        + "rejected commands").containsAll(requiredOutcomes());
    // planned once, on tables of at most a few hundred rows: must still be index plans
    ApplyPlans.assertIndexOnly(fast, 5);
  }
}
