package dev.marketplace.raft.sim;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/**
 * The key-value state machine the simulator replicates. Commands are {@code
 * "client|seq|key|value"}; a command whose (client, seq) is not newer than the client's last
 * applied seq is a duplicate and changes nothing (exactly-once under client retries). Empty
 * commands are Raft no-ops. Test code; not thread-safe.
 */
final class KvStateMachine {
  /** A decoded command. */
  record Command(int client, long seq, String key, String value) {
    byte[] encode() {
      return (client + "|" + seq + "|" + key + "|" + value).getBytes(StandardCharsets.UTF_8);
    }

    static Command decode(byte[] data) {
      String[] p = new String(data, StandardCharsets.UTF_8).split("\\|", -1);
      if (p.length != 4) throw new IllegalStateException("bad command " + new String(data));
      return new Command(Integer.parseInt(p[0]), Long.parseLong(p[1]), p[2], p[3]);
    }
  }

  final TreeMap<String, String> data = new TreeMap<>();
  final TreeMap<Integer, Long> lastSeq = new TreeMap<>();
  long applied;

  /** Applies the command at index; returns it (or null for a no-op). */
  Command apply(long index, byte[] bytes) {
    return apply(index, bytes, new long[1]);
  }

  /**
   * Like {@link #apply(long, byte[])}; also stores in {@code lastSeqBefore[0]} the command's
   * client's last applied seq before this command.
   */
  Command apply(long index, byte[] bytes, long[] lastSeqBefore) {
    if (index != applied + 1) {
      throw new IllegalStateException("apply gap: " + index + " after " + applied);
    }
    applied = index;
    if (bytes.length == 0) return null;
    Command c = Command.decode(bytes);
    lastSeqBefore[0] = lastSeq.getOrDefault(c.client(), 0L);
    if (lastSeqBefore[0] < c.seq()) {
      data.put(c.key(), c.value());
      lastSeq.put(c.client(), c.seq());
    }
    return c;
  }

  String get(String key) {
    return data.get(key);
  }

  byte[] snapshot() {
    StringBuilder sb = new StringBuilder();
    for (Map.Entry<String, String> e : data.entrySet()) {
      sb.append("d|").append(e.getKey()).append('|').append(e.getValue()).append('\n');
    }
    for (Map.Entry<Integer, Long> e : lastSeq.entrySet()) {
      sb.append("s|").append(e.getKey()).append('|').append(e.getValue()).append('\n');
    }
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  void restore(long index, byte[] snap) {
    data.clear();
    lastSeq.clear();
    for (String line : new String(snap, StandardCharsets.UTF_8).split("\n")) {
      if (line.isEmpty()) continue;
      String[] p = line.split("\\|", -1);
      if (p[0].equals("d")) data.put(p[1], p[2]);
      else lastSeq.put(Integer.parseInt(p[1]), Long.parseLong(p[2]));
    }
    applied = index;
  }
}
