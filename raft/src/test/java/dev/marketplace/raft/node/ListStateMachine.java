package dev.marketplace.raft.node;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.ByteArrayInputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A test state machine that records every non-empty command it applied, in order; the result of
 * a command is its position as text. Thread-safe (synchronized), like a real one must be for
 * concurrent status reads.
 */
class ListStateMachine implements RaftStateMachine {
  private final List<String> applied = new ArrayList<>();
  private long lastApplied;
  private int restores;

  @Override
  public synchronized long lastApplied() {
    return lastApplied;
  }

  @Override
  public synchronized List<byte[]> apply(long firstIndex, List<byte[]> commands) {
    if (firstIndex != lastApplied + 1) {
      throw new IllegalStateException("gap: applied " + lastApplied + ", got " + firstIndex);
    }
    List<byte[]> out = new ArrayList<>();
    for (byte[] c : commands) {
      lastApplied++;
      if (c.length > 0) applied.add(new String(c, StandardCharsets.UTF_8));
      out.add(Long.toString(lastApplied).getBytes(StandardCharsets.UTF_8));
    }
    return out;
  }

  @Override
  public synchronized StateSnapshot snapshot() {
    try {
      ByteArrayOutputStream bos = new ByteArrayOutputStream();
      DataOutputStream out = new DataOutputStream(bos);
      out.writeLong(lastApplied);
      out.writeInt(applied.size());
      for (String s : applied) out.writeUTF(s);
      out.flush();
      return new StateSnapshot(lastApplied, bos.toByteArray());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public synchronized long restore(byte[] data) {
    try {
      DataInputStream in = new DataInputStream(new ByteArrayInputStream(data));
      long pos = in.readLong();
      int n = in.readInt();
      applied.clear();
      for (int i = 0; i < n; i++) applied.add(in.readUTF());
      lastApplied = pos;
      restores++;
      return pos;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  synchronized List<String> commands() {
    return List.copyOf(applied);
  }

  synchronized int restores() {
    return restores;
  }
}
