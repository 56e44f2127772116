package dev.marketplace.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

class MessageCodecTest {

  private static Message random(SplittableRandom r) {
    MessageType type = MessageType.values()[r.nextInt(MessageType.values().length)];
    List<LogEntry> ents = new ArrayList<>();
    long start = 1 + r.nextInt(1000);
    for (int i = 0; i < r.nextInt(4); i++) {
      byte[] d = new byte[r.nextInt(20)];
      r.nextBytes(d);
      ents.add(new LogEntry(start + i, r.nextLong(Long.MAX_VALUE), d));
    }
    byte[] data = new byte[r.nextInt(50)];
    r.nextBytes(data);
    return new Message(type, r.nextInt(7), r.nextInt(Integer.MAX_VALUE), r.nextLong(Long.MAX_VALUE),
        r.nextLong(1000), r.nextLong(1L << 40), r.nextLong(Long.MAX_VALUE), ents, r.nextBoolean(),
        r.nextLong(100), r.nextLong(100), r.nextLong(Long.MAX_VALUE), r.nextInt(1 << 20), data,
        r.nextBoolean());
  }

  @Test
  void roundTripsEveryTypeAndField() {
    SplittableRandom r = new SplittableRandom(1);
    for (int i = 0; i < 2000; i++) {
      Message m = random(r);
      Message back = assertDecodes(MessageCodec.encode(m));
      assertThat(back).isEqualTo(m);
    }
  }

  private static Message assertDecodes(byte[] b) {
    try {
      return MessageCodec.decode(b);
    } catch (MessageDecodeException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void everyTruncationIsRejected() {
    Message m = Message.builder(MessageType.APPEND, 1, 2, 3).index(7).logTerm(2)
        .entries(List.of(new LogEntry(8, 3, new byte[] {1, 2, 3}))).commit(6).build();
    byte[] full = MessageCodec.encode(m);
    for (int len = 0; len < full.length; len++) {
      byte[] cut = java.util.Arrays.copyOf(full, len);
      assertThatThrownBy(() -> MessageCodec.decode(cut)).isInstanceOf(MessageDecodeException.class);
    }
  }

  @Test
  void everySingleBitFlipIsRejected() {
    Message m = Message.builder(MessageType.SNAPSHOT, 0, 4, 9).index(100).logTerm(8).offset(64)
        .data(new byte[] {9, 8, 7, 6}).done(true).build();
    byte[] full = MessageCodec.encode(m);
    for (int bit = 0; bit < full.length * 8; bit++) {
      byte[] bad = full.clone();
      bad[bit / 8] ^= (byte) (1 << (bit % 8));
      assertThatThrownBy(() -> MessageCodec.decode(bad))
          .isInstanceOf(MessageDecodeException.class);
    }
  }

  private static byte[] withValidCrc(byte[] frame) {
    CRC32C crc = new CRC32C();
    crc.update(frame, 0, frame.length - 4);
    int c = (int) crc.getValue();
    int n = frame.length - 4;
    frame[n] = (byte) (c >>> 24);
    frame[n + 1] = (byte) (c >>> 16);
    frame[n + 2] = (byte) (c >>> 8);
    frame[n + 3] = (byte) c;
    return frame;
  }

  @Test
  void wrongVersionUnknownTypeAndFlagsAreRejectedEvenWithValidChecksum() {
    byte[] ok = MessageCodec.encode(Message.builder(MessageType.HEARTBEAT, 1, 0, 2).build());
    byte[] v = ok.clone();
    v[0] = 2;
    assertThatThrownBy(() -> MessageCodec.decode(withValidCrc(v)))
        .isInstanceOf(MessageDecodeException.class).hasMessageContaining("version");
    byte[] t = ok.clone();
    t[1] = 99;
    assertThatThrownBy(() -> MessageCodec.decode(withValidCrc(t)))
        .isInstanceOf(MessageDecodeException.class).hasMessageContaining("type");
    byte[] f = ok.clone();
    f[2] = 4;
    assertThatThrownBy(() -> MessageCodec.decode(withValidCrc(f)))
        .isInstanceOf(MessageDecodeException.class).hasMessageContaining("flags");
  }

  @Test
  void absurdLengthsAreRejectedWithoutAllocating() {
    // entry count of 2^40 with a valid checksum
    byte[] body = {1, 7, 0, 1, 0, 2, 0, 0, 0, 0, 0, 0, 0, (byte) 0x80, (byte) 0x80,
        (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x20, 0, 0, 0, 0};
    assertThatThrownBy(() -> MessageCodec.decode(withValidCrc(body)))
        .isInstanceOf(MessageDecodeException.class).hasMessageContaining("too many entries");
  }

  @Test
  void randomGarbageOnlyEverThrowsTheDecodeException() {
    SplittableRandom r = new SplittableRandom(7);
    for (int i = 0; i < 20000; i++) {
      byte[] g = new byte[r.nextInt(64)];
      r.nextBytes(g);
      if (r.nextBoolean() && g.length > 3) {
        g[0] = 1;
        withValidCrc(g); // get past the checksum to exercise the field parser
      }
      try {
        MessageCodec.decode(g);
      } catch (MessageDecodeException expected) {
        // fine
      }
    }
    assertThatThrownBy(() -> MessageCodec.decode(null)).isInstanceOf(MessageDecodeException.class);
  }
}
