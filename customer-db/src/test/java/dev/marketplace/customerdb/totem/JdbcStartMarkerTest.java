package dev.marketplace.customerdb.totem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.marketplace.customerdb.CustomerDbServer;
import dev.marketplace.postgres.LocalPostgres;
import dev.marketplace.postgres.SharedLocalPostgres;
import dev.marketplace.replica.SingleNodeReplication;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import org.junit.jupiter.api.Test;

/**
 * The durable "started before" marker on real PostgreSQL databases migrated like a customer-db
 * replica's: absent on a new database, set by {@code recordStart} (idempotent, counted), and NOT
 * part of snapshots (a restore neither copies the donor's marker nor clears the receiver's).
 */
class JdbcStartMarkerTest {

  private static CustomerDbServer open(String db) {
    LocalPostgres pg = SharedLocalPostgres.get();
    return CustomerDbServer.start("127.0.0.1", 0, pg.jdbcUrl(db), pg.user(), "",
        new SingleNodeReplication(0, 64, null), Clock.systemUTC(), 300, 1000);
  }

  @Test
  void markerIsDurablePerReplicaAndNotCopiedBySnapshots() throws Exception {
    try (CustomerDbServer a = open(SharedLocalPostgres.newDatabase("marker_a"));
        CustomerDbServer b = open(SharedLocalPostgres.newDatabase("marker_b"))) {
      StartMarker ma = JdbcStartMarker.forStateMachine(a.stateMachine());
      StartMarker mb = JdbcStartMarker.forStateMachine(b.stateMachine());
      assertThat(ma.startedBefore()).as("new database").isFalse();
      ma.recordStart();
      assertThat(ma.startedBefore()).isTrue();
      ma.recordStart();
      assertThat(ma.startedBefore()).isTrue();
      assertThat(starts(a)).as("one row, two starts").isEqualTo(2);

      // Donor a (marked) -> receiver b (not marked): b stays unmarked.
      ByteArrayOutputStream snap = new ByteArrayOutputStream();
      a.stateMachine().snapshot(snap);
      b.stateMachine().restore(new ByteArrayInputStream(snap.toByteArray()));
      assertThat(mb.startedBefore()).as("the marker is not replicated").isFalse();

      // Donor b (not marked) -> receiver a (marked): a stays marked.
      mb.recordStart();
      ByteArrayOutputStream snap2 = new ByteArrayOutputStream();
      b.stateMachine().snapshot(snap2);
      a.stateMachine().restore(new ByteArrayInputStream(snap2.toByteArray()));
      assertThat(ma.startedBefore()).isTrue();
      assertThat(starts(a)).isEqualTo(2);
    }
  }

  @Test
  void aStateMachineWithoutADatabaseNeedsAnExplicitMarker() {
    assertThatThrownBy(() -> JdbcStartMarker.forStateMachine(new MemoryStateMachine()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("StartMarker");
  }

  private static long starts(CustomerDbServer s) throws Exception {
    try (Connection c = s.stateMachine().dataSource().getConnection();
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT starts FROM totem_local.member_state")) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
