package dev.marketplace.raft.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Randomized sweep over seeds, across 3, 5 and 7 nodes, mixing all faults (see {@link
 * RandomRun}). {@code -Draft.sweep.seeds=N} sets how many seeds (default 2000), {@code
 * -Draft.sweep.seed=S} replays one seed, {@code -Draft.sweep.ticks=T} sets the faulty phase length.
 */
class RandomizedSweepTest {
  private static final int SEEDS = Integer.getInteger("raft.sweep.seeds", 2000);
  private static final int TICKS = Integer.getInteger("raft.sweep.ticks", 150);

  static int sizeFor(long seed) {
    return new int[] {3, 5, 7}[(int) Math.floorMod(seed, 3L)];
  }

  @TestFactory
  Stream<DynamicTest> sweep() {
    String one = System.getProperty("raft.sweep.seed");
    LongStream seeds = one != null ? LongStream.of(Long.parseLong(one))
        : LongStream.range(1, SEEDS + 1);
    // seeds are grouped so the report stays readable; each group fails with the seed inside
    List<DynamicTest> tests = new ArrayList<>();
    long[] all = seeds.toArray();
    int group = 100;
    for (int i = 0; i < all.length; i += group) {
      long[] part = java.util.Arrays.copyOfRange(all, i, Math.min(all.length, i + group));
      String name = "seeds " + part[0] + ".." + part[part.length - 1];
      tests.add(DynamicTest.dynamicTest(name, () -> {
        for (long s : part) RandomRun.run(s, sizeFor(s), TICKS);
      }));
    }
    return tests.stream();
  }

  @Test
  void sameSeedReplaysExactly() {
    RandomRun.Outcome a = RandomRun.run(42, 5, 150);
    RandomRun.Outcome b = RandomRun.run(42, 5, 150);
    assertThat(a).isEqualTo(b);
    assertThat(a.ackedWrites()).isPositive();
  }

  @Test
  void sweepWorkloadProposesBatchesAtLeadersAndThroughFollowers() {
    // the sweep must really exercise proposeAll: batches appended by a leader, batches forwarded
    // as one PROPOSE by a follower, batched writes acknowledged, and retries of a batch's rest
    // after part of it was acknowledged (a batch cut by a fault)
    long atLeader = 0;
    long forwarded = 0;
    long partly = 0;
    long ackedBatched = 0;
    for (long s = 1; s <= 40; s++) {
      RandomRun.Outcome o = RandomRun.run(s, sizeFor(s), TICKS);
      atLeader += o.batchesAtLeader();
      forwarded += o.batchesForwarded();
      partly += o.batchesPartlyRetried();
      ackedBatched += o.ackedBatchedWrites();
    }
    System.out.printf("seeds 1..40: batches at leader %d, forwarded %d, partly retried %d,"
        + " acknowledged batched writes %d%n", atLeader, forwarded, partly, ackedBatched);
    assertThat(atLeader).isPositive();
    assertThat(forwarded).isPositive();
    assertThat(partly).isPositive();
    assertThat(ackedBatched).isPositive();
  }
}
