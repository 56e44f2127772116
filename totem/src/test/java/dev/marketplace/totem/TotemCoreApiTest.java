package dev.marketplace.totem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Configuration validation and the edges of the core's public API. */
class TotemCoreApiTest {

  private static final byte[] KEY = "0123456789abcdef-cluster".getBytes(StandardCharsets.UTF_8);

  @Test
  void invalidConfigurationNamesTheField() {
    assertThatThrownBy(() -> TotemConfig.defaults(5, 5, 1, KEY))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("selfId");
    assertThatThrownBy(() -> TotemConfig.defaults(0, 0, 1, KEY))
        .hasMessageContaining("memberCount");
    assertThatThrownBy(() -> TotemConfig.defaults(3, 0, 1, new byte[4]))
        .hasMessageContaining("clusterKey");
    assertThatThrownBy(() -> TotemConfig.defaults(3, 0, 1, KEY).withMaxDatagramBytes(100))
        .hasMessageContaining("maxDatagramBytes");
  }

  @Test
  void oversizedCommandIsRejectedWithTheLimit() {
    TotemConfig cfg = TotemConfig.defaults(3, 0, 1, KEY);
    TotemCore core = TotemCore.bootstrap(cfg, new SplittableRandom(1));
    byte[] max = new byte[cfg.maxCommandBytes()];
    assertThat(core.broadcast(max)).isEqualTo(1);
    assertThatThrownBy(() -> core.broadcast(new byte[cfg.maxCommandBytes() + 1]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(String.valueOf(cfg.maxCommandBytes()))
        .hasMessageContaining("not fragmented");
    for (Outbound o : core.ready().datagrams()) {
      assertThat(o.bytes().length).isLessThanOrEqualTo(cfg.maxDatagramBytes());
    }
  }

  @Test
  void maximumSizeCommandsTravelUnderLossAndAreDelivered() {
    Sim sim = new Sim(5, 3).loss(0.2);
    SplittableRandom r = new SplittableRandom(3);
    for (int round = 0; round < 10; round++) {
      for (int i = 0; i < 3; i++) {
        byte[] big = new byte[sim.base.maxCommandBytes() - r.nextInt(2)];
        r.nextBytes(big);
        assertThat(sim.broadcast(i, big)).isTrue();
      }
      sim.run(5, 0);
    }
    sim.assertLiveness(400);
    assertThat(sim.global).hasSize(30);
  }

  @Test
  void backpressureRefusesBeyondMaxPendingOwn() {
    TotemConfig d = TotemConfig.defaults(3, 0, 1, KEY);
    TotemConfig cfg = new TotemConfig(3, 0, 1, KEY, 1400, d.heartbeatTicks(), d.suspectTicks(),
        d.viewChangeTicks(), d.resendTicks(), d.fetchBatch(), 2);
    TotemCore core = TotemCore.bootstrap(cfg, new SplittableRandom(1));
    core.broadcast(new byte[1]);
    core.broadcast(new byte[1]);
    assertThatThrownBy(() -> core.broadcast(new byte[1]))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("backlog");
  }

  @Test
  void singleMemberClusterDeliversAlone() {
    TotemCore core = TotemCore.bootstrap(TotemConfig.defaults(1, 0, 1, KEY),
        new SplittableRandom(1));
    core.broadcast("x".getBytes(StandardCharsets.UTF_8));
    Ready r = core.ready();
    assertThat(r.delivered()).hasSize(1);
    assertThat(r.delivered().get(0).position()).isZero();
    assertThat(r.delivered().get(0).localSeq()).isEqualTo(1);
  }

  @Test
  void restartedMemberStartsAmnesiacWithFreshIncarnation() {
    TotemCore core = TotemCore.restart(TotemConfig.defaults(3, 1, 1, KEY),
        new SplittableRandom(1), 10);
    TotemStatus s = core.status();
    assertThat(s.incarnation()).isNotZero();
    assertThat(s.lastNormalView()).isEqualTo(-1);
    assertThat(s.deliveredPos()).isEqualTo(10);
    assertThat(s.status()).isEqualTo(MemberStatus.VIEW_CHANGE);
    assertThatThrownBy(() -> TotemCore.restart(TotemConfig.defaults(3, 1, 1, KEY),
        new SplittableRandom(1), -1)).isInstanceOf(IllegalArgumentException.class);
  }

  /**
   * The runtime hint: a member with its own command in flight must tick every tick; once
   * everything is delivered and acked everywhere it may defer ticks, but never past its next
   * heartbeat (nor past a possible suspicion).
   */
  @Test
  void quiescentOnlyWhenNothingIsInFlight() {
    Sim sim = new Sim(11, 5);
    sim.run(50, 0); // bootstrap view settles
    assertThat(sim.broadcast(2)).isTrue();
    TotemCore c2 = sim.nodes[2].core;
    assertThat(c2.quiescent()).isFalse();
    assertThat(c2.ticksUntilDue()).isEqualTo(1);
    sim.run(60, 0);
    assertThat(sim.global).hasSize(1);
    int hb = sim.base.heartbeatTicks();
    for (Sim.Node x : sim.nodes) {
      assertThat(x.core.quiescent()).as("member %d", x.id).isTrue();
      assertThat(x.core.ticksUntilDue()).as("member %d", x.id).isBetween(1L, (long) hb);
    }
  }
}
