package dev.marketplace.totem;

import static org.assertj.core.api.Assertions.assertThatCode;

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
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Authenticated but nonsensical messages (as a buggy peer holding the key could send) must never
 * make a core throw: they are ignored or counted as protocol violations.
 */
class AuthenticatedGarbageTest {

  private static final byte[] KEY = "0123456789abcdef-cluster".getBytes(StandardCharsets.UTF_8);

  @Test
  void randomAuthenticatedMessagesNeverThrow() {
    SplittableRandom r = new SplittableRandom(11);
    TotemConfig cfg = TotemConfig.defaults(5, 0, 1, KEY);
    WireCodec codec = new WireCodec(1, KEY);
    for (int run = 0; run < 60; run++) {
      TotemCore core = run % 2 == 0
          ? TotemCore.bootstrap(cfg, new SplittableRandom(run))
          : TotemCore.restart(cfg, new SplittableRandom(run), r.nextInt(50));
      for (int i = 0; i < 300; i++) {
        TotemMessage m = new TotemMessage(header(r), body(r));
        byte[] bytes = codec.encode(m);
        assertThatCode(() -> {
          core.receive(-1, bytes);
          if (r.nextInt(5) == 0) {
            core.tick();
          }
          if (r.nextInt(20) == 0) {
            core.broadcast(new byte[] {1});
          }
          if (r.nextInt(40) == 0) {
            core.installedState(r.nextInt(100));
          }
          core.ready();
        }).doesNotThrowAnyException();
      }
    }
  }

  private static long small(SplittableRandom r) {
    return r.nextInt(12);
  }

  private static Header header(SplittableRandom r) {
    long[] recv = new long[r.nextInt(6)];
    for (int i = 0; i < recv.length; i++) {
      recv[i] = small(r);
    }
    return new Header(1 + r.nextInt(4), r.nextInt(3) == 0 ? r.nextLong() : 0,
        r.nextInt(6) - 1, MemberStatus.values()[r.nextInt(3)], small(r), small(r), recv);
  }

  private static List<StreamPos> streams(SplittableRandom r) {
    List<StreamPos> out = new ArrayList<>();
    for (int i = r.nextInt(4); i > 0; i--) {
      out.add(new StreamPos(r.nextInt(5), r.nextInt(2), small(r)));
    }
    return out;
  }

  private static Body body(SplittableRandom r) {
    byte[] cmd = {(byte) r.nextInt()};
    switch (r.nextInt(11)) {
      case 0:
        return new Request(List.of(new ReqItem(small(r), cmd), new ReqItem(small(r), cmd)));
      case 1:
        return new Sequence(small(r), small(r), List.of(new ReqRef(r.nextInt(5), 0, small(r))));
      case 2: {
        List<Cmd> cmds = new ArrayList<>();
        for (int i = r.nextInt(3); i > 0; i--) {
          cmds.add(new Cmd(r.nextInt(5), 0, small(r), cmd));
        }
        return new Entry(r.nextInt(5) - 1, small(r), small(r), cmds);
      }
      case 3:
        return new Heartbeat();
      case 4:
        return new NackReq(small(r), small(r));
      case 5:
        return new Fetch(r.nextInt(6) - 1, small(r), r.nextInt(5) - 1);
      case 6:
        return new Anchor(r.nextInt(5) - 1, small(r), small(r), small(r), streams(r));
      case 7:
        return new TooFar(small(r), small(r));
      case 8:
        return new ViewChange(r.nextInt(6), r.nextInt(5) - 1, small(r), small(r),
            r.nextBoolean(), r.nextBoolean() ? 0 : r.nextLong(), streams(r));
      case 9: {
        List<MemberInc> ms = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
          if (r.nextBoolean()) {
            ms.add(new MemberInc(i, 0));
          }
        }
        return new StartView(r.nextInt(6), ms, r.nextInt(5) - 1, small(r), small(r),
            r.nextInt(5), streams(r));
      }
      default:
        return new GetView(r.nextInt(6));
    }
  }
}
