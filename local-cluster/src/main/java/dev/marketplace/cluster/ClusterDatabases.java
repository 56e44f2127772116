package dev.marketplace.cluster;

import dev.marketplace.config.ConfigException;
import dev.marketplace.postgres.LocalPostgres;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * The PostgreSQL side of the local cluster: either our own server ({@link LocalPostgres} under
 * {@code <dataDir>/postgres}) or an existing one named by {@code PG_URL}, with one database per
 * replica ({@code customer_<i>}, {@code product_<i>}) created when missing. Thread-safe.
 */
final class ClusterDatabases implements AutoCloseable {
  /** No databases: used only to compute the topology's health URLs. */
  static final ClusterDatabases NONE = new ClusterDatabases(null, "jdbc:postgresql://none/", "");

  private final LocalPostgres own;
  private final String urlPrefix; // jdbc:postgresql://host:port/
  private final String urlQuery; // "" or "?user=...&password=..."

  private ClusterDatabases(LocalPostgres own, String urlPrefix, String urlQuery) {
    this.own = own;
    this.urlPrefix = urlPrefix;
    this.urlQuery = urlQuery;
  }

  static ClusterDatabases start(ClusterConfig cfg) throws SQLException {
    ClusterDatabases dbs;
    if (cfg.pgUrl() == null) {
      LocalPostgres pg = LocalPostgres.start(cfg.dataDir().resolve("postgres"), cfg.pgPort());
      dbs = new ClusterDatabases(pg, "jdbc:postgresql://127.0.0.1:" + pg.port() + "/", "?user=" + pg.user());
    } else {
      URI uri = URI.create(cfg.pgUrl().substring("jdbc:".length()));
      String query = uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery();
      dbs = new ClusterDatabases(null, "jdbc:postgresql://" + uri.getRawAuthority() + "/", query);
    }
    List<String> names = new ArrayList<>();
    for (int i = 0; i < cfg.customerDbReplicas().size(); i++) {
      names.add("customer_" + i);
    }
    for (int i = 0; i < cfg.productDbReplicas().size(); i++) {
      names.add("product_" + i);
    }
    dbs.createDatabases(cfg.pgUrl(), names);
    return dbs;
  }

  private void createDatabases(String maintenanceUrl, List<String> names) throws SQLException {
    if (own != null) {
      names.forEach(own::createDatabase);
      return;
    }
    try (Connection c = DriverManager.getConnection(maintenanceUrl)) {
      for (String name : names) {
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
          ps.setString(1, name);
          try (ResultSet rs = ps.executeQuery()) {
            if (rs.next()) {
              continue;
            }
          }
        }
        try (Statement st = c.createStatement()) {
          st.execute("CREATE DATABASE " + name); // name is ours: [a-z_0-9]+, never user input
        }
      }
    } catch (SQLException e) {
      throw new ConfigException("PG_URL: cannot create the replica databases: " + e.getMessage());
    }
  }

  /** JDBC URL of database {@code db} (or, for endpoints.env, of the databases starting with it). */
  String jdbcUrl(String db) {
    return urlPrefix + db + urlQuery;
  }

  /** The arguments of a replica process: {@code base} plus its database's URL. */
  List<String> replicaArgs(List<String> base, String db) {
    List<String> args = new ArrayList<>(base);
    args.add("--pg-url");
    args.add(jdbcUrl(db));
    return args;
  }

  @Override
  public void close() {
    if (own != null) {
      own.stop();
    }
  }

  /** Stops our own PostgreSQL if one still runs in the data folder (after an unclean stop). */
  static void stopLeftover(ClusterConfig cfg) {
    Path dir = cfg.dataDir().resolve("postgres");
    if (cfg.pgUrl() == null && Files.isRegularFile(dir.resolve("postmaster.pid"))) {
      LocalPostgres.start(dir, cfg.pgPort()).stop(); // reattaches to the live server, then stops it
    }
  }
}
