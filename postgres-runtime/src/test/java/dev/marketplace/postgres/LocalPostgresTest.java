package dev.marketplace.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Comparator;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class LocalPostgresTest {

  @Test
  void startsCreatesDatabaseConnectsAndStopsWithoutLeavingAProcess() throws Exception {
    Path dir = LocalPostgres.newTempDataDir("localpg-test-");
    long t0 = System.nanoTime();
    long pid;
    try (LocalPostgres pg = LocalPostgres.start(dir)) {
      long startMs = (System.nanoTime() - t0) / 1_000_000;
      System.out.println("LocalPostgres cold start (initdb + pg_ctl start): " + startMs + " ms");
      pid = pg.pid();
      assertThat(pg.reattached()).isFalse();
      assertThat(ProcessHandle.of(pid)).map(ProcessHandle::isAlive).contains(true);
      pg.createDatabase("shop_test");
      pg.createDatabase("shop_test"); // idempotent
      try (Connection c = DriverManager.getConnection(pg.jdbcUrl("shop_test"), pg.user(), "");
          Statement st = c.createStatement()) {
        st.execute("CREATE TABLE t (x int)");
        st.execute("INSERT INTO t VALUES (41)");
        try (ResultSet rs = st.executeQuery("SELECT x + 1, current_setting('synchronous_commit') FROM t")) {
          assertThat(rs.next()).isTrue();
          assertThat(rs.getInt(1)).isEqualTo(42);
          assertThat(rs.getString(2)).isEqualTo("off");
        }
      }
      // A second start on the same folder reattaches to the live server.
      LocalPostgres again = LocalPostgres.start(dir);
      assertThat(again.reattached()).isTrue();
      assertThat(again.port()).isEqualTo(pg.port());
      assertThat(again.pid()).isEqualTo(pid);
    }
    Optional<ProcessHandle> ph = ProcessHandle.of(pid);
    if (ph.isPresent()) {
      ph.get().onExit().get(10, TimeUnit.SECONDS);
    }
    assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();

    // Warm restart of the existing data folder keeps the data.
    long t1 = System.nanoTime();
    try (LocalPostgres pg = LocalPostgres.start(dir)) {
      System.out.println("LocalPostgres warm start (existing data): "
          + (System.nanoTime() - t1) / 1_000_000 + " ms");
      try (Connection c = DriverManager.getConnection(pg.jdbcUrl("shop_test"), pg.user(), "");
          Statement st = c.createStatement();
          ResultSet rs = st.executeQuery("SELECT x FROM t")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getInt(1)).isEqualTo(41);
      }
      pid = pg.pid();
    }
    assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    // the folder outlives the server on purpose (warm restart above); this test removes it
    try (LocalPostgres pg = LocalPostgres.start(dir)) {
      pg.deleteDataWhenStopped();
    }
    assertThat(dir.getParent()).doesNotExist();
  }

  @Test
  void throwawayServerDeletesItsFolderWhenStopped() throws Exception {
    Path data;
    try (LocalPostgres pg = LocalPostgres.startThrowaway("localpg-throwaway-")) {
      data = pg.dataDir();
      pg.createDatabase("scratch");
      assertThat(data.resolve("PG_VERSION")).exists();
    }
    assertThat(data.getParent()).doesNotExist();
  }

  @Test
  void rejectsBadDatabaseNamesAndNonPostgresFolders() throws Exception {
    Path junk = Files.createTempDirectory("localpg-junk-");
    Files.writeString(junk.resolve("hello.txt"), "not a cluster");
    try {
      assertThatThrownBy(() -> LocalPostgres.start(junk))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("PG_VERSION");
    } finally {
      deleteTree(junk);
    }
    try (LocalPostgres pg = LocalPostgres.startThrowaway("localpg-names-")) {
      assertThatThrownBy(() -> pg.createDatabase("x; DROP DATABASE postgres"))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void explainsAnUnreachableDataFolderWhenRoot() throws Exception {
    boolean root = new com.sun.security.auth.module.UnixSystem().getUid() == 0;
    org.junit.jupiter.api.Assumptions.assumeTrue(root, "only meaningful as root");
    Path hidden = Files.createTempDirectory("localpg-hidden-"); // mode 0700
    try {
      assertThatThrownBy(() -> LocalPostgres.start(hidden.resolve("data")))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("chmod o+x")
          .hasMessageContaining(hidden.toString());
    } finally {
      deleteTree(hidden);
    }
  }

  private static void deleteTree(Path root) throws IOException {
    try (Stream<Path> all = Files.walk(root)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
