package dev.marketplace.raft;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * Compact binary codec for {@link Message}. Stateless and thread-safe.
 *
 * <p>Frame: {@code version(1) type(1) flags(1) from to term logTerm index commit hintIndex
 * hintTerm context offset (unsigned varints) entryCount (varint) {index term len data}*
 * dataLen data crc32c(4, big-endian, over every preceding byte)}. Decoding never returns a
 * partial message: any defect throws {@link MessageDecodeException}.
 */
public final class MessageCodec {
  /** The only frame version this codec reads and writes. */
  public static final int VERSION = 1;

  /** Upper bound of entries in one frame, to refuse absurd counts before allocating. */
  public static final int MAX_ENTRIES = 1 << 20;

  private MessageCodec() {}

  /** Encodes a message into a new byte array. */
  public static byte[] encode(Message m) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(64 + (int) m.payloadBytes());
    out.write(VERSION);
    out.write(m.type().code());
    out.write((m.reject() ? 1 : 0) | (m.done() ? 2 : 0));
    putVarint(out, m.from());
    putVarint(out, m.to());
    putVarint(out, m.term());
    putVarint(out, m.logTerm());
    putVarint(out, m.index());
    putVarint(out, m.commit());
    putVarint(out, m.hintIndex());
    putVarint(out, m.hintTerm());
    putVarint(out, m.context());
    putVarint(out, m.offset());
    putVarint(out, m.entries().size());
    for (LogEntry e : m.entries()) {
      putVarint(out, e.index());
      putVarint(out, e.term());
      putVarint(out, e.data().length);
      out.writeBytes(e.data());
    }
    putVarint(out, m.data().length);
    out.writeBytes(m.data());
    CRC32C crc = new CRC32C();
    byte[] body = out.toByteArray();
    crc.update(body, 0, body.length);
    int c = (int) crc.getValue();
    byte[] frame = new byte[body.length + 4];
    System.arraycopy(body, 0, frame, 0, body.length);
    frame[body.length] = (byte) (c >>> 24);
    frame[body.length + 1] = (byte) (c >>> 16);
    frame[body.length + 2] = (byte) (c >>> 8);
    frame[body.length + 3] = (byte) c;
    return frame;
  }

  /** Decodes one whole frame; throws on any defect. */
  public static Message decode(byte[] frame) throws MessageDecodeException {
    if (frame == null) throw new MessageDecodeException("null frame");
    if (frame.length < 3 + 4) throw new MessageDecodeException("frame too short: " + frame.length);
    int bodyLen = frame.length - 4;
    CRC32C crc = new CRC32C();
    crc.update(frame, 0, bodyLen);
    int expected = ((frame[bodyLen] & 0xff) << 24) | ((frame[bodyLen + 1] & 0xff) << 16)
        | ((frame[bodyLen + 2] & 0xff) << 8) | (frame[bodyLen + 3] & 0xff);
    if ((int) crc.getValue() != expected) throw new MessageDecodeException("checksum mismatch");
    int version = frame[0] & 0xff;
    if (version != VERSION) throw new MessageDecodeException("unsupported version " + version);
    MessageType type = MessageType.fromCode(frame[1] & 0xff);
    if (type == null) throw new MessageDecodeException("unknown type " + (frame[1] & 0xff));
    int flags = frame[2] & 0xff;
    if ((flags & ~3) != 0) throw new MessageDecodeException("unknown flags " + flags);
    Reader r = new Reader(frame, 3, bodyLen);
    int from = r.intVar();
    int to = r.intVar();
    long term = r.varint();
    long logTerm = r.varint();
    long index = r.varint();
    long commit = r.varint();
    long hintIndex = r.varint();
    long hintTerm = r.varint();
    long context = r.varint();
    long offset = r.varint();
    long count = r.varint();
    if (count > MAX_ENTRIES) throw new MessageDecodeException("too many entries: " + count);
    List<LogEntry> entries = new ArrayList<>((int) Math.min(count, 1024));
    try {
      for (long i = 0; i < count; i++) {
        long ei = r.varint();
        long et = r.varint();
        entries.add(new LogEntry(ei, et, r.bytes()));
      }
      byte[] data = r.bytes();
      if (r.pos != bodyLen) {
        throw new MessageDecodeException("trailing bytes: " + (bodyLen - r.pos));
      }
      return new Message(type, from, to, term, logTerm, index, commit, entries,
          (flags & 1) != 0, hintIndex, hintTerm, context, offset, data, (flags & 2) != 0);
    } catch (IllegalArgumentException e) {
      throw new MessageDecodeException("invalid field: " + e.getMessage(), e);
    }
  }

  private static void putVarint(ByteArrayOutputStream out, long v) {
    if (v < 0) throw new IllegalArgumentException("negative varint " + v);
    while ((v & ~0x7fL) != 0) {
      out.write((int) ((v & 0x7f) | 0x80));
      v >>>= 7;
    }
    out.write((int) v);
  }

  private static final class Reader {
    private final byte[] buf;
    private int pos;
    private final int end;

    Reader(byte[] buf, int pos, int end) {
      this.buf = buf;
      this.pos = pos;
      this.end = end;
    }

    long varint() throws MessageDecodeException {
      long v = 0;
      for (int shift = 0; shift < 63; shift += 7) {
        if (pos >= end) throw new MessageDecodeException("truncated varint at " + pos);
        int b = buf[pos++] & 0xff;
        v |= (long) (b & 0x7f) << shift;
        if ((b & 0x80) == 0) return v;
      }
      throw new MessageDecodeException("varint too long at " + pos);
    }

    int intVar() throws MessageDecodeException {
      long v = varint();
      if (v > Integer.MAX_VALUE) throw new MessageDecodeException("int out of range: " + v);
      return (int) v;
    }

    byte[] bytes() throws MessageDecodeException {
      long len = varint();
      if (len > end - pos) throw new MessageDecodeException("truncated bytes: need " + len);
      byte[] b = new byte[(int) len];
      System.arraycopy(buf, pos, b, 0, (int) len);
      pos += (int) len;
      return b;
    }
  }
}
