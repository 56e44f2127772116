package dev.marketplace.totem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Round trips, authentication and robustness of the wire format. */
class WireCodecTest {

  private static final byte[] KEY = "0123456789abcdef-cluster".getBytes(StandardCharsets.UTF_8);
  private final WireCodec codec = new WireCodec(7L, KEY);

  private static final Header HEADER = new Header(3, -1234567890123L, 42, MemberStatus.NORMAL,
      17, 99, new long[] {1, 0, 5});

  static List<Body> everyKind() {
    byte[] cmd = "hello".getBytes(StandardCharsets.UTF_8);
    List<StreamPos> streams = List.of(new StreamPos(1, 0, 4), new StreamPos(2, -5, 9));
    return List.of(
        new Request(List.of(new ReqItem(1, cmd), new ReqItem(2, new byte[0]))),
        new Sequence(12, 40, List.of(new ReqRef(1, 0, 3), new ReqRef(4, Long.MIN_VALUE, 1))),
        new Entry(-1, 12, 40, List.of(new Cmd(1, 77, 3, cmd))),
        new Heartbeat(),
        new NackReq(3, 9),
        new Fetch(-1, 123, 5),
        new Anchor(5, 10, 30, 33, streams),
        new TooFar(100, 120),
        new ViewChange(9, 8, 20, 60, true, -77, streams),
        new StartView(9, List.of(new MemberInc(0, 0), new MemberInc(3, 12)), 8, 20, 60, 3,
            streams),
        new GetView(9));
  }

  @Test
  void everyKindRoundTrips() {
    for (Body body : everyKind()) {
      byte[] bytes = codec.encode(new TotemMessage(HEADER, body));
      WireCodec.Decoded d = codec.decode(bytes);
      assertThat(d.ok()).as(WireCodec.kindName(body)).isTrue();
      assertThat(d.message().header()).usingRecursiveComparison().isEqualTo(HEADER);
      assertThat(d.message().body()).usingRecursiveComparison().isEqualTo(body);
    }
  }

  @Test
  void rejectsForeignClusterWrongVersionForgedAndTruncated() {
    byte[] good = codec.encode(new TotemMessage(HEADER, new Heartbeat()));
    assertThat(new WireCodec(8L, KEY).decode(good).rejection())
        .isEqualTo(WireCodec.Rejection.FOREIGN_CLUSTER);
    assertThat(new WireCodec(7L, "another-key-0123456789".getBytes(StandardCharsets.UTF_8))
        .decode(good).rejection()).isEqualTo(WireCodec.Rejection.BAD_TAG);
    byte[] v2 = good.clone();
    v2[2] = (byte) (WireCodec.VERSION + 1);
    assertThat(codec.decode(v2).rejection()).isEqualTo(WireCodec.Rejection.WRONG_VERSION);
    byte[] cut = java.util.Arrays.copyOf(good, good.length - 1);
    assertThat(codec.decode(cut).ok()).isFalse();
    assertThat(codec.decode(new byte[0]).rejection()).isEqualTo(WireCodec.Rejection.MALFORMED);
    assertThat(codec.decode(null).rejection()).isEqualTo(WireCodec.Rejection.MALFORMED);
  }

  @Test
  void anySingleBitFlipIsRejectedAndNothingThrows() {
    for (Body body : everyKind()) {
      byte[] good = codec.encode(new TotemMessage(HEADER, body));
      for (int i = 0; i < good.length; i++) {
        for (int bit = 0; bit < 8; bit++) {
          byte[] bad = good.clone();
          bad[i] ^= (byte) (1 << bit);
          assertThat(codec.decode(bad).ok()).isFalse();
        }
      }
    }
  }

  @Test
  void randomBytesNeverThrow() {
    SplittableRandom r = new SplittableRandom(1);
    for (int i = 0; i < 20_000; i++) {
      byte[] junk = new byte[r.nextInt(300)];
      r.nextBytes(junk);
      if (junk.length > 2 && r.nextBoolean()) {
        junk[0] = 'T';
        junk[1] = 'M';
        junk[2] = 1;
      }
      assertThat(codec.decode(junk).ok()).isFalse();
    }
  }

  @Test
  void shortKeyIsRefused() {
    assertThatThrownBy(() -> new WireCodec(1, new byte[8]))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("16 bytes");
  }
}
