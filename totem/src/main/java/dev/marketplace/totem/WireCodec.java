package dev.marketplace.totem;

import dev.marketplace.totem.TotemMessage.Anchor;
import dev.marketplace.totem.TotemMessage.Body;
import dev.marketplace.totem.TotemMessage.Cmd;
import dev.marketplace.totem.TotemMessage.Entry;
import dev.marketplace.totem.TotemMessage.Fetch;
import dev.marketplace.totem.TotemMessage.GetView;
import dev.marketplace.totem.TotemMessage.Header;
import dev.marketplace.totem.TotemMessage.Heartbeat;
import dev.marketplace.totem.TotemMessage.MemberInc;
import dev.marketplace.totem.TotemMessage.NackReq;
import dev.marketplace.totem.TotemMessage.ReqItem;
import dev.marketplace.totem.TotemMessage.ReqRef;
import dev.marketplace.totem.TotemMessage.Request;
import dev.marketplace.totem.TotemMessage.Sequence;
import dev.marketplace.totem.TotemMessage.StartView;
import dev.marketplace.totem.TotemMessage.StreamPos;
import dev.marketplace.totem.TotemMessage.TooFar;
import dev.marketplace.totem.TotemMessage.ViewChange;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Versioned, authenticated wire format of totem datagrams.
 *
 * <p>Layout: {@code 'T' 'M'}, version byte, clusterId (8 bytes), kind byte, header (varints),
 * body, then a 16-byte tag = HMAC-SHA256(clusterKey, everything before it) truncated. Decoding
 * checks, in order: length, magic, version, cluster, tag, then parses with bounds checks; any
 * failure yields a {@link Rejection} (never an exception), which the core counts.
 *
 * <p>Not thread-safe (holds a {@link Mac}); use one instance per core/thread.
 */
public final class WireCodec {

  /** Current wire version. */
  public static final int VERSION = 2;

  /** Length of the truncated HMAC tag. */
  public static final int TAG_BYTES = 16;

  private static final byte MAGIC0 = 'T';
  private static final byte MAGIC1 = 'M';
  private static final int PREFIX = 2 + 1 + 8;

  /** Why a datagram was dropped. */
  public enum Rejection { MALFORMED, WRONG_VERSION, FOREIGN_CLUSTER, BAD_TAG }

  /** Result of {@link #decode}: exactly one of message / rejection is non-null. */
  public record Decoded(TotemMessage message, Rejection rejection) {
    /** True when the datagram was authentic and well formed. */
    public boolean ok() {
      return message != null;
    }
  }

  private final long clusterId;
  private final Mac mac;

