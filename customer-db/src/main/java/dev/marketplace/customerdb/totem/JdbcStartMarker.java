package dev.marketplace.customerdb.totem;

import dev.marketplace.replica.JdbcStateMachine;
import dev.marketplace.replica.StateMachine;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;

/**
 * {@link StartMarker} in the replica's own PostgreSQL database: one row of {@code
 * totem_local.member_state} (migration {@code V101}), outside the replicated schema so snapshots
 * never copy it. Thread-safe (each call uses its own pooled connection).
 */
public final class JdbcStartMarker implements StartMarker {
  private final DataSource db;

  /** A marker over {@code db}, which must have the customer-db migrations applied. */
  public JdbcStartMarker(DataSource db) {
    this.db = db;
  }

  /** The marker of a {@link JdbcStateMachine}'s database. */
  public static StartMarker forStateMachine(StateMachine sm) {
    if (sm instanceof JdbcStateMachine<?> j) {
      return new JdbcStartMarker(j.dataSource());
    }
    throw new IllegalArgumentException("no durable start marker for a "
        + sm.getClass().getSimpleName() + "; pass a StartMarker factory to TotemReplication");
  }

  @Override
  public boolean startedBefore() {
    try (Connection c = db.getConnection(); Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT count(*) FROM totem_local.member_state")) {
      rs.next();
      return rs.getLong(1) > 0;
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read totem_local.member_state: " + e.getMessage(),
          e);
    }
  }

  @Override
  public void recordStart() {
    try (Connection c = db.getConnection()) {
      c.setAutoCommit(false);
      try (Statement st = c.createStatement()) {
        st.execute("SET LOCAL synchronous_commit = on"); // on disk before the first datagram
      }
      try (PreparedStatement ps = c.prepareStatement(
          "INSERT INTO totem_local.member_state (id, first_started_at_millis, starts) "
              + "VALUES (1, ?, 1) ON CONFLICT (id) DO UPDATE "
              + "SET starts = totem_local.member_state.starts + 1")) {
        ps.setLong(1, System.currentTimeMillis());
        ps.executeUpdate();
      }
      c.commit();
    } catch (SQLException e) {
      throw new IllegalStateException("cannot record the start in totem_local.member_state: "
          + e.getMessage(), e);
    }
  }
}
