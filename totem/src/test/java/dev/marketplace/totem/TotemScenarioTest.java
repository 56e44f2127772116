package dev.marketplace.totem;

import static org.assertj.core.api.Assertions.assertThat;

import dev.marketplace.totem.TotemMessage.Request;
import dev.marketplace.totem.TotemMessage.Sequence;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/**
 * Named adversarial scenarios on the deterministic simulator. Every scenario also checks the
 * safety invariants I1-I5 after every event (inside {@link Sim}) and ends with the liveness check
 * I6 (everything converges within bounded simulated time after the network heals).
 */
class TotemScenarioTest {

  private static final long SEED = 20_261_125L;

  @Test
  void ordersEverythingIdenticallyWithoutFaults() {
    Sim sim = new Sim(SEED, 5);
    sim.run(200, 0.3);
    sim.assertLiveness(100);
    assertThat(sim.global).hasSize(sim.broadcasts.size());
    for (int i = 0; i < 5; i++) {
      assertThat(sim.status(i).view()).as("no view change without faults").isZero();
      assertThat(sim.nodes[i].app).isEqualTo(sim.global);
    }
  }

  @Test
  void ordersEverythingUnderThirtyPercentLossDuplicationAndReordering() {
    Sim sim = new Sim(SEED + 1, 5).loss(0.3).dup(0.1);
    sim.maxDelay = 40;
    sim.run(300, 0.3);
    sim.assertLiveness(600);
    assertThat(sim.global).hasSize(sim.broadcasts.size());
  }

  @Test
  void lostFinalRequestIsResentOnTimer() {
    Sim sim = new Sim(SEED + 2, 5);
    sim.run(50, 0.3);
    sim.run(30, 0);
    sim.dropSend = (from, m) -> from == 2 && m.body() instanceof Request;
    sim.broadcast(2);
    sim.run(1, 0);
    sim.dropSend = null;
    int before = sim.nodes[0].app.size();
    sim.assertLiveness(200);
    assertThat(sim.nodes[0].app.size()).isEqualTo(before + 1);
    assertThat(sim.global).hasSize(sim.broadcasts.size());
  }

  @Test
  void lostFinalSequenceIsRepairedByFetch() {
    Sim sim = new Sim(SEED + 3, 5);
    sim.run(50, 0.3);
    sim.run(30, 0);
    int[] dropped = {0};
    sim.dropSend = (from, m) -> {
      if (m.body() instanceof Sequence) {
        dropped[0]++;
        return true;
      }
      return false;
    };
    sim.broadcast(1);
    sim.run(3, 0);
    sim.dropSend = null;
    assertThat(dropped[0]).as("the final Sequence was lost").isPositive();
    sim.assertLiveness(200);
    assertThat(sim.global).hasSize(sim.broadcasts.size());
  }

  @Test
  void crashOfTheMemberWhoseTurnIsNextDoesNotStopTheGroup() {
    Sim sim = new Sim(SEED + 4, 5);
    sim.run(60, 0.3);
    sim.run(30, 0);
    int next = sim.nextSequencer(0);
    int other = (next + 1) % 5;
    sim.broadcast(other);
    sim.crash(next);
    sim.run(200, 0.2);
    sim.assertLiveness(300);
    for (int i = 0; i < 5; i++) {
      if (i != next) {
        assertThat(sim.status(i).members()).doesNotContain(next);
        assertThat(sim.status(i).status()).isEqualTo(MemberStatus.NORMAL);
      }
    }
    assertThat(sim.nodes[other].app).isEqualTo(sim.global);
  }

  @Test
  void viewChangeSkipsADeadCoordinator() {
    Sim sim = new Sim(SEED + 11, 5);
    sim.run(60, 0.3);
    sim.crash(1); // coordinator of view 1 (view mod N)
    sim.run(200, 0.3);
    sim.assertLiveness(300);
    assertThat(sim.status(0).view()).isGreaterThanOrEqualTo(2);
    assertThat(sim.status(0).members()).containsExactly(0, 2, 3, 4);
  }