  /** A codec for one cluster. The key must have at least 16 bytes. */
  public WireCodec(long clusterId, byte[] clusterKey) {
    if (clusterKey == null || clusterKey.length < 16) {
      throw new IllegalArgumentException("cluster key must have at least 16 bytes");
    }
    this.clusterId = clusterId;
    try {
      this.mac = Mac.getInstance("HmacSHA256");
      this.mac.init(new SecretKeySpec(clusterKey, "HmacSHA256"));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }

  /** Encodes and authenticates a message. */
  public byte[] encode(TotemMessage message) {
    Buf b = new Buf();
    b.raw(MAGIC0);
    b.raw(MAGIC1);
    b.raw((byte) VERSION);
    b.fixed64(clusterId);
    Body body = message.body();
    b.raw((byte) kindOf(body));
    Header h = message.header();
    b.uvar(h.sender());
    b.fixed64(h.incarnation());
    b.svar(h.view());
    b.raw((byte) h.status().ordinal());
    b.uvar(h.ackSlots());
    b.uvar(h.deliveredPos());
    long[] recv = h.recv() == null ? new long[0] : h.recv();
    b.uvar(recv.length);
    for (long r : recv) {
      b.uvar(r);
    }
    encodeBody(b, body);
    byte[] tag = tag(b.bytes, b.len);
    b.raw(tag, TAG_BYTES);
    return Arrays.copyOf(b.bytes, b.len);
  }

  /** Authenticates and decodes; never throws for any input. */
  public Decoded decode(byte[] datagram) {
    if (datagram == null || datagram.length < PREFIX + 1 + TAG_BYTES) {
      return reject(Rejection.MALFORMED);
    }
    if (datagram[0] != MAGIC0 || datagram[1] != MAGIC1) {
      return reject(Rejection.MALFORMED);
    }
    if (datagram[2] != VERSION) {
      return reject(Rejection.WRONG_VERSION);
    }
    long cid = 0;
    for (int i = 0; i < 8; i++) {
      cid = (cid << 8) | (datagram[3 + i] & 0xFF);
    }
    if (cid != clusterId) {
      return reject(Rejection.FOREIGN_CLUSTER);
    }
    int bodyEnd = datagram.length - TAG_BYTES;
    byte[] expected = tag(datagram, bodyEnd);
    byte[] actual = Arrays.copyOfRange(datagram, bodyEnd, datagram.length);
    if (!MessageDigest.isEqual(Arrays.copyOf(expected, TAG_BYTES), actual)) {
      return reject(Rejection.BAD_TAG);
    }
    try {
      Reader r = new Reader(datagram, PREFIX, bodyEnd);
      int kind = r.u8();
      int sender = r.uint();
      long inc = r.fixed64();
      long view = r.svar();
      int st = r.u8();
      if (st >= MemberStatus.values().length) {
        return reject(Rejection.MALFORMED);
      }
      long ack = r.uvar();
      long delivered = r.uvar();
      int nrecv = r.count(1);
      long[] recv = new long[nrecv];
      for (int i = 0; i < nrecv; i++) {
        recv[i] = r.uvar();
      }
      Header h = new Header(sender, inc, view, MemberStatus.values()[st], ack, delivered, recv);
      Body body = decodeBody(kind, r);
      if (body == null || r.pos != bodyEnd) {
        return reject(Rejection.MALFORMED);
      }
      return new Decoded(new TotemMessage(h, body), null);
    } catch (IndexOutOfBoundsException | IllegalArgumentException e) {
      return reject(Rejection.MALFORMED);
    }
  }

  private static Decoded reject(Rejection why) {
    return new Decoded(null, why);
  }

  private byte[] tag(byte[] data, int len) {
    mac.reset();
    mac.update(data, 0, len);
    return mac.doFinal();
  }

  private static int kindOf(Body body) {
    if (body instanceof Request) {
      return 1;
    } else if (body instanceof Sequence) {
      return 2;
    } else if (body instanceof Entry) {
      return 3;
    } else if (body instanceof Heartbeat) {
      return 4;
    } else if (body instanceof NackReq) {
      return 5;
    } else if (body instanceof Fetch) {
      return 6;
    } else if (body instanceof Anchor) {
      return 7;
    } else if (body instanceof TooFar) {
      return 8;
    } else if (body instanceof ViewChange) {
      return 9;
    } else if (body instanceof StartView) {
      return 10;
    } else if (body instanceof GetView) {
      return 11;
    }
    throw new IllegalArgumentException("unknown body " + body);
  }

  /** Short name of a body kind, for traces and logs. */
  public static String kindName(Body body) {
    return body.getClass().getSimpleName();
  }

  private static void encodeBody(Buf b, Body body) {
    if (body instanceof Request m) {
      b.uvar(m.items().size());
      for (ReqItem it : m.items()) {
        b.uvar(it.lseq());
        b.bytes(it.command());
      }
    } else if (body instanceof Sequence m) {
      b.uvar(m.slot());
      b.uvar(m.firstPos());
      b.uvar(m.refs().size());
      for (ReqRef ref : m.refs()) {
        b.uvar(ref.member());
        b.fixed64(ref.incarnation());
        b.uvar(ref.lseq());
      }
    } else if (body instanceof Entry m) {
      b.svar(m.logView());
      b.uvar(m.slot());
      b.uvar(m.firstPos());
      b.uvar(m.cmds().size());
      for (Cmd c : m.cmds()) {
        b.uvar(c.member());
        b.fixed64(c.incarnation());
        b.uvar(c.lseq());
        b.bytes(c.command());
      }
    } else if (body instanceof NackReq m) {
      b.uvar(m.fromLseq());
      b.uvar(m.toLseq());
    } else if (body instanceof Fetch m) {
      b.svar(m.fromSlot());
      b.uvar(m.fromPos());
      b.svar(m.wantLogView());
    } else if (body instanceof Anchor m) {
      b.svar(m.logView());
      b.uvar(m.slot());
      b.uvar(m.pos());
      b.uvar(m.endPos());
      streams(b, m.streams());
    } else if (body instanceof TooFar m) {
      b.uvar(m.trimPos());
      b.uvar(m.deliveredPos());
    } else if (body instanceof ViewChange m) {
      b.svar(m.newView());
      b.svar(m.lastNormalView());
      b.uvar(m.logSlots());
      b.uvar(m.logPos());
      b.raw((byte) (m.amnesiac() ? 1 : 0));
      b.fixed64(m.coordInc());
      streams(b, m.streams());
    } else if (body instanceof StartView m) {
      b.svar(m.view());
      b.uvar(m.members().size());
      for (MemberInc mi : m.members()) {
        b.uvar(mi.member());
        b.fixed64(mi.incarnation());
      }
      b.svar(m.chosenLogView());
      b.uvar(m.startSlots());
      b.uvar(m.startPos());
      b.uvar(m.source());
      streams(b, m.streams());
    } else if (body instanceof GetView m) {
      b.svar(m.view());
    }
    // Heartbeat: empty body
  }

  private static void streams(Buf b, List<StreamPos> streams) {
    b.uvar(streams.size());
    for (StreamPos s : streams) {
      b.uvar(s.member());
      b.fixed64(s.incarnation());
      b.uvar(s.nextSeq());
    }
  }

  private static List<StreamPos> streams(Reader r) {
    int n = r.count(10);
    List<StreamPos> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(new StreamPos(r.uint(), r.fixed64(), r.uvar()));
    }
    return out;
  }

