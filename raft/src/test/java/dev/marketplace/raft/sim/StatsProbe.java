package dev.marketplace.raft.sim;

import org.junit.jupiter.api.Test;

class StatsProbe {
  @Test
  void probe() {
    long ops = 0, acked = 0, torn = 0, ev = 0, lost = 0, ch = 0;
    for (long s = 1; s <= 60; s++) {
      RandomRun.Outcome o = RandomRun.run(s, RandomizedSweepTest.sizeFor(s), 150);
      ops += o.ops(); acked += o.ackedWrites(); torn += o.torn(); ev += o.events(); lost += o.lostWrites(); ch += o.snapshotChunks();
    }
    System.out.println("PROBE ops=" + ops + " acked=" + acked + " torn=" + torn + " events=" + ev + " lost=" + lost + " chunks=" + ch);
  }
}