  @Test
  void slotSeenByOnlyOneMemberIsFinishedOrDiscardedConsistently() {
    for (long seed = SEED; seed < SEED + 6; seed++) {
      Sim sim = new Sim(seed, 5);
      sim.run(40, 0.3);
      sim.run(30, 0);
      int next = sim.nextSequencer(0);
      int witness = (next + 1) % 5;
      sim.isolateExcept(next, witness);
      sim.broadcast(witness);
      sim.broadcast(witness);
      long others = sim.status((next + 2) % 5).logSlots();
      // request to next, SEQUENCE back: up to 2 x 1.5 ticks of network delay plus the tick
      for (int t = 0; t < 10 && sim.status(witness).logSlots() <= others; t++) {
        sim.run(1, 0);
      }
      assertThat(sim.status(witness).logSlots()).as("precondition: only the witness got the slot")
          .isGreaterThan(sim.status((next + 2) % 5).logSlots());
      sim.crash(next);
      if (seed % 2 == 1) {
        sim.crash(witness); // the only other holder dies too: the slot must be discarded
      }
      sim.run(150, 0.2);
      sim.assertLiveness(300);
      assertThat(sim.status((next + 2) % 5).members()).doesNotContain(next);
    }
  }

  @Test
  void twoSimultaneousCrashesOfFiveKeepTheGroupGoing() {
    Sim sim = new Sim(SEED + 5, 5).loss(0.1);
    sim.run(60, 0.3);
    sim.crash(1);
    sim.crash(3);
    int before = sim.global.size();
    sim.run(200, 0.3);
    sim.assertLiveness(300);
    assertThat(sim.global.size()).isGreaterThan(before + 50);
    assertThat(sim.status(0).members()).containsExactly(0, 2, 4);
  }

  @Test
  void restartedMemberCatchesUpByRetransmission() {
    Sim sim = new Sim(SEED + 6, 5).loss(0.1);
    sim.run(60, 0.3);
    sim.crash(2);
    sim.run(4, 0.3);
    sim.restart(2);
    sim.run(150, 0.3);
    sim.assertLiveness(300);
    assertThat(sim.status(2).counters().stateTransfers()).isZero();
    assertThat(sim.status(2).members()).contains(2);
    assertThat(sim.nodes[2].app).isEqualTo(sim.global);
    // It takes its turns again: some slot of the current view was sequenced by member 2.
    int before = sim.global.size();
    sim.run(100, 0.3);
    sim.assertLiveness(200);
    assertThat(sim.global.size()).isGreaterThan(before);
    assertThat(sim.status(2).status()).isEqualTo(MemberStatus.NORMAL);
  }

  @Test
  void restartedMemberFarBehindCatchesUpByStateTransfer() {
    Sim sim = new Sim(SEED + 7, 5).loss(0.1);
    sim.run(40, 0.3);
    sim.crash(4);
    sim.run(300, 0.3);
    assertThat(sim.status(0).trimPos()).as("peers trimmed past the crashed member")
        .isGreaterThan(sim.nodes[4].app.size());
    sim.restart(4);
    sim.run(100, 0.3);
    sim.assertLiveness(300);
    assertThat(sim.status(4).counters().stateTransfers()).isPositive();
    assertThat(sim.nodes[4].app).isEqualTo(sim.global);
    assertThat(sim.status(4).members()).contains(4);
  }

  @Test
  void minorityOfAThreeTwoPartitionStopsDeliveringAndCatchesUpAfterHeal() {
    Sim sim = new Sim(SEED + 8, 5).loss(0.05);
    sim.run(60, 0.3);
    sim.run(40, 0);
    sim.partition(3, 4);
    int minority3 = sim.nodes[3].app.size();
    int minority4 = sim.nodes[4].app.size();
    int before = sim.global.size();
    sim.afterEvent = s -> {
      if (s.nodes[3].app.size() != minority3 || s.nodes[4].app.size() != minority4) {
        s.fail("minority side delivered during the partition");
      }
    };
    sim.run(300, 0.3);
    sim.afterEvent = null;
    assertThat(sim.global.size()).as("majority side keeps delivering").isGreaterThan(before + 50);
    sim.assertLiveness(400);
    assertThat(sim.nodes[3].app).isEqualTo(sim.global);
    assertThat(sim.status(3).members()).containsExactly(0, 1, 2, 3, 4);
  }