  private static Body decodeBody(int kind, Reader r) {
    switch (kind) {
      case 1: {
        int n = r.count(2);
        List<ReqItem> items = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          items.add(new ReqItem(r.uvar(), r.bytes()));
        }
        return new Request(List.copyOf(items));
      }
      case 2: {
        long slot = r.uvar();
        long first = r.uvar();
        int n = r.count(10);
        List<ReqRef> refs = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          refs.add(new ReqRef(r.uint(), r.fixed64(), r.uvar()));
        }
        return new Sequence(slot, first, List.copyOf(refs));
      }
      case 3: {
        long lv = r.svar();
        long slot = r.uvar();
        long first = r.uvar();
        int n = r.count(11);
        List<Cmd> cmds = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          cmds.add(new Cmd(r.uint(), r.fixed64(), r.uvar(), r.bytes()));
        }
        return new Entry(lv, slot, first, List.copyOf(cmds));
      }
      case 4:
        return new Heartbeat();
      case 5:
        return new NackReq(r.uvar(), r.uvar());
      case 6:
        return new Fetch(r.svar(), r.uvar(), r.svar());
      case 7:
        return new Anchor(r.svar(), r.uvar(), r.uvar(), r.uvar(), List.copyOf(streams(r)));
      case 8:
        return new TooFar(r.uvar(), r.uvar());
      case 9: {
        long nv = r.svar();
        long lnv = r.svar();
        long slots = r.uvar();
        long pos = r.uvar();
        int am = r.u8();
        if (am > 1) {
          return null;
        }
        long coordInc = r.fixed64();
        return new ViewChange(nv, lnv, slots, pos, am == 1, coordInc, List.copyOf(streams(r)));
      }
      case 10: {
        long v = r.svar();
        int n = r.count(9);
        List<MemberInc> members = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          members.add(new MemberInc(r.uint(), r.fixed64()));
        }
        long chosen = r.svar();
        long slots = r.uvar();
        long pos = r.uvar();
        int source = r.uint();
        return new StartView(v, List.copyOf(members), chosen, slots, pos, source,
            List.copyOf(streams(r)));
      }
      case 11:
        return new GetView(r.svar());
      default:
        return null;
    }
  }

  /** Growable output buffer with varints. */
  private static final class Buf {
    byte[] bytes = new byte[256];
    int len;

    void ensure(int extra) {
      if (len + extra > bytes.length) {
        bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, len + extra));
      }
    }

    void raw(byte v) {
      ensure(1);
      bytes[len++] = v;
    }

    void raw(byte[] v, int n) {
      ensure(n);
      System.arraycopy(v, 0, bytes, len, n);
      len += n;
    }

    void fixed64(long v) {
      ensure(8);
      for (int i = 7; i >= 0; i--) {
        bytes[len++] = (byte) (v >>> (8 * i));
      }
    }

    void uvar(long v) {
      if (v < 0) {
        throw new IllegalArgumentException("negative unsigned value " + v);
      }
      ensure(10);
      while ((v & ~0x7FL) != 0) {
        bytes[len++] = (byte) ((v & 0x7F) | 0x80);
        v >>>= 7;
      }
      bytes[len++] = (byte) v;
    }

    void svar(long v) {
      uvar((v << 1) ^ (v >> 63));
    }

    void bytes(byte[] v) {
      uvar(v.length);
      raw(v, v.length);
    }
  }

  /** Bounds-checked reader; throws IndexOutOfBounds/IllegalArgument on bad input. */
  private static final class Reader {
    final byte[] data;
    int pos;
    final int end;

    Reader(byte[] data, int pos, int end) {
      this.data = data;
      this.pos = pos;
      this.end = end;
    }

    int u8() {
      if (pos >= end) {
        throw new IndexOutOfBoundsException("truncated");
      }
      return data[pos++] & 0xFF;
    }

    long fixed64() {
      long v = 0;
      for (int i = 0; i < 8; i++) {
        v = (v << 8) | u8();
      }
      return v;
    }

    long uvar() {
      long v = 0;
      for (int shift = 0; shift < 64; shift += 7) {
        int b = u8();
        v |= (long) (b & 0x7F) << shift;
        if ((b & 0x80) == 0) {
          if (v < 0) {
            throw new IllegalArgumentException("varint out of range");
          }
          return v;
        }
      }
      throw new IllegalArgumentException("varint too long");
    }

    long svar() {
      long u = 0;
      for (int shift = 0; shift < 64; shift += 7) {
        int b = u8();
        u |= (long) (b & 0x7F) << shift;
        if ((b & 0x80) == 0) {
          return (u >>> 1) ^ -(u & 1);
        }
      }
      throw new IllegalArgumentException("varint too long");
    }

    int uint() {
      long v = uvar();
      if (v > Integer.MAX_VALUE) {
        throw new IllegalArgumentException("int out of range");
      }
      return (int) v;
    }

    /** A list length; each element needs at least minBytes, so absurd counts fail early. */
    int count(int minBytes) {
      long n = uvar();
      if (n * minBytes > end - pos) {
        throw new IllegalArgumentException("count exceeds datagram");
      }
      return (int) n;
    }

    byte[] bytes() {
      int n = count(1);
      byte[] out = Arrays.copyOfRange(data, pos, pos + n);
      pos += n;
      return out;
    }
  }
}
