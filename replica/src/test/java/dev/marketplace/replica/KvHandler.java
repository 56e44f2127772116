package dev.marketplace.replica;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * A tiny test domain: commands are text {@code key|timeMillis|op|arg}; ops {@code add:name}
 * (counter += 1, result = new value), {@code note:body} (id = max+1), {@code reject} (always
 * FAILED_PRECONDITION), {@code boom} (invalid SQL).
 */
final class KvHandler implements CommandHandler<String[]> {
  static byte[] cmd(String key, long time, String op) {
    return (key + "|" + time + "|" + op).getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public String[] parse(byte[] command) throws CommandRejectedException {
    String[] parts = new String(command, StandardCharsets.UTF_8).split("\\|", 3);
    if (parts.length != 3) {
      throw new CommandRejectedException(ErrorCode.INVALID_ARGUMENT, "malformed");
    }
    return parts;
  }

  @Override
  public String idempotencyKey(String[] c) {
    return c[0].isEmpty() ? "" : "kv/" + c[0];
  }

  @Override
  public long commandTimeMillis(String[] c) {
    return Long.parseLong(c[1]);
  }

  @Override
  public CommandResult apply(Connection tx, String[] c) throws SQLException, CommandRejectedException {
    String op = c[2];
    if (op.startsWith("add:")) {
      try (PreparedStatement ps = tx.prepareStatement(
          "INSERT INTO counters (name, value) VALUES (?, 1) ON CONFLICT (name) DO UPDATE "
              + "SET value = counters.value + 1 RETURNING value")) {
        ps.setString(1, op.substring(4));
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          return CommandResult.ok(Long.toString(rs.getLong(1)).getBytes(StandardCharsets.UTF_8));
        }
      }
    }
    if (op.startsWith("note:")) {
      try (PreparedStatement ps = tx.prepareStatement(
          "INSERT INTO notes (id, body, payload) SELECT COALESCE(MAX(id), 0) + 1, ?, ? FROM notes "
              + "RETURNING id")) {
        ps.setString(1, op.substring(5));
        ps.setBytes(2, new byte[] {0, 1, 2, (byte) 255});
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          return CommandResult.ok(Long.toString(rs.getLong(1)).getBytes(StandardCharsets.UTF_8));
        }
      }
    }
    if (op.equals("reject-after-write")) {
      try (PreparedStatement ps = tx.prepareStatement(
          "INSERT INTO counters (name, value) VALUES ('ghost', 1)")) {
        ps.executeUpdate();
      }
      throw new CommandRejectedException(ErrorCode.FAILED_PRECONDITION, "rejected after a write");
    }
    if (op.equals("reject")) {
      throw new CommandRejectedException(ErrorCode.FAILED_PRECONDITION, "nope");
    }
    if (op.equals("boom")) {
      try (PreparedStatement ps = tx.prepareStatement("SELECT * FROM no_such_table")) {
        ps.executeQuery();
      }
    }
    throw new CommandRejectedException(ErrorCode.INVALID_ARGUMENT, "unknown op " + op);
  }
}
