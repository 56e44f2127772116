package dev.marketplace.raft.storage;

import dev.marketplace.raft.LogEntry;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * The on-disk frame of one log entry, big-endian: {@code int length} (of data), {@code int crc},
 * {@code long index}, {@code long term}, {@code data}. The CRC32C covers length, index, term and
 * data (every byte of the frame except the CRC field itself).
 */
final class Frame {
  static final int HEADER = 24;

  private Frame() {}

  static int size(LogEntry e) {
    return HEADER + e.data().length;
  }

  /** Appends the frame of {@code e} to the heap buffer {@code buf}. */
  static void encode(LogEntry e, ByteBuffer buf) {
    int p = buf.position();
    byte[] data = e.data();
    buf.putInt(data.length).putInt(0).putLong(e.index()).putLong(e.term()).put(data);
    buf.putInt(p + 4, crc(buf.array(), buf.arrayOffset() + p, data.length));
  }

  /** CRC of the frame starting at {@code off} in {@code a} whose data is {@code dataLen} long. */
  static int crc(byte[] a, int off, int dataLen) {
    CRC32C c = new CRC32C();
    c.update(a, off, 4);
    c.update(a, off + 8, 16 + dataLen);
    return (int) c.getValue();
  }
}
