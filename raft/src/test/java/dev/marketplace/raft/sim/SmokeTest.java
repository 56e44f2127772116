package dev.marketplace.raft.sim;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SmokeTest {
  @Test
  void electsAndReplicates() {
    Cluster c = new Cluster(3, 1);
    int l = c.awaitLeader(100);
    assertThat(c.propose(l, "a", "1").accepted()).isTrue();
    assertThat(c.runUntil(() -> c.hasValue("a", "1", c.all()), 50)).as(c.describe()).isTrue();
    c.startClients(3);
    c.runTicks(200);
    c.stopClients();
    assertThat(c.runUntil(() -> c.clientsIdle() && c.converged(), 300)).as(c.describe()).isTrue();
    System.out.println("acked " + c.ackedWrites() + " events " + c.events + "\n" + c.describe());
  }
}
