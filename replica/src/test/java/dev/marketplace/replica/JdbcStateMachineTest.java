package dev.marketplace.replica;

import static dev.marketplace.replica.KvHandler.cmd;
import static dev.marketplace.replica.testing.Tables.dump;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.marketplace.postgres.LocalPostgres;
import dev.marketplace.postgres.SharedLocalPostgres;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class JdbcStateMachineTest {
  static final long T0 = 1_700_000_000_000L;
  static final long DAY = 24L * 3600 * 1000;
  private final List<AutoCloseable> toClose = new ArrayList<>();
  private String db;

  static JdbcStateMachine<String[]> open(String db) {
    LocalPostgres pg = SharedLocalPostgres.get();
    return JdbcStateMachine.open(pg.jdbcUrl(db), pg.user(), "", 4, "classpath:db/testkv",
        new KvHandler());
  }

  private JdbcStateMachine<String[]> openTracked(String db) {
    JdbcStateMachine<String[]> sm = open(db);
    toClose.add(sm);
    return sm;
  }

  @BeforeEach
  void freshDb() {
    db = SharedLocalPostgres.newDatabase("jsm");
  }

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : toClose) {
      c.close();
    }
  }

  static String text(byte[] result) {
    CommandResult r = CommandResult.decode(result);
    return r.isOk() ? new String(r.payload(), StandardCharsets.UTF_8)
        : r.errorCode() + ":" + r.message();
  }

  static long count(DataSource ds, String sql) throws SQLException {
    try (Connection c = ds.getConnection(); Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  @Test
  void appliesABatchInOrderAndARejectionDoesNotAbortTheBatch() throws Exception {
    JdbcStateMachine<String[]> sm = openTracked(db);
    assertThat(sm.lastApplied()).isZero();
    List<byte[]> results = sm.apply(1, List.of(cmd("", T0, "add:a"), cmd("", T0, "reject"),
        cmd("", T0, "reject-after-write"), new byte[0], "garbage".getBytes(),
        cmd("", T0, "add:a")), true);
    assertThat(results).hasSize(6);
    assertThat(text(results.get(0))).isEqualTo("1");
    assertThat(text(results.get(1))).isEqualTo("FAILED_PRECONDITION:nope");
    assertThat(text(results.get(2))).isEqualTo("FAILED_PRECONDITION:rejected after a write");
    assertThat(results.get(3)).isEmpty();
    assertThat(text(results.get(4))).startsWith("INVALID_ARGUMENT");
    assertThat(text(results.get(5))).isEqualTo("2");
    assertThat(sm.lastApplied()).isEqualTo(6);
    assertThat(count(sm.dataSource(), "SELECT count(*) FROM counters WHERE name = 'ghost'"))
        .isZero();
    assertThat(count(sm.dataSource(), "SELECT last_applied FROM replica_state")).isEqualTo(6);
  }

  @Test
  void aReplayedKeyReturnsTheFirstResultAndChangesNothingUntilItExpires() throws Exception {
    JdbcStateMachine<String[]> sm = openTracked(db);
    assertThat(text(sm.apply(1, List.of(cmd("k1", T0, "add:x")), false).get(0))).isEqualTo("1");
    assertThat(text(sm.apply(2, List.of(cmd("k1", T0 + 5, "add:x"), cmd("k1", T0, "reject")),
        false).get(1))).isEqualTo("1");
    // a rejection is remembered too
    assertThat(text(sm.apply(4, List.of(cmd("k2", T0, "reject")), false).get(0)))
        .startsWith("FAILED_PRECONDITION");
    assertThat(text(sm.apply(5, List.of(cmd("k2", T0, "add:x")), false).get(0)))
        .startsWith("FAILED_PRECONDITION");
    assertThat(count(sm.dataSource(), "SELECT value FROM counters WHERE name = 'x'")).isEqualTo(1);
    // another command moves the command clock 24 h + 1 ms ahead: k1 expired and is pruned
    sm.apply(6, List.of(cmd("", T0 + DAY + 1, "add:y")), false);
    assertThat(count(sm.dataSource(), "SELECT count(*) FROM idempotency WHERE key = 'kv/k1'"))
        .isZero();
    assertThat(text(sm.apply(7, List.of(cmd("k1", T0 + DAY + 2, "add:x")), false).get(0)))
        .isEqualTo("2");
  }

  @Test
  void aGapOrAnSqlErrorIsFatalAndNothingOfTheBatchIsApplied() throws Exception {
    JdbcStateMachine<String[]> sm = openTracked(db);
    sm.apply(1, List.of(cmd("", T0, "add:a")), true);
    assertThatThrownBy(() -> sm.apply(1, List.of(cmd("", T0, "add:a")), true))
        .isInstanceOf(StateMachineFailedException.class).hasMessageContaining("after position 1");
    assertThatThrownBy(() -> sm.apply(2, List.of(cmd("", T0, "add:a")), true))
        .isInstanceOf(StateMachineFailedException.class);
    assertThat(sm.failure()).isNotNull();

    String db2 = SharedLocalPostgres.newDatabase("jsm_boom");
    JdbcStateMachine<String[]> sm2 = openTracked(db2);
    assertThatThrownBy(() -> sm2.apply(1,
        List.of(cmd("", T0, "add:a"), cmd("", T0, "boom")), true))
        .isInstanceOf(StateMachineFailedException.class);
    assertThat(sm2.lastApplied()).isZero();
    assertThat(count(sm2.dataSource(), "SELECT count(*) FROM counters")).isZero();
    assertThat(count(sm2.dataSource(), "SELECT last_applied FROM replica_state")).isZero();
  }

  @Test
  void reopeningResumesAfterLastApplied() throws Exception {
    try (JdbcStateMachine<String[]> sm = open(db)) {
      sm.apply(1, List.of(cmd("", T0, "add:a"), cmd("", T0, "add:a")), true);
    }
    JdbcStateMachine<String[]> again = openTracked(db);
    assertThat(again.lastApplied()).isEqualTo(2);
    again.apply(3, List.of(cmd("", T0, "add:b")), false);
    assertThat(again.syncApplied()).isEqualTo(3);
    assertThat(count(again.dataSource(), "SELECT last_applied FROM replica_state")).isEqualTo(3);
    try (JdbcStateMachine<String[]> third = open(db)) {
      assertThat(third.lastApplied()).isEqualTo(3);
    }
    assertThat(text(again.apply(4, List.of(cmd("", T0, "add:a")), true).get(0))).isEqualTo("3");
  }

  @Test
  void snapshotRestoredIntoAnotherDatabaseGivesIdenticalTables() throws Exception {
    JdbcStateMachine<String[]> src = openTracked(db);
    List<byte[]> cmds = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      cmds.add(cmd("key" + i, T0 + i, i % 2 == 0 ? "add:c" + (i % 7) : "note:n'; DROP " + i));
    }
    src.apply(1, cmds, true);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertThat(src.snapshot(out)).isEqualTo(50);

    JdbcStateMachine<String[]> dst = openTracked(SharedLocalPostgres.newDatabase("jsm_dst"));
    dst.apply(1, List.of(cmd("junk", T0, "add:junk")), true); // replaced by the restore
    assertThat(dst.restore(new ByteArrayInputStream(out.toByteArray()))).isEqualTo(50);
    assertThat(dst.lastApplied()).isEqualTo(50);
    for (String table : List.of("counters", "notes", "idempotency", "replica_state")) {
      assertThat(dump(dst.dataSource(), table)).as(table).isEqualTo(dump(src.dataSource(), table));
    }
    // the restored replica continues exactly like the source would
    assertThat(text(dst.apply(51, List.of(cmd("key0", T0, "add:c0")), true).get(0)))
        .isEqualTo(text(src.apply(51, List.of(cmd("key0", T0, "add:c0")), true).get(0)));
    assertThatThrownBy(() -> dst.restore(new ByteArrayInputStream(new byte[] {1, 2, 3, 4})))
        .isInstanceOf(IOException.class);
    assertThat(dst.lastApplied()).isEqualTo(51);
  }

  /**
   * Rewrites a snapshot in the current chunked format ("MKS2") into format 1 ("MKS1": one length
   * and the whole COPY data per table), as written before the chunked format.
   */
  private static byte[] toFormatOne(byte[] v2) throws IOException {
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(v2));
    assertThat(in.readInt()).isEqualTo(0x4D4B5332);
    ByteArrayOutputStream bos = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bos);
    out.writeInt(0x4D4B5331);
    out.writeLong(in.readLong());
    int n = in.readInt();
    out.writeInt(n);
    for (int i = 0; i < n; i++) {
      out.writeUTF(in.readUTF());
      ByteArrayOutputStream table = new ByteArrayOutputStream();
      for (int len = in.readInt(); len != 0; len = in.readInt()) {
        table.write(in.readNBytes(len));
      }
      out.writeLong(table.size());
      table.writeTo(out);
    }
    assertThat(in.read()).isEqualTo(-1);
    out.flush();
    return bos.toByteArray();
  }

  @Test
  void formatOneSnapshotsStillRestoreAndDamagedOnesAreRejected() throws Exception {
    JdbcStateMachine<String[]> src = openTracked(db);
    List<byte[]> cmds = new ArrayList<>();
    for (int i = 0; i < 2000; i++) {
      // enough rows that a table's COPY data spans several 64 KiB chunks
      cmds.add(cmd("key" + i, T0 + i, i % 2 == 0 ? "add:c" + (i % 7) : "note:" + "x".repeat(90)));
    }
    src.apply(1, cmds, true);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertThat(src.snapshot(out)).isEqualTo(2000);
    byte[] v2 = out.toByteArray();

    JdbcStateMachine<String[]> dst = openTracked(SharedLocalPostgres.newDatabase("jsm_v1"));
    assertThat(dst.restore(new ByteArrayInputStream(toFormatOne(v2)))).isEqualTo(2000);
    for (String table : List.of("counters", "notes", "idempotency", "replica_state")) {
      assertThat(dump(dst.dataSource(), table)).as(table).isEqualTo(dump(src.dataSource(), table));
    }
    dst.apply(2001, List.of(cmd("", T0, "add:z")), true);
    // truncated in the middle of a chunk, or a chunk cut short of its terminator: rejected, and
    // the database keeps its state
    for (int cut : new int[] {v2.length - 1, v2.length - 5, v2.length / 2}) {
      assertThatThrownBy(() -> dst.restore(new ByteArrayInputStream(Arrays.copyOf(v2, cut))))
          .as("cut at %d of %d", cut, v2.length).isInstanceOf(IOException.class);
      assertThat(dst.lastApplied()).isEqualTo(2001);
    }
    assertThat(count(dst.dataSource(), "SELECT last_applied FROM replica_state")).isEqualTo(2001);
  }
}
