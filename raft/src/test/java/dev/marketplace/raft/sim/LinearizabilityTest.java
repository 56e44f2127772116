package dev.marketplace.raft.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class LinearizabilityTest {
  private static Cluster.HistOp w(String v, long a, long b) {
    Cluster.HistOp op = new Cluster.HistOp(1, true, "k", v, a);
    op.response = b;
    return op;
  }

  private static Cluster.HistOp r(String v, long a, long b) {
    Cluster.HistOp op = new Cluster.HistOp(2, false, "k", v, a);
    op.response = b;
    return op;
  }

  @Test
  void sequentialHistoryIsLinearizable() {
    assertThat(Linearizability.check(List.of(w("1", 0, 1), r("1", 2, 3), w("2", 4, 5),
        r("2", 6, 7))).ok()).isTrue();
  }

  @Test
  void staleReadAfterCompletedWriteIsNot() {
    assertThat(Linearizability.check(List.of(w("1", 0, 1), w("2", 2, 3), r("1", 4, 5)))
        .ok()).isFalse();
  }

  @Test
  void readOfNeverWrittenValueIsNot() {
    assertThat(Linearizability.check(List.of(w("1", 0, 1), r("9", 2, 3))).ok()).isFalse();
  }

  @Test
  void concurrentWriteMayBeSeenOrNot() {
    assertThat(Linearizability.check(List.of(w("1", 0, 1), w("2", 2, 10), r("1", 3, 4),
        r("2", 5, 6))).ok()).isTrue();
    // but once seen, a later read cannot go back
    assertThat(Linearizability.check(List.of(w("1", 0, 1), w("2", 2, 10), r("2", 3, 4),
        r("1", 5, 6))).ok()).isFalse();
  }

  @Test
  void pendingWriteMayTakeEffect() {
    Cluster.HistOp pending = new Cluster.HistOp(1, true, "k", "p", 0);
    assertThat(Linearizability.check(List.of(pending, r(null, 1, 2), r("p", 3, 4))).ok())
        .isTrue();
    Cluster.HistOp pending2 = new Cluster.HistOp(1, true, "k", "p", 5);
    assertThat(Linearizability.check(List.of(r("p", 1, 2), pending2)).ok()).isFalse();
  }
}