  @Test
  void continuousChurnOfCrashesRestartsAndPartitions() {
    Sim sim = new Sim(SEED + 9, 5).loss(0.1).dup(0.05);
    SplittableRandom r = new SplittableRandom(SEED);
    for (int round = 0; round < 20; round++) {
      switch (r.nextInt(4)) {
        case 0 -> TotemSweepTest.crashOne(sim, r);
        case 1 -> sim.restart(r.nextInt(5));
        case 2 -> sim.isolate(r.nextInt(5));
        default -> sim.heal();
      }
      sim.run(30, 0.3);
    }
    for (int i = 0; i < 5; i++) {
      sim.restart(i);
    }
    sim.assertLiveness(800);
    assertThat(sim.global.size()).isGreaterThan(100);
  }

  @Test
  void garbageForgedForeignAndWrongVersionDatagramsAreDroppedAndCounted() throws Exception {
    Sim sim = new Sim(SEED + 10, 5);
    sim.run(30, 0.3);
    byte[] key = sim.base.clusterKey();
    // A valid datagram of member 1 to tamper with.
    List<byte[]> valid = new ArrayList<>();
    sim.dropSend = (from, m) -> {
      if (from == 1 && valid.isEmpty()) {
        valid.add(new WireCodec(sim.base.clusterId(), key).encode(m));
      }
      return false;
    };
    sim.run(5, 0.3);
    sim.dropSend = null;
    byte[] good = valid.get(0);
    SplittableRandom r = new SplittableRandom(7);
    int garbage = 0;
    for (int i = 0; i < 50; i++) {
      byte[] junk = new byte[r.nextInt(200)];
      r.nextBytes(junk);
      sim.inject(1, 0, junk);
      garbage++;
    }
    byte[] forgedKey = "another-key-entirely-0123456789".getBytes(StandardCharsets.UTF_8);
    TotemMessage decoded = new WireCodec(sim.base.clusterId(), key).decode(good).message();
    sim.inject(1, 0, new WireCodec(sim.base.clusterId(), forgedKey).encode(decoded));
    sim.inject(1, 0, new WireCodec(sim.base.clusterId() + 1, key).encode(decoded));
    byte[] wrongVersion = good.clone();
    wrongVersion[2] = 9;
    sim.inject(1, 0, wrongVersion);
    byte[] flipped = good.clone();
    flipped[20] ^= 0x40;
    sim.inject(1, 0, flipped);
    sim.inject(2, 0, good); // authentic, but the transport says it came from member 2
    sim.inject(1, 0, authenticGarbage(sim.base.clusterId(), key));
    sim.run(1, 0);
    TotemStatus.Counters c = sim.status(0).counters();
    assertThat(c.droppedForeignCluster()).isEqualTo(1);
    assertThat(c.droppedWrongVersion()).isEqualTo(1);
    assertThat(c.droppedBadTag()).isGreaterThanOrEqualTo(2);
    assertThat(c.droppedBadSender()).isEqualTo(1);
    assertThat(c.droppedMalformed()).isPositive();
    assertThat(c.droppedTotal()).isEqualTo(garbage + 6);
    assertThat(c.protocolViolations()).isZero();
    sim.run(100, 0.3);
    sim.assertLiveness(200);
    assertThat(sim.global).hasSize(sim.broadcasts.size());
  }

  /** Correct magic, version, cluster and tag, but an unknown kind byte. */
  private static byte[] authenticGarbage(long clusterId, byte[] key) throws Exception {
    byte[] body = new byte[] {'T', 'M', (byte) WireCodec.VERSION, 0, 0, 0, 0, 0, 0, 0, 0, 99,
        1, 2, 3};
    for (int i = 0; i < 8; i++) {
      body[3 + i] = (byte) (clusterId >>> (56 - 8 * i));
    }
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(key, "HmacSHA256"));
    byte[] tag = mac.doFinal(body);
    byte[] out = new byte[body.length + WireCodec.TAG_BYTES];
    System.arraycopy(body, 0, out, 0, body.length);
    System.arraycopy(tag, 0, out, body.length, WireCodec.TAG_BYTES);
    return out;
  }

  @Test
  void sameSeedReplaysExactly() {
    List<Object> a = replay(99);
    List<Object> b = replay(99);
    assertThat(a).isEqualTo(b);
  }

  private static List<Object> replay(long seed) {
    Sim sim = new Sim(seed, 5).loss(0.2).dup(0.05);
    sim.run(80, 0.3);
    sim.crash(3);
    sim.run(80, 0.3);
    sim.restart(3);
    sim.assertLiveness(400);
    return List.of(new ArrayList<>(sim.global), sim.events, sim.time);
  }
}
