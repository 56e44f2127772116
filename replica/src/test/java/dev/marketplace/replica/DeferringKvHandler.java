package dev.marketplace.replica;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@link KvHandler} with batch state, to test the {@link CommandHandler#beginBatch}/{@link
 * CommandHandler#flush} protocol: {@code add:name} runs on cached counter values (read on first
 * use) and its write is deferred until flush; every other op flushes and forgets the cache, then
 * runs as in {@link KvHandler}. Counts the calls. Apply thread only.
 */
final class DeferringKvHandler implements CommandHandler<String[]> {
  private final KvHandler plain = new KvHandler();
  private final Map<String, Long> counters = new HashMap<>();
  private final Set<String> dirty = new LinkedHashSet<>();
  final List<String> calls = new ArrayList<>();

  @Override
  public String[] parse(byte[] command) throws CommandRejectedException {
    return plain.parse(command);
  }

  @Override
  public String idempotencyKey(String[] c) {
    return plain.idempotencyKey(c);
  }

  @Override
  public long commandTimeMillis(String[] c) {
    return plain.commandTimeMillis(c);
  }

  @Override
  public CommandResult apply(Connection tx, String[] c)
      throws SQLException, CommandRejectedException {
    if (!c[2].startsWith("add:")) {
      flush(tx);
      counters.clear();
      return plain.apply(tx, c);
    }
    String name = c[2].substring(4);
    if (!counters.containsKey(name)) {
      try (PreparedStatement ps = tx.prepareStatement(
          "SELECT value FROM counters WHERE name = ?")) {
        ps.setString(1, name);
        try (ResultSet rs = ps.executeQuery()) {
          counters.put(name, rs.next() ? rs.getLong(1) : 0L);
        }
      }
    }
    long value = counters.get(name) + 1;
    counters.put(name, value);
    dirty.add(name);
    return CommandResult.ok(Long.toString(value).getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public void beginBatch(Connection tx, List<String[]> commands) {
    calls.add("begin");
    counters.clear();
    dirty.clear();
  }

  @Override
  public void flush(Connection tx) throws SQLException {
    calls.add("flush");
    for (String name : dirty) {
      try (PreparedStatement ps = tx.prepareStatement("INSERT INTO counters (name, value) "
          + "VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value")) {
        ps.setString(1, name);
        ps.setLong(2, counters.get(name));
        ps.executeUpdate();
      }
    }
    dirty.clear();
  }
}
