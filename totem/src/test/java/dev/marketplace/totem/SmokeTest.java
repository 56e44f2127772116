package dev.marketplace.totem;

import org.junit.jupiter.api.Test;

class SmokeTest {
  @Test
  void smoke() {
    for (long seed = 1; seed <= 20; seed++) {
      Sim sim = new Sim(seed, 5);
      sim.loss(0.3).dup(0.05);
      sim.run(100, 0.2);
      sim.crash(1);
      sim.run(100, 0.2);
      sim.restart(1);
      sim.run(100, 0.2);
      sim.assertLiveness(400);
      System.out.println("seed " + seed + " delivered " + sim.global.size() + " events " + sim.events);
    }
  }
}
