package dev.marketplace.totem;

import static org.assertj.core.api.Assertions.assertThat;

import dev.marketplace.totem.TotemMessage.Entry;
import dev.marketplace.totem.TotemMessage.Sequence;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Named cold-start scenarios (DESIGN.md, "Cold start"): whole-cluster crash and restart, crash of
 * a quorum, mixed first start, stale datagrams of a previous life. Every event is checked against
 * the safety invariants I1-I5 and I7 inside {@link Sim}; {@link Sim#assertLiveness} checks I6.
 * Each simulation is deterministic; a failure prints its seed.
 */
class TotemColdStartTest {

  private static final long SEED = 20_261_203L;

  @Test
  void wholeClusterCrashAndRestartAtTheSamePositionFormsACensusView() {
    for (int n : new int[] {3, 5, 7}) {
      Sim sim = new Sim(SEED + n, n).loss(0.05);
      sim.run(100, 0.3);
      sim.assertLiveness(300);
      int p = sim.global.size();
      for (Sim.Node x : sim.nodes) {
        assertThat(x.app).as("precondition: everyone at the same position").hasSize(p);
      }
      sim.crashAll();
      sim.restartAll();
      sim.run(100, 0.2);
      sim.assertLiveness(400);
      assertThat(sim.censusStarts).as("a census view was formed").isPositive();
      assertThat(sim.global.size()).as("writes resumed").isGreaterThan(p + 20);
      for (int i = 0; i < n; i++) {
        TotemStatus st = sim.status(i);
        assertThat(st.status()).isEqualTo(MemberStatus.NORMAL);
        assertThat(st.members()).hasSize(n);
        assertThat(st.counters().stateTransfers()).as("nobody was behind").isZero();
        assertThat(sim.nodes[i].app).isEqualTo(sim.global);
      }
    }
  }

  @Test
  void wholeClusterRestartAtDifferentPositionsBringsTheBehindOnesUpByStateTransfer() {
    Sim sim = new Sim(SEED + 10, 5).loss(0.05);
    sim.run(60, 0.3);
    sim.crash(0);
    sim.run(60, 0.3);
    sim.crash(1);
    sim.run(60, 0.3);
    List<Sim.Key> before = new ArrayList<>(sim.global);
    assertThat(sim.nodes[0].app.size()).as("precondition: 0 < 1 < the rest")
        .isLessThan(sim.nodes[1].app.size());
    assertThat(sim.nodes[1].app.size()).isLessThan(sim.nodes[2].app.size());
    sim.crashAll();
    sim.restartAll();
    sim.run(150, 0.2);
    sim.assertLiveness(400);
    assertThat(sim.censusStarts).isPositive();
    assertThat(sim.global.subList(0, before.size())).as("nothing delivered before is lost")
        .isEqualTo(before);
    assertThat(sim.global.size()).isGreaterThan(before.size() + 20);
    assertThat(sim.status(0).counters().stateTransfers()).isPositive();
    assertThat(sim.status(1).counters().stateTransfers()).isPositive();
    for (Sim.Node x : sim.nodes) {
      assertThat(x.app).isEqualTo(sim.global);
    }
  }

  @Test
  void wholeClusterRestartWithTheMostAdvancedMemberDownWaitsForIt() {
    Sim sim = new Sim(SEED + 20, 5);
    sim.run(60, 0.3);
    int ahead = -1;
    for (int t = 0; t < 2000 && ahead < 0; t++) {
      sim.run(1, 0.3);
      ahead = uniquelyAhead(sim);
    }
    assertThat(ahead).as("precondition: one member delivered more than every other").isNotNegative();
    int aheadAt = sim.nodes[ahead].app.size();
    sim.crashAll();
    for (int i = 0; i < 5; i++) {
      if (i != ahead) {
        sim.restart(i);
      }
    }
    int frozen = sim.global.size();
    sim.afterEvent = s -> {
      if (s.global.size() != frozen) {
        s.fail("delivered while a member of the census was missing");
      }
      for (Sim.Node x : s.nodes) {
        if (x.alive && x.core.status().status() == MemberStatus.NORMAL) {
          s.fail("member " + x.id + " became NORMAL while a member was missing");
        }
      }
    };
    sim.run(400, 0.2);
    sim.afterEvent = null;
    assertThat(sim.censusStarts).isZero();
    assertThat(sim.status((ahead + 1) % 5).counters().viewChangesStarted())
        .as("they kept trying").isGreaterThan(3);
    sim.restart(ahead);
    sim.run(50, 0.2);
    sim.assertLiveness(400);
    assertThat(sim.censusStarts).isPositive();
    assertThat(sim.global.size()).isGreaterThan(aheadAt);
    for (Sim.Node x : sim.nodes) {
      assertThat(x.app).isEqualTo(sim.global);
    }
  }

  @Test
  void aMemberCrashingAgainDuringTheCensusRecoveryDoesNotStopIt() {
    for (int variant = 0; variant < 8; variant++) {
      Sim sim = new Sim(SEED + 30 + variant, 5).loss(0.05);
      sim.run(60, 0.3);
      sim.crash(0);
      sim.run(80, 0.3);
      sim.crashAll();
      sim.restartAll();
      for (int t = 0; t < 500 && sim.censusStarts == 0; t++) {
        sim.run(1, 0.2);
      }
      assertThat(sim.censusStarts).as("census started, variant " + variant).isPositive();
      sim.run(variant * 2, 0.2); // 0..14 ticks into the recovery
      // Even variants: the member that needs a state transfer; odd: one at the top position.
      int victim = variant % 2 == 0 ? 0 : top(sim);
      sim.crash(victim);
      sim.run(40, 0.2);
      sim.restart(victim);
      sim.run(60, 0.2);
      sim.assertLiveness(600);
      for (Sim.Node x : sim.nodes) {
        assertThat(x.app).isEqualTo(sim.global);
      }
    }
  }

  @Test
  void twoWholeClusterCrashesInARowRecover() {
    Sim sim = new Sim(SEED + 40, 5).loss(0.05);
    sim.run(60, 0.3);
    sim.crash(2);
    sim.run(40, 0.3);
    sim.crashAll();
    sim.restartAll();
    for (int t = 0; t < 500 && sim.censusStarts == 0; t++) {
      sim.run(1, 0.2);
    }
    sim.run(3, 0.2);
    sim.crashAll(); // again, in the middle of the census recovery
    sim.restartAll();
    sim.run(100, 0.2);
    sim.assertLiveness(600);
    assertThat(sim.censusStarts).isGreaterThanOrEqualTo(2);
  }

  @Test
  void crashOfAQuorumWhileAMinoritySurvivesRecoversByVoluntaryAmnesia() {
    Sim sim = new Sim(SEED + 50, 5).loss(0.05);
    sim.run(80, 0.3);
    sim.crash(0);
    sim.crash(1);
    sim.crash(2);
    // Datagrams sent before the crash may still complete slots a quorum had acked (with
    // coalesced acks the survivors can learn of such a quorum only now): let them drain first.
    sim.run(30, 0.3);
    int before = sim.global.size();
    sim.run(30, 0.3);
    assertThat(sim.global).as("two of five cannot deliver").hasSize(before);
    sim.restart(0);
    sim.restart(1);
    sim.restart(2);
    sim.run(100, 0.2);
    sim.assertLiveness(600);
    assertThat(sim.status(3).counters().voluntaryAmnesia()
        + sim.status(4).counters().voluntaryAmnesia()).as("the survivors gave up their logs")
        .isPositive();
    assertThat(sim.censusStarts).isPositive();
    assertThat(sim.global.size()).isGreaterThan(before + 20);
  }

  @Test
  void mixedFirstStartWithAQuorumOfNewMembersRunsNormally() {
    Sim sim = new Sim(SEED + 60, 5).loss(0.05);
    sim.amnesiacAtStart(3); // started before (marker set), crashed before applying anything
    sim.amnesiacAtStart(4);
    sim.run(150, 0.3);
    sim.assertLiveness(400);
    assertThat(sim.censusStarts).isZero();
    for (int i = 0; i < 5; i++) {
      assertThat(sim.status(i).members()).hasSize(5);
      assertThat(sim.nodes[i].app).isEqualTo(sim.global);
    }
    assertThat(sim.global.size()).isGreaterThan(50);
  }

  @Test
  void mixedFirstStartWithAMinorityOfNewMembersRecoversByCensus() {
    Sim sim = new Sim(SEED + 61, 5).loss(0.05);
    sim.amnesiacAtStart(0);
    sim.amnesiacAtStart(2);
    sim.amnesiacAtStart(4);
    sim.run(150, 0.3);
    sim.assertLiveness(600);
    assertThat(sim.censusStarts).isPositive();
    for (int i = 0; i < 5; i++) {
      assertThat(sim.status(i).members()).hasSize(5);
      assertThat(sim.nodes[i].app).isEqualTo(sim.global);
    }
  }

  /**
   * Datagrams of the previous life, replayed after a whole-cluster restart that reuses the same
   * view number: the census view of the first cold start, a log slot at its start position held
   * only by two members (repaired by ENTRY, never delivered), heartbeats with acks, requests,
   * VIEW_CHANGEs and the old census START_VIEW. They are replayed to everyone before the new
   * census, right after it, and once everyone is NORMAL; none of them may be installed, counted
   * or appended.
   */
  @Test
  void staleDatagramsOfThePreviousLifeAreIgnoredAfterTheRestart() {
    Sim sim = new Sim(SEED + 70, 5);
    sim.run(60, 0.3);
    sim.assertLiveness(300);
    // Life 2: a cold start (census) in a view number that life 3 will use again.
    List<Object[]> stale = new ArrayList<>();
    sim.crashAll();
    sim.capture = stale;
    sim.restartAll();
    awaitAllNormal(sim, 400);
    long lifeTwoView = sim.status(0).view();
    int p = sim.global.size();
    assertThat(sim.status(0).logSlots()).as("precondition: life 2 has an empty log").isZero();
    // Slot 0 of life 2 (at position p) reaches one other member, by ENTRY only.
    int seq = sim.nextSequencer(0);
    int witness = (seq + 1) % 5;
    sim.isolateExcept(seq, witness);
    sim.dropSend = (from, m) -> from == seq && m.body() instanceof Sequence;
    sim.broadcast(seq);
    for (int t = 0; t < 40 && sim.status(witness).logSlots() == 0; t++) {
      sim.run(1, 0);
    }
    sim.dropSend = null;
    assertThat(sim.status(witness).logSlots()).as("precondition: witness got slot 0").isOne();
    assertThat(sim.global).as("precondition: slot 0 not delivered").hasSize(p);
    assertThat(stale).as("precondition: an ENTRY of slot 0 at position p was sent")
        .anyMatch(o -> isEntry((byte[]) o[1], sim, lifeTwoView, p));
    sim.capture = null;
    // Life 3. Replay the log-carrying datagrams (ENTRY, SEQUENCE, REQUEST, HEARTBEAT) before the
    // census, right after it and once everyone is NORMAL in the reused view number; then the
    // view-change datagrams too (a stale VIEW_CHANGE or START_VIEW of a higher number may cost
    // one extra view change, never a wrong install).
    sim.crashAll();
    sim.heal();
    sim.restartAll();
    replay(sim, stale, false, -1);
    for (int t = 0; t < 500 && sim.censusStarts < 2; t++) {
      sim.run(1, 0);
    }
    assertThat(sim.censusStarts).isEqualTo(2);
    replay(sim, stale, false, -1);
    awaitAllNormal(sim, 400);
    long lifeThreeView = sim.status(0).view();
    assertThat(lifeThreeView).as("precondition: the view number is reused").isEqualTo(lifeTwoView);
    assertThat(sim.status(0).logSlots()).as("precondition: slot 0 is free again").isZero();
    // To one member only, with traffic at once: a stale slot 0 it accepted would differ from the
    // slot 0 the others order now.
    int target = (witness + 1) % 5;
    replay(sim, stale, false, target);
    sim.run(50, 0.2);
    replay(sim, stale, true, -1);
    sim.run(50, 0.2);
    sim.assertLiveness(400);
    long ignored = 0;
    for (int i = 0; i < 5; i++) {
      ignored += sim.status(i).counters().staleIgnored();
      assertThat(sim.nodes[i].app).isEqualTo(sim.global);
    }
    assertThat(ignored).as("stale datagrams were seen and ignored").isPositive();
    assertThat(sim.global.size()).isGreaterThan(p + 10);
    System.out.printf("stale replay: life 2 census view %d, life 3 view %d, %d datagrams,"
        + " %d ignored by incarnation%n", lifeTwoView, lifeThreeView, stale.size(), ignored);
  }

  // ------------------------------------------------------------------ helpers

  /** Runs (no new broadcasts) until every member is NORMAL in a view of all members. */
  private static void awaitAllNormal(Sim sim, int ticks) {
    for (int t = 0; t < ticks; t++) {
      boolean all = true;
      for (int i = 0; i < sim.n; i++) {
        TotemStatus st = sim.status(i);
        all &= st.status() == MemberStatus.NORMAL && st.members().size() == sim.n;
      }
      if (all) {
        return;
      }
      sim.run(1, 0);
    }
    sim.fail("not every member NORMAL in a full view within " + ticks + " ticks; "
        + sim.describe());
  }

  /** Re-sends the recorded datagrams to everyone but their sender, or only to {@code only}. */
  private static void replay(Sim sim, List<Object[]> stale, boolean viewChanges, int only) {
    for (Object[] o : stale) {
      int from = (Integer) o[0];
      TotemMessage.Body b = sim.codec.decode((byte[]) o[1]).message().body();
      if (!viewChanges && (b instanceof TotemMessage.ViewChange
          || b instanceof TotemMessage.StartView || b instanceof TotemMessage.GetView)) {
        continue;
      }
      for (int to = 0; to < sim.n; to++) {
        if (to != from && (only < 0 || to == only)) {
          sim.inject(from, to, (byte[]) o[1]);
        }
      }
    }
    sim.run(1, 0);
  }

  private static boolean isEntry(byte[] bytes, Sim sim, long view, int pos) {
    WireCodec.Decoded d = sim.codec.decode(bytes);
    return d.ok() && d.message().body() instanceof Entry e && e.logView() == view
        && e.slot() == 0 && e.firstPos() == pos;
  }

  /** The member with strictly the most delivered commands, or -1. */
  private static int uniquelyAhead(Sim sim) {
    int best = -1;
    int bestSize = -1;
    boolean tie = false;
    for (Sim.Node x : sim.nodes) {
      int s = x.app.size();
      if (s > bestSize) {
        best = x.id;
        bestSize = s;
        tie = false;
      } else if (s == bestSize) {
        tie = true;
      }
    }
    return tie ? -1 : best;
  }

  /** The lowest member id at the largest delivered position. */
  private static int top(Sim sim) {
    int best = 0;
    for (Sim.Node x : sim.nodes) {
      if (x.app.size() > sim.nodes[best].app.size()) {
        best = x.id;
      }
    }
    return best;
  }
}
