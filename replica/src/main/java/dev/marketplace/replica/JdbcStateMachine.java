package dev.marketplace.replica;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.postgresql.PGConnection;
import org.postgresql.PGStatement;
import org.postgresql.copy.CopyManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link StateMachine} over one PostgreSQL database: the domain logic is a {@link
 * CommandHandler}; this class owns the transaction discipline that makes replicas identical.
 *
 * <ul>
 *   <li>At open, Flyway migrates {@code classpath:db/replica} (tables {@code replica_state},
 *       {@code idempotency}; V1..V99) plus the domain location (V100 and up).
 *   <li>A batch is ONE transaction that also sets {@code replica_state.last_applied}. A {@link
 *       CommandRejectedException} rolls back only that command and becomes its error result:
 *       the batch first runs without savepoints; when a command throws, the transaction is
 *       rolled back and the batch re-run with a savepoint around every command from that one on
 *       (see replica/README.md, "Apply path"). Any {@link SQLException} (or other exception) is
 *       fatal: the transaction is rolled back, the machine refuses further batches, and {@link
 *       StateMachineFailedException} is thrown.
 *   <li>Per batch: one query for the idempotency records of all its keys, {@link
 *       CommandHandler#beginBatch}, the commands, {@link CommandHandler#flush}, one statement
 *       for the new records and the position, commit, on one dedicated connection.
 *   <li>A command with an idempotency key whose record is live returns the stored result and
 *       changes nothing; otherwise its result (success or rejection) is stored with the command's
 *       time. Records expire 24 h (by command time) behind the highest command time applied so
 *       far ({@code replica_state.max_command_millis}), which depends only on the applied log, and
 *       expired records are deleted during apply; so results never depend on when pruning runs.
 *   <li>Snapshot: {@code COPY ... TO STDOUT (FORMAT binary)} of every table except Flyway's, in
 *       one REPEATABLE READ transaction, with the {@code last_applied} it saw. Restore: TRUNCATE
 *       all + {@code COPY FROM STDIN} in one transaction.
 * </ul>
 *
 * <p>Reads by the service use {@link #dataSource()} (a HikariCP pool). Thread-safe: apply is
 * serialized; snapshot and reads may run concurrently with it.
 *
 * @param <C> the decoded command type
 */
public final class JdbcStateMachine<C> implements StateMachine, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(JdbcStateMachine.class);
  /** Idempotency records live this long, by command time. */
  public static final long IDEMPOTENCY_TTL_MILLIS = 24L * 60 * 60 * 1000;
  private static final long PRUNE_EVERY_MILLIS = 60_000;
  /** The cached plans are re-made after batch 1, 2, 4, ..., 1024 and then every 1024. */
  private static final long REPLAN_EVERY_BATCHES = 1024;
  /** Format 1: per table {@code [name][length:int64][COPY binary bytes]} (restore only). */
  private static final int SNAPSHOT_MAGIC_V1 = 0x4D4B5331; // "MKS1"
  /**
   * Format 2 (written now): per table {@code [name]} then the COPY binary bytes in chunks {@code
   * [length:int32 > 0][bytes]} ended by a 0 length, so COPY streams straight into the output with
   * no per-table buffer.
   */
  private static final int SNAPSHOT_MAGIC = 0x4D4B5332; // "MKS2"
  private static final int SNAPSHOT_CHUNK = 64 * 1024;

  private final HikariDataSource pool;
  private final CommandHandler<C> handler;
  private final Object applyLock = new Object();
  private volatile long lastApplied;
  private long maxCommandMillis;
  private long lastPruneMillis = Long.MIN_VALUE;
  private volatile Throwable failure;
  private Connection applyConnection;
  private boolean savepointEveryCommand;
  private long appliedBatches;
  /** {@link #appliedBatches} at which the cached plans are dropped next (see discardPlans). */
  private long replanAt = 1;
  private long carefulRetries;

  private JdbcStateMachine(HikariDataSource pool, CommandHandler<C> handler) {
    this.pool = pool;
    this.handler = handler;
  }

  /**
   * Connects (pool of {@code poolSize} for reads, snapshots and restores; apply has its own
   * connection), runs the migrations and reads {@code last_applied}.
   *
   * @param domainMigrations a Flyway location such as {@code classpath:db/customer}
   */
  public static <C> JdbcStateMachine<C> open(String jdbcUrl, String user, String password,
      int poolSize, String domainMigrations, CommandHandler<C> handler) {
    HikariConfig cfg = new HikariConfig();
    cfg.setJdbcUrl(jdbcUrl);
    cfg.setUsername(user);
    cfg.setPassword(password);
    cfg.setMaximumPoolSize(poolSize);
    cfg.setPoolName("replica-" + jdbcUrl.replaceAll(".*/", ""));
    HikariDataSource ds = new HikariDataSource(cfg);
    try {
      Flyway.configure().dataSource(ds).locations("classpath:db/replica", domainMigrations)
          .load().migrate();
      JdbcStateMachine<C> sm = new JdbcStateMachine<>(ds, handler);
      sm.loadState();
      return sm;
    } catch (RuntimeException e) {
      ds.close();
      throw e;
    }
  }

  private void loadState() {
    try (Connection c = pool.getConnection();
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(
            "SELECT last_applied, max_command_millis FROM replica_state WHERE id = 1")) {
      if (!rs.next()) {
        throw new StateMachineFailedException("replica_state row missing", null);
      }
      synchronized (applyLock) {
        lastApplied = rs.getLong(1);
        maxCommandMillis = rs.getLong(2);
      }
    } catch (SQLException e) {
      throw new StateMachineFailedException("cannot read replica_state", e);
    }
  }

  /** The connection pool, for the service's reads (never for writes). */
  public DataSource dataSource() {
    return pool;
  }

  @Override
  public long lastApplied() {
    return lastApplied;
  }

  /** The fatal failure that stopped this machine, or null. */
  public Throwable failure() {
    return failure;
  }

  @Override
  public List<byte[]> apply(long firstIndex, List<byte[]> commands, boolean durable) {
    synchronized (applyLock) {
      if (failure != null) {
        throw new StateMachineFailedException("state machine stopped after a fatal error", failure);
      }
      if (firstIndex != lastApplied + 1) {
        fail(new IllegalStateException(
            "position gap: asked to apply " + firstIndex + " after " + lastApplied));
      }
      if (commands.isEmpty()) {
        return List.of();
      }
      Slot<C>[] slots = decode(commands);
      long clock = maxCommandMillis;
      for (Slot<C> s : slots) {
        if (s.parsed != null) {
          clock = Math.max(clock, s.timeMillis);
        }
        s.clock = clock;
      }
      long last = firstIndex + commands.size() - 1;
      boolean prune = lastPruneMillis == Long.MIN_VALUE
          || clock - lastPruneMillis >= PRUNE_EVERY_MILLIS;
      try {
        Connection c = applyConnection();
        if (appliedBatches >= replanAt) {
          discardPlans(c);
          replanAt = appliedBatches < REPLAN_EVERY_BATCHES ? appliedBatches * 2
              : appliedBatches + REPLAN_EVERY_BATCHES;
        }
        Attempt attempt;
        try {
          // Commands at index >= careful run in a savepoint. The fast path has none; when a
          // command throws a rejection outside a savepoint, the transaction is rolled back and
          // the batch re-run with savepoints from that command on. Commands are deterministic,
          // so the ones before it do not throw the second time either; should one do so anyway,
          // the loop moves the boundary further down (it ends at 0 = every command careful).
          int careful = savepointEveryCommand ? 0 : slots.length;
          while ((attempt = attempt(c, slots, careful)).rejectedAt >= 0) {
            c.rollback();
            careful = attempt.rejectedAt;
            carefulRetries++;
            log.debug("rejection at batch offset {} of {}: re-running the batch with "
                + "savepoints from there", careful, slots.length);
          }
          finish(c, attempt.fresh, last, clock, prune, durable);
          c.commit();
        } catch (SQLException | RuntimeException e) {
          try {
            c.rollback();
          } catch (SQLException ignored) {
            // the connection is probably broken; the failure below is what matters
          }
          throw e;
        }
        lastApplied = last;
        maxCommandMillis = clock;
        if (prune) {
          lastPruneMillis = clock;
        }
        appliedBatches++;
        return attempt.results;
      } catch (SQLException | RuntimeException e) {
        if (e instanceof StateMachineFailedException sme) {
          throw sme;
        }
        closeApplyConnection();
        fail(e);
        return null; // unreachable
      }
    }
  }

  /** A command of a batch, decoded once. */
  private static final class Slot<C> {
    /** The result known without running the handler (no-op, malformed), or null. */
    byte[] early;
    C parsed;
    String key;
    long timeMillis;
    /** Highest command time up to and including this command. */
    long clock;
  }

  /** The outcome of running a batch once. */
  private record Attempt(List<byte[]> results, Map<String, Stored> fresh, int rejectedAt) {}

  /** An idempotency record. */
  private record Stored(byte[] result, long appliedAtMillis) {}

  @SuppressWarnings("unchecked")
  private Slot<C>[] decode(List<byte[]> commands) {
    Slot<C>[] slots = new Slot[commands.size()];
    for (int i = 0; i < slots.length; i++) {
      Slot<C> s = new Slot<>();
      slots[i] = s;
      byte[] cmd = commands.get(i);
      if (cmd.length == 0) {
        s.early = new byte[0];
        continue;
      }
      try {
        s.parsed = handler.parse(cmd);
      } catch (CommandRejectedException e) {
        s.early = e.toResult().encode();
        continue;
      }
      s.key = handler.idempotencyKey(s.parsed);
      s.timeMillis = handler.commandTimeMillis(s.parsed);
    }
    return slots;
  }

  /**
   * Runs the batch once in {@code c}: one query for the idempotency records of all its keys,
   * then every command, in a savepoint from index {@code careful} on. Returns the results and the
   * idempotency records to write, or the index of a command that threw a rejection outside a
   * savepoint (the transaction must then be rolled back).
   */
  private Attempt attempt(Connection c, Slot<C>[] slots, int careful) throws SQLException {
    Map<String, Stored> records = lookUp(c, slots);
    List<C> parsed = new ArrayList<>(slots.length);
    for (Slot<C> s : slots) {
      if (s.early == null) {
        parsed.add(s.parsed);
      }
    }
    handler.beginBatch(c, parsed);
    Map<String, Stored> fresh = new LinkedHashMap<>();
    List<byte[]> results = new ArrayList<>(slots.length);
    for (int i = 0; i < slots.length; i++) {
      Slot<C> s = slots[i];
      if (s.early != null) {
        results.add(s.early);
        continue;
      }
      boolean keyed = !s.key.isEmpty();
      if (keyed) {
        Stored r = records.get(s.key);
        if (r != null && r.appliedAtMillis >= s.clock - IDEMPOTENCY_TTL_MILLIS) {
          results.add(r.result);
          continue;
        }
      }
      byte[] result;
      if (i >= careful) {
        result = applyInSavepoint(c, s.parsed);
      } else {
        try {
          result = handler.apply(c, s.parsed).encode();
        } catch (CommandRejectedException e) {
          return new Attempt(null, null, i);
        }
      }
      if (keyed) {
        // later commands of this batch see it, exactly as if it had been written already
        Stored r = new Stored(result, s.timeMillis);
        records.put(s.key, r);
        fresh.put(s.key, r);
      }
      results.add(result);
    }
    handler.flush(c);
    return new Attempt(results, fresh, -1);
  }

  /** The stored idempotency records of the batch's keys (live or not), in one query. */
  private Map<String, Stored> lookUp(Connection c, Slot<C>[] slots) throws SQLException {
    Map<String, Stored> out = new HashMap<>();
    Set<String> keys = new LinkedHashSet<>();
    for (Slot<C> s : slots) {
      if (s.early == null && !s.key.isEmpty()) {
        keys.add(s.key);
      }
    }
    if (keys.isEmpty()) {
      return out;
    }
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT key, result, applied_at_millis FROM idempotency WHERE key = ANY (?)")) {
      ps.setArray(1, c.createArrayOf("text", keys.toArray()));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.put(rs.getString(1), new Stored(rs.getBytes(2), rs.getLong(3)));
        }
      }
    }
    return out;
  }

  private byte[] applyInSavepoint(Connection c, C parsed) throws SQLException {
    handler.flush(c); // the savepoint must not cover earlier commands' deferred writes
    Savepoint sp = c.setSavepoint();
    try {
      CommandResult result = handler.apply(c, parsed);
      c.releaseSavepoint(sp);
      return result.encode();
    } catch (CommandRejectedException e) {
      c.rollback(sp);
      c.releaseSavepoint(sp);
      return e.toResult().encode();
    }
  }

  /**
   * Writes the batch's idempotency records and its position (one statement), then prunes expired
   * records when due. Pruning comes after the records, as when they were written one by one.
   */
  private void finish(Connection c, Map<String, Stored> fresh, long last, long clock,
      boolean prune, boolean durable) throws SQLException {
    // A durable batch commits with synchronous_commit = on (the session default is off): the
    // set_config(..., true) is a SET LOCAL riding in this statement's WHERE, so it costs no round
    // trip. The row is updated only if the whole WHERE was evaluated, so an update count of 1
    // proves the setting was made; anything else is fatal.
    String where = durable
        ? " WHERE id = 1 AND set_config('synchronous_commit', 'on', true) = 'on'"
        : " WHERE id = 1";
    int updated;
    if (fresh.isEmpty()) {
      try (PreparedStatement ps = c.prepareStatement(
          "UPDATE replica_state SET last_applied = ?, max_command_millis = ?" + where)) {
        ps.setLong(1, last);
        ps.setLong(2, clock);
        updated = ps.executeUpdate();
      }
    } else {
      String[] keys = new String[fresh.size()];
      byte[][] results = new byte[fresh.size()][];
      Long[] times = new Long[fresh.size()];
      int i = 0;
      for (Map.Entry<String, Stored> e : fresh.entrySet()) {
        keys[i] = e.getKey();
        results[i] = e.getValue().result();
        times[i] = e.getValue().appliedAtMillis();
        i++;
      }
      // keys are distinct (a map), as ON CONFLICT DO UPDATE requires within one statement
      try (PreparedStatement ps = c.prepareStatement("WITH ins AS (INSERT INTO idempotency "
          + "(key, result, applied_at_millis) SELECT * FROM unnest(?::text[], ?::bytea[], "
          + "?::bigint[]) ON CONFLICT (key) DO UPDATE SET result = EXCLUDED.result, "
          + "applied_at_millis = EXCLUDED.applied_at_millis) "
          + "UPDATE replica_state SET last_applied = ?, max_command_millis = ?" + where)) {
        ps.setArray(1, c.createArrayOf("text", keys));
        ps.setArray(2, c.createArrayOf("bytea", results));
        ps.setArray(3, c.createArrayOf("int8", times));
        ps.setLong(4, last);
        ps.setLong(5, clock);
        updated = ps.executeUpdate();
      }
    }
    if (updated != 1) {
      throw new IllegalStateException("replica_state update matched " + updated + " rows");
    }
    if (prune) {
      try (PreparedStatement ps = c.prepareStatement(
          "DELETE FROM idempotency WHERE applied_at_millis < ?")) {
        ps.setLong(1, clock - IDEMPOTENCY_TTL_MILLIS);
        ps.executeUpdate();
      }
    }
  }

  /**
   * The session settings of the apply connection. Every statement of the apply path is a key
   * lookup or a keyed write, so the right plan is the same for any table size: an index scan,
   * joined by nested loop to the batch's parameter arrays. Planning is most of PostgreSQL's CPU
   * per batch, so statements are planned once (generic plans; pgjdbc server-prepares each on its
   * first execution, see {@link #applyConnection}). A generic plan made while a table is tiny
   * (a new replica, before autovacuum's first ANALYZE) would seq-scan or hash it, and keep doing
   * so as it grows; with seq scans, hash and merge joins disabled the planner takes the index
   * plan whenever there is one, whatever the statistics say. Tests check every apply statement's
   * plan ({@link #explainApplyStatements}). {@code synchronous_commit} is off for the session;
   * a durable batch sets it for its own transaction in {@link #finish}.
   */
  static final String APPLY_SESSION_SETTINGS = "SET plan_cache_mode = force_generic_plan; "
      + "SET enable_seqscan = off; SET enable_hashjoin = off; SET enable_mergejoin = off; "
      + "SET synchronous_commit = off";

  /**
   * The connection every batch runs on, opened on first use and kept (so apply never waits for
   * the read pool and its prepared statements and their plans stay warm), with {@link
   * #APPLY_SESSION_SETTINGS}. Its own connection, not one of the pool's: its session settings
   * never reach the readers, and it holds only the apply path's prepared statements.
   */
  private Connection applyConnection() throws SQLException {
    if (applyConnection == null) {
      Properties props = new Properties();
      props.setProperty("user", pool.getUsername());
      if (pool.getPassword() != null) {
        props.setProperty("password", pool.getPassword());
      }
      // server-prepare every statement on its first execution (the default waits for the 5th)
      props.setProperty("prepareThreshold", "1");
      Connection c = DriverManager.getConnection(pool.getJdbcUrl(), props);
      applyConnection = c;
      c.setAutoCommit(false);
      try (Statement st = c.createStatement()) {
        st.execute(APPLY_SESSION_SETTINGS);
      }
      c.commit();
    }
    return applyConnection;
  }

  /**
   * Drops the apply connection's cached plans (the prepared statements stay): the next execution
   * plans again, from the tables' current statistics and size. With seq scans and hash/merge
   * joins disabled a plan uses indexes anyway, but statistics of a tiny table can still make a
   * full index scan look cheapest (e.g. MAX without the LIMIT 1 form); PostgreSQL replans by
   * itself only after an ANALYZE, so the apply path also does it as the log grows: one statement
   * per 1024 batches, no effect on results.
   */
  private static void discardPlans(Connection c) throws SQLException {
    try (Statement st = c.createStatement()) {
      st.unwrap(PGStatement.class).setPrepareThreshold(0);
      st.execute("DISCARD PLANS");
    }
  }

  private void closeApplyConnection() {
    Connection c = applyConnection;
    applyConnection = null;
    if (c != null) {
      try {
        c.close();
      } catch (SQLException | RuntimeException ignored) {
        // broken anyway
      }
    }
  }

  /**
   * Test support: the plan PostgreSQL uses for every statement the apply connection has
   * prepared so far (statement text to {@code EXPLAIN} output), run on that connection. With
   * {@link #APPLY_SESSION_SETTINGS} these are the cached generic plans every later batch
   * executes, whatever the arguments; so a test can check them for scans that grow with a table.
   */
  public Map<String, String> explainApplyStatements() throws SQLException {
    synchronized (applyLock) {
      Connection c = applyConnection();
      Map<String, String> out = new LinkedHashMap<>();
      try (Statement st = c.createStatement()) {
        // one-shot: these statements must not enter (and evict from) the driver's cache
        st.unwrap(PGStatement.class).setPrepareThreshold(0);
        List<String[]> prepared = new ArrayList<>();
        try (ResultSet rs = st.executeQuery("SELECT name, statement, "
            + "coalesce(cardinality(parameter_types), 0) FROM pg_prepared_statements "
            + "WHERE NOT from_sql ORDER BY name")) {
          while (rs.next()) {
            prepared.add(new String[] {rs.getString(1), rs.getString(2), rs.getString(3)});
          }
        }
        for (String[] p : prepared) {
          int n = Integer.parseInt(p[2]);
          StringBuilder sql = new StringBuilder("EXPLAIN EXECUTE ").append(quote(p[0]));
          if (n > 0) {
            sql.append('(').append(String.join(", ", Collections.nCopies(n, "NULL")))
                .append(')');
          }
          StringBuilder plan = new StringBuilder();
          try (ResultSet rs = st.executeQuery(sql.toString())) {
            while (rs.next()) {
              plan.append(rs.getString(1)).append('\n');
            }
          }
          out.put(p[1], plan.toString());
        }
      } finally {
        c.rollback();
      }
      return out;
    }
  }

  /**
   * Test support: run every command of every batch in a savepoint (the straightforward reference
   * the fast path must match). Results and state are the same either way, only slower.
   */
  public void setSavepointEveryCommand(boolean on) {
    synchronized (applyLock) {
      savepointEveryCommand = on;
    }
  }

  /**
   * Counters since open: {batches applied, batches re-run with savepoints because a command
   * threw a rejection on the fast path}.
   */
  public long[] applyCounters() {
    synchronized (applyLock) {
      return new long[] {appliedBatches, carefulRetries};
    }
  }

  private void fail(Throwable e) {
    failure = e;
    log.error("FATAL: state machine stopped at last_applied={}; it will apply nothing more",
        lastApplied, e);
    throw new StateMachineFailedException("apply failed after position " + lastApplied, e);
  }

  @Override
  public long syncApplied() {
    synchronized (applyLock) {
      if (failure != null) {
        throw new StateMachineFailedException("state machine stopped", failure);
      }
      try (Connection c = pool.getConnection()) {
        c.setAutoCommit(false);
        try (Statement st = c.createStatement()) {
          st.execute("SET LOCAL synchronous_commit = on");
          // A write, so the commit waits for the WAL flush, which covers every earlier commit.
          st.executeUpdate("UPDATE replica_state SET last_applied = last_applied WHERE id = 1");
        }
        c.commit();
        return lastApplied;
      } catch (SQLException e) {
        throw new StateMachineFailedException("cannot flush applied state", e);
      }
    }
  }

  /**
   * {@inheritDoc}
   *
   * <p>One REPEATABLE READ transaction: its first statement reads {@code last_applied} (the
   * position), then the WAL is flushed (as {@link #syncApplied}), so the position returned is
   * durable even though apply goes on meanwhile: a log may drop its entries up to it. Then every
   * table is copied, streaming into {@code out}.
   */
  @Override
  public long snapshot(OutputStream out) throws IOException {
    try (Connection c = pool.getConnection()) {
      c.setAutoCommit(false);
      c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
      c.setReadOnly(true);
      try {
        long at;
        try (Statement st = c.createStatement();
            ResultSet rs = st.executeQuery("SELECT last_applied FROM replica_state WHERE id = 1")) {
          rs.next();
          at = rs.getLong(1);
        }
        // the transaction's snapshot is fixed now and includes the commit of position `at`; a
        // durable commit after it flushes the WAL past that commit
        flushWal();
        List<String> tables = tables(c);
        DataOutputStream dos = new DataOutputStream(out);
        dos.writeInt(SNAPSHOT_MAGIC);
        dos.writeLong(at);
        dos.writeInt(tables.size());
        CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
        ChunkedOutput chunks = new ChunkedOutput(dos);
        for (String t : tables) {
          dos.writeUTF(t);
          copy.copyOut("COPY " + quote(t) + " TO STDOUT (FORMAT binary)", chunks);
          chunks.end();
        }
        dos.flush();
        c.commit();
        return at;
      } catch (SQLException e) {
        c.rollback();
        throw e;
      }
    } catch (SQLException e) {
      throw new IOException("snapshot failed", e);
    }
  }

  @Override
  public long restore(InputStream in) throws IOException {
    synchronized (applyLock) {
      if (failure != null) {
        throw new StateMachineFailedException("state machine stopped", failure);
      }
      DataInputStream dis = new DataInputStream(in);
      int magic = dis.readInt();
      if (magic != SNAPSHOT_MAGIC && magic != SNAPSHOT_MAGIC_V1) {
        throw new IOException("not a snapshot (bad magic)");
      }
      long at = dis.readLong();
      int n = dis.readInt();
      try (Connection c = pool.getConnection()) {
        c.setAutoCommit(false);
        try {
          List<String> tables = tables(c);
          Set<String> known = new HashSet<>(tables);
          List<String> truncate = new ArrayList<>();
          for (String t : tables) {
            truncate.add(quote(t));
          }
          try (Statement st = c.createStatement()) {
            st.execute("TRUNCATE " + String.join(", ", truncate));
          }
          CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
          Set<String> seen = new HashSet<>();
          for (int i = 0; i < n; i++) {
            String t = dis.readUTF();
            if (!known.contains(t) || !seen.add(t)) {
              throw new IOException("snapshot table " + t + " unknown here or repeated");
            }
            InputStream data;
            if (magic == SNAPSHOT_MAGIC_V1) {
              long len = dis.readLong();
              if (len < 0 || len > Integer.MAX_VALUE) {
                throw new IOException("snapshot table " + t + " too big");
              }
              byte[] bytes = dis.readNBytes((int) len);
              if (bytes.length != len) {
                throw new IOException("snapshot truncated in table " + t);
              }
              data = new ByteArrayInputStream(bytes);
            } else {
              data = new ChunkedInput(dis, t);
            }
            copy.copyIn("COPY " + quote(t) + " FROM STDIN (FORMAT binary)", data);
            if (data.read() != -1) {
              throw new IOException("COPY of table " + t + " ended before its snapshot data");
            }
          }
          if (!seen.equals(known)) {
            throw new IOException("snapshot lacks tables; has " + seen + ", need " + known);
          }
          long clock;
          try (Statement st = c.createStatement();
              ResultSet rs = st.executeQuery(
                  "SELECT last_applied, max_command_millis FROM replica_state WHERE id = 1")) {
            if (!rs.next() || rs.getLong(1) != at) {
              throw new IOException("snapshot's replica_state does not match its header " + at);
            }
            clock = rs.getLong(2);
          }
          c.commit();
          lastApplied = at;
          maxCommandMillis = clock;
          lastPruneMillis = Long.MIN_VALUE;
          log.info("restored snapshot at position {}", at);
          return at;
        } catch (SQLException | IOException | RuntimeException e) {
          c.rollback();
          throw e;
        }
      } catch (SQLException e) {
        throw new IOException("restore failed", e);
      }
    }
  }

  /**
   * Makes every commit so far durable: a durable write on the apply connection (under the apply
   * lock, so it never waits for a row lock of an apply and needs no second pool connection).
   */
  private void flushWal() throws SQLException {
    synchronized (applyLock) {
      if (failure != null) {
        throw new StateMachineFailedException("state machine stopped", failure);
      }
      Connection c = applyConnection();
      try (Statement st = c.createStatement()) {
        st.execute("SET LOCAL synchronous_commit = on");
        st.executeUpdate("UPDATE replica_state SET last_applied = last_applied WHERE id = 1");
        c.commit();
      } catch (SQLException | RuntimeException e) {
        closeApplyConnection(); // the next batch opens a fresh one
        throw e;
      }
    }
  }

  /** Writes what it is given as {@code [length:int32][bytes]} chunks; {@link #end} writes 0. */
  private static final class ChunkedOutput extends OutputStream {
    private final DataOutputStream out;
    private final byte[] buf = new byte[SNAPSHOT_CHUNK];
    private int n;

    ChunkedOutput(DataOutputStream out) {
      this.out = out;
    }

    @Override
    public void write(int b) throws IOException {
      if (n == buf.length) {
        flushChunk();
      }
      buf[n++] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      while (len > 0) {
        if (n == buf.length) {
          flushChunk();
        }
        int k = Math.min(len, buf.length - n);
        System.arraycopy(b, off, buf, n, k);
        n += k;
        off += k;
        len -= k;
      }
    }

    private void flushChunk() throws IOException {
      if (n > 0) {
        out.writeInt(n);
        out.write(buf, 0, n);
        n = 0;
      }
    }

    /** Ends the current table: the rest of its bytes, then the 0 terminator. */
    void end() throws IOException {
      flushChunk();
      out.writeInt(0);
    }
  }

  /** Reads one table's chunks (see {@link ChunkedOutput}) up to its 0 terminator, then EOF. */
  private static final class ChunkedInput extends InputStream {
    private final DataInputStream in;
    private final String table;
    private int left;
    private boolean done;

    ChunkedInput(DataInputStream in, String table) {
      this.in = in;
      this.table = table;
    }

    private boolean more() throws IOException {
      while (left == 0 && !done) {
        int len = in.readInt();
        if (len < 0) {
          throw new IOException("snapshot table " + table + ": bad chunk length " + len);
        }
        if (len == 0) {
          done = true;
        }
        left = len;
      }
      return left > 0;
    }

    @Override
    public int read() throws IOException {
      if (!more()) {
        return -1;
      }
      int b = in.read();
      if (b < 0) {
        throw new IOException("snapshot truncated in table " + table);
      }
      left--;
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      if (!more()) {
        return -1;
      }
      int k = in.read(b, off, Math.min(len, left));
      if (k < 0) {
        throw new IOException("snapshot truncated in table " + table);
      }
      left -= k;
      return k;
    }
  }

  private static List<String> tables(Connection c) throws SQLException {
    List<String> out = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
            + "AND table_type = 'BASE TABLE' AND table_name <> ? ORDER BY table_name")) {
      ps.setString(1, "flyway_schema_history");
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(rs.getString(1));
        }
      }
    }
    return out;
  }

  /** Quotes a table name taken from the catalog (never from user input). */
  private static String quote(String identifier) {
    return '"' + identifier.replace("\"", "\"\"") + '"';
  }

  /** Closes the apply connection and the pool. */
  @Override
  public void close() {
    synchronized (applyLock) {
      closeApplyConnection();
    }
    pool.close();
  }
}
