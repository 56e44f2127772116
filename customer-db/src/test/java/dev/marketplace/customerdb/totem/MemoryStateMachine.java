package dev.marketplace.customerdb.totem;

import dev.marketplace.replica.StateMachine;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * In-memory fake of the state-machine layer for replication tests: the state is the list of
 * applied (non-empty) payloads; the result of a command is "index:payload". Thread-safe.
 */
final class MemoryStateMachine implements StateMachine {
  private final List<String> applied = new ArrayList<>();
  /** Payloads applied in a batch the replication asked to commit durably. */
  private final java.util.Set<String> appliedDurably = new java.util.HashSet<>();
  private long lastApplied;

  @Override
  public synchronized long lastApplied() {
    return lastApplied;
  }

  @Override
  public synchronized List<byte[]> apply(long firstIndex, List<byte[]> commands,
      boolean durable) {
    if (firstIndex != lastApplied + 1) {
      throw new IllegalStateException("gap: " + firstIndex + " after " + lastApplied);
    }
    List<byte[]> results = new ArrayList<>();
    long index = firstIndex;
    for (byte[] c : commands) {
      String s = new String(c, StandardCharsets.UTF_8);
      if (!s.isEmpty()) {
        applied.add(s);
        if (durable) {
          appliedDurably.add(s);
        }
      }
      results.add((index + ":" + s).getBytes(StandardCharsets.UTF_8));
      index++;
    }
    lastApplied = index - 1;
    return results;
  }

  @Override
  public synchronized long syncApplied() {
    return lastApplied; // memory: nothing to flush
  }

  /** The applied payloads, in order. */
  synchronized List<String> applied() {
    return List.copyOf(applied);
  }

  /** Whether {@code s} was applied in a batch committed with {@code durable = true}. */
  synchronized boolean appliedDurably(String s) {
    return appliedDurably.contains(s);
  }

  synchronized boolean contains(String s) {
    return applied.contains(s);
  }

  @Override
  public synchronized long snapshot(OutputStream out) throws IOException {
    DataOutputStream d = new DataOutputStream(out);
    d.writeLong(lastApplied);
    d.writeInt(applied.size());
    for (String s : applied) {
      d.writeUTF(s);
    }
    d.flush();
    return lastApplied;
  }

  @Override
  public synchronized long restore(InputStream in) throws IOException {
    DataInputStream d = new DataInputStream(in);
    long pos = d.readLong();
    int n = d.readInt();
    List<String> list = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      list.add(d.readUTF());
    }
    applied.clear();
    applied.addAll(list);
    lastApplied = pos;
    return pos;
  }
}
