package dev.marketplace.replica.testing;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * Reads a replica's tables as sorted text rows, so that two databases can be compared table by
 * table. Test code; exported to customer-db and product-db in replica's test-jar. Stateless and
 * thread-safe.
 */
public final class Tables {
  private Tables() {}

  /** The base tables of the current schema but Flyway's history, sorted by name. */
  public static List<String> names(DataSource ds) throws SQLException {
    return rows(ds, "SELECT table_name FROM information_schema.tables WHERE "
        + "table_schema = current_schema() AND table_type = 'BASE TABLE' "
        + "AND table_name <> 'flyway_schema_history' ORDER BY 1");
  }

  /** Every row of {@code table} as its PostgreSQL text form, sorted. */
  public static List<String> dump(DataSource ds, String table) throws SQLException {
    return rows(ds, "SELECT t::text FROM \"" + table + "\" t ORDER BY 1");
  }

  /** The first column of every row of {@code sql}, as text. */
  public static List<String> rows(DataSource ds, String sql) throws SQLException {
    List<String> rows = new ArrayList<>();
    try (Connection c = ds.getConnection(); Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      while (rs.next()) {
        rows.add(rs.getString(1));
      }
    }
    return rows;
  }
}
