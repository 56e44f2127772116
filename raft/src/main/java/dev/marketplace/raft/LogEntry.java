package dev.marketplace.raft;

import java.util.Arrays;

/**
 * One entry of the replicated log. Immutable; {@code data} must not be modified after
 * construction. An entry with empty data is a no-op (a new leader appends one at the start of its
 * term).
 *
 * @param index position in the log, starting at 1
 * @param term term of the leader that created the entry
 * @param data the command bytes, opaque to Raft
 */
public record LogEntry(long index, long term, byte[] data) {
  public LogEntry {
    if (index < 1) throw new IllegalArgumentException("index must be >= 1: " + index);
    if (term < 0) throw new IllegalArgumentException("term must be >= 0: " + term);
    if (data == null) throw new IllegalArgumentException("data must not be null");
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LogEntry e && e.index == index && e.term == term && Arrays.equals(e.data, data);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(index) * 31 + Long.hashCode(term) * 17 + Arrays.hashCode(data);
  }

  @Override
  public String toString() {
    return "LogEntry[i=" + index + " t=" + term + " " + data.length + "B]";
  }
}
