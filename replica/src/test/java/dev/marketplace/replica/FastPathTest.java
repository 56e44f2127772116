package dev.marketplace.replica;

import static dev.marketplace.replica.JdbcStateMachineTest.DAY;
import static dev.marketplace.replica.JdbcStateMachineTest.T0;
import static dev.marketplace.replica.JdbcStateMachineTest.count;
import static dev.marketplace.replica.JdbcStateMachineTest.text;
import static dev.marketplace.replica.KvHandler.cmd;
import static dev.marketplace.replica.testing.Tables.dump;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.marketplace.postgres.LocalPostgres;
import dev.marketplace.postgres.SharedLocalPostgres;
import dev.marketplace.replica.testing.Tables;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The batched apply path (one idempotency query and one write per batch, no savepoints unless a
 * command throws a rejection) against the reference: every command in a savepoint, one command
 * per batch. Randomized tests are deterministic per seed and print it; {@code
 * -Dfastpath.seeds=N} and {@code -Dfastpath.commands=N} run longer sweeps.
 */
class FastPathTest {
  private final List<AutoCloseable> toClose = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : toClose) {
      c.close();
    }
  }

  private JdbcStateMachine<String[]> open(String prefix, boolean careful) {
    JdbcStateMachine<String[]> sm =
        JdbcStateMachineTest.open(SharedLocalPostgres.newDatabase(prefix));
    sm.setSavepointEveryCommand(careful);
    toClose.add(sm);
    return sm;
  }

  private JdbcStateMachine<String[]> openDeferring(String prefix, DeferringKvHandler handler) {
    LocalPostgres pg = SharedLocalPostgres.get();
    JdbcStateMachine<String[]> sm = JdbcStateMachine.open(
        pg.jdbcUrl(SharedLocalPostgres.newDatabase(prefix)), pg.user(), "", 3,
        "classpath:db/testkv", handler);
    toClose.add(sm);
    return sm;
  }

  @Test
  void deferredWritesAreFlushedBeforeEverySavepointAndAtTheEndAndDroppedOnARerun()
      throws Exception {
    DeferringKvHandler h = new DeferringKvHandler();
    JdbcStateMachine<String[]> sm = openDeferring("fp_defer", h);
    List<byte[]> results = sm.apply(1, List.of(cmd("", T0, "add:x"), cmd("", T0, "add:x"),
        cmd("", T0, "reject"), cmd("", T0, "add:x"), cmd("", T0, "add:y")), false);
    assertThat(texts(results)).containsExactly("1", "2", "FAILED_PRECONDITION:nope", "3", "1");
    assertThat(dump(sm.dataSource(), "counters")).containsExactly("(x,3)", "(y,1)");
    // run 1: "reject" flushes (forgets), then throws outside a savepoint -> rollback; run 2:
    // fast up to it, a flush before each savepoint (commands 3, 4, 5; "reject" flushes once
    // more itself) and one at the end
    assertThat(h.calls).containsExactly("begin", "flush", "begin", "flush", "flush", "flush",
        "flush", "flush");
  }

  private static List<String> texts(List<byte[]> results) {
    List<String> out = new ArrayList<>();
    for (byte[] r : results) {
      out.add(r.length == 0 ? "<no-op>" : text(r));
    }
    return out;
  }

  @Test
  void aKeyRepeatedInOneBatchGetsTheFirstResultEvenAfterARejection() throws Exception {
    JdbcStateMachine<String[]> sm = open("fp_dup", false);
    List<byte[]> results = sm.apply(1, List.of(
        cmd("k1", T0, "add:x"), cmd("k1", T0 + 1, "add:x"), cmd("k1", T0 + 2, "reject"),
        cmd("k2", T0, "reject-after-write"), cmd("k2", T0, "add:x"),
        cmd("", T0, "add:x"), cmd("k3", T0, "add:x")), false);
    assertThat(texts(results)).containsExactly("1", "1", "1",
        "FAILED_PRECONDITION:rejected after a write", "FAILED_PRECONDITION:rejected after a write",
        "2", "3");
    assertThat(count(sm.dataSource(), "SELECT value FROM counters WHERE name = 'x'")).isEqualTo(3);
    assertThat(count(sm.dataSource(), "SELECT count(*) FROM counters WHERE name = 'ghost'"))
        .isZero();
    assertThat(count(sm.dataSource(), "SELECT count(*) FROM idempotency")).isEqualTo(3);
    // the batch ran twice: fast, then with savepoints from the throwing command on
    assertThat(sm.applyCounters()).containsExactly(1, 1);
    // and the records are there for the next batch, with the first command's time
    assertThat(texts(sm.apply(8, List.of(cmd("k1", T0 + 3, "add:x")), false)))
        .containsExactly("1");
    assertThat(count(sm.dataSource(),
        "SELECT applied_at_millis FROM idempotency WHERE key = 'kv/k1'")).isEqualTo(T0);
  }

  @Test
  void aKeyThatExpiresInsideTheBatchIsAppliedAgainAndPrunedLikeOneByOne() throws Exception {
    JdbcStateMachine<String[]> fast = open("fp_exp", false);
    JdbcStateMachine<String[]> ref = open("fp_exp_ref", true);
    List<byte[]> cmds = List.of(cmd("k1", T0, "add:x"), cmd("k1", T0 + DAY, "add:x"),
        cmd("k1", T0 + DAY + 1, "add:x"), cmd("k1", T0 + 5, "add:x"),
        cmd("k2", T0, "add:y"));
    List<String> got = texts(fast.apply(1, cmds, false));
    assertThat(got).containsExactly("1", "1", "2", "2", "1");
    List<String> want = new ArrayList<>();
    for (int i = 0; i < cmds.size(); i++) {
      want.addAll(texts(ref.apply(i + 1, List.of(cmds.get(i)), false)));
    }
    assertThat(got).isEqualTo(want);
    // k2's record was written with an old time (T0), already expired at the batch's clock:
    // pruned at the end of the batch. One by one, pruning (every 60 s of command time) has not
    // run again yet; either way an expired record is never returned.
    assertThat(dump(fast.dataSource(), "idempotency")).hasSize(1).allMatch(r -> r.contains("kv/k1"));
    assertThat(dump(ref.dataSource(), "idempotency")).hasSize(2);
    assertThat(dump(fast.dataSource(), "counters")).isEqualTo(dump(ref.dataSource(), "counters"));
  }

  @Test
  void aFatalErrorAfterARejectionRedoLeavesNothingApplied() throws Exception {
    JdbcStateMachine<String[]> sm = open("fp_fatal", false);
    sm.apply(1, List.of(cmd("k0", T0, "add:a")), false);
    assertThatThrownBy(() -> sm.apply(2, List.of(cmd("k1", T0, "add:a"),
        cmd("k2", T0, "reject-after-write"), cmd("k3", T0, "note:n"), cmd("", T0, "boom"),
        cmd("k4", T0, "add:b")), false))
        .isInstanceOf(StateMachineFailedException.class);
    assertThat(sm.lastApplied()).isEqualTo(1);
    assertThat(sm.failure()).isNotNull();
    assertThat(count(sm.dataSource(), "SELECT last_applied FROM replica_state")).isEqualTo(1);
    assertThat(dump(sm.dataSource(), "counters")).containsExactly("(a,1)");
    assertThat(count(sm.dataSource(), "SELECT count(*) FROM notes")).isZero();
    assertThat(count(sm.dataSource(), "SELECT count(*) FROM idempotency")).isEqualTo(1);
    assertThatThrownBy(() -> sm.apply(2, List.of(cmd("", T0, "add:a")), false))
        .isInstanceOf(StateMachineFailedException.class);
  }

  @Test
  void randomBatchesMatchTheCarefulReference() throws Exception {
    int seeds = Integer.getInteger("fastpath.seeds", 3);
    int commands = Integer.getInteger("fastpath.commands", 400);
    long base = Long.getLong("fastpath.seed", 20261125L);
    for (int i = 0; i < seeds; i++) {
      long seed = base + i;
      System.out.println("FastPathTest seed " + seed + " (-Dfastpath.seed=" + seed + ")");
      checkSeed(seed, commands);
    }
  }

  private void checkSeed(long seed, int n) throws Exception {
    Random rnd = new Random(seed);
    List<byte[]> cmds = new ArrayList<>();
    long time = T0;
    for (int i = 0; i < n; i++) {
      int jump = rnd.nextInt(100);
      time += jump < 3 ? DAY / 2 + rnd.nextInt(1000) : jump < 10 ? -rnd.nextInt(5000)
          : rnd.nextInt(2000);
      String key = rnd.nextInt(3) == 0 ? "" : "k" + rnd.nextInt(12);
      int op = rnd.nextInt(100);
      if (op < 3) {
        cmds.add(new byte[0]);
      } else if (op < 6) {
        cmds.add("malformed".getBytes(StandardCharsets.UTF_8));
      } else if (op < 50) {
        cmds.add(cmd(key, time, "add:c" + rnd.nextInt(4)));
      } else if (op < 75) {
        cmds.add(cmd(key, time, "note:n" + rnd.nextInt(1000)));
      } else if (op < 88) {
        cmds.add(cmd(key, time, "reject"));
      } else {
        cmds.add(cmd(key, time, "reject-after-write"));
      }
    }
    JdbcStateMachine<String[]> fast = open("fp_fast", false);
    JdbcStateMachine<String[]> deferring = openDeferring("fp_defer", new DeferringKvHandler());
    JdbcStateMachine<String[]> sameBatches = open("fp_careful", true);
    JdbcStateMachine<String[]> oneByOne = open("fp_one", true);
    List<String> fastResults = new ArrayList<>();
    List<String> deferringResults = new ArrayList<>();
    List<String> carefulResults = new ArrayList<>();
    List<String> oneResults = new ArrayList<>();
    int pos = 0;
    while (pos < n) {
      int size = Math.min(n - pos, 1 + rnd.nextInt(rnd.nextBoolean() ? 4 : 40));
      List<byte[]> batch = cmds.subList(pos, pos + size);
      fastResults.addAll(texts(fast.apply(pos + 1, batch, false)));
      deferringResults.addAll(texts(deferring.apply(pos + 1, batch, false)));
      carefulResults.addAll(texts(sameBatches.apply(pos + 1, batch, false)));
      for (int i = 0; i < size; i++) {
        oneResults.addAll(texts(oneByOne.apply(pos + i + 1, List.of(batch.get(i)), false)));
      }
      pos += size;
    }
    String seedText = "seed " + seed;
    assertThat(fastResults).as(seedText).isEqualTo(carefulResults).isEqualTo(oneResults)
        .isEqualTo(deferringResults);
    for (String table : List.of("counters", "notes", "idempotency", "replica_state")) {
      assertThat(dump(fast.dataSource(), table)).as(seedText + " " + table)
          .isEqualTo(dump(sameBatches.dataSource(), table))
          .isEqualTo(dump(deferring.dataSource(), table));
    }
    for (String table : List.of("counters", "notes", "replica_state")) {
      assertThat(dump(fast.dataSource(), table)).as(seedText + " " + table)
          .isEqualTo(dump(oneByOne.dataSource(), table));
    }
    // pruning runs at other positions one by one; the live records are the same
    String live = "SELECT t::text FROM idempotency t, replica_state s "
        + "WHERE t.applied_at_millis >= s.max_command_millis - " + JdbcStateMachine
        .IDEMPOTENCY_TTL_MILLIS + " ORDER BY 1";
    assertThat(Tables.rows(fast.dataSource(), live)).as(seedText)
        .isEqualTo(Tables.rows(oneByOne.dataSource(), live));
    assertThat(fast.applyCounters()[1]).as(seedText + ": rejections took the careful path")
        .isPositive();
  }
}
