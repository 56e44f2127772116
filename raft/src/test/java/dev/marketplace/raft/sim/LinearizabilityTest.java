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

  private static Cluster.HistOp bw(int client, long seq, int batch, String v, long a, long b) {
    Cluster.HistOp op = new Cluster.HistOp(client, true, "k", v, a, seq, batch);
    op.response = b;
    return op;
  }

  @Test
  void writesOfOneBatchTakeEffectInSeqOrder() {
    // one batch (client 1, seqs 1..2, invoked together) and a read seeing each value in turn
    assertThat(Linearizability.check(List.of(bw(1, 1, 2, "a", 0, 10), bw(1, 2, 2, "b", 0, 12),
        r("a", 1, 2), r("b", 3, 4))).ok()).isTrue();
    // seeing the second write and then the first means the batch was applied out of order:
    // plain linearizability would accept it (both writes are concurrent with both reads)
    assertThat(Linearizability.check(List.of(bw(1, 1, 2, "a", 0, 10), bw(1, 2, 2, "b", 0, 12),
        r("b", 1, 2), r("a", 3, 4))).ok()).isFalse();
    assertThat(Linearizability.check(List.of(w("a", 0, 10), w("b", 0, 12),
        r("b", 1, 2), r("a", 3, 4))).ok()).isTrue();
  }

  @Test
  void manyConcurrentBatchesOnOneKeyAreCheckedQuickly() {
    // 4 clients with 8 writes each, all concurrent on one key, and reads in between that see
    // the last write of client 4: 2^32 subsets without the batch order, 9^4 with it
    List<Cluster.HistOp> h = new java.util.ArrayList<>();
    for (int c = 1; c <= 4; c++) {
      for (int s = 1; s <= 8; s++) h.add(bw(c, s, 8, "v" + c + "." + s, c, 1000 + s));
    }
    h.add(r("v4.8", 900, 910));
    h.add(r("v2.1", 920, 930)); // fine: client 2's batch may come last, then its first write
    assertThat(Linearizability.check(h).ok()).isTrue();
    h.add(r("v4.8", 2000, 2010)); // after everything returned, the final value is client 2's
    assertThat(Linearizability.check(h).ok()).isFalse();
  }
}
