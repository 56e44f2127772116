package dev.marketplace.raft.sim;

import java.util.SplittableRandom;

/**
 * One randomized simulation mixing every fault: loss, duplication, long delays (reordering),
 * corruption, partitions, isolation, crashes with torn unsynced tails, restarts, snapshots and
 * chunked InstallSnapshot, with clients writing and reading through ReadIndex. In most runs
 * clients also issue batches of writes proposed together ({@code RaftCore.proposeAll}), at the
 * leader or at a follower that forwards them as one message. After the faults
 * stop the cluster must converge, every acknowledged write must survive and the client history
 * must be linearizable. Everything derives from the seed. Test code.
 */
public final class RandomRun {
  private RandomRun() {}

  /** Summary of a finished run. */
  public record Outcome(long seed, int n, long events, int ops, int ackedWrites, long torn,
      long lostWrites, long snapshotChunks, long batchesAtLeader, long batchesForwarded,
      long batchesPartlyRetried, int ackedBatchedWrites) {}

  /** Runs one seed; throws AssertionError (with seed and trace) on any violation. */
  public static Outcome run(long seed, int n, int faultTicks) {
    SplittableRandom r = new SplittableRandom(seed ^ 0x5DEECE66DL);
    Cluster.Options o = new Cluster.Options();
    o.snapshotEvery = pick(r, 0, 8, 25);
    o.maxAppendBytes = pick(r, 40, 256, 8192);
    o.maxInflight = pick(r, 1, 4, 16);
    o.snapshotChunkBytes = pick(r, 16, 64, 4096);
    o.dropProb = pickD(r, 0, 0.05, 0.2);
    o.dupProb = pickD(r, 0, 0.05);
    o.longDelayProb = pickD(r, 0, 0.05);
    o.corruptProb = pickD(r, 0, 0, 0.01);
    o.syncDelayMax = pick(r, 0, 5, 40);
    o.electionTicks = pick(r, 10, 10, 5);
    o.preVote = r.nextInt(5) != 0; // safety must not depend on the liveness features
    o.checkQuorum = r.nextInt(5) != 0;
    o.crashReportProb = pickD(r, 0, 0.5, 1);
    // client batches (RaftCore.proposeAll, forwarded by followers as one PROPOSE) in 3 runs of 4
    o.maxClientBatch = pick(r, 1, 3, 5, 8);
    o.clientBatchProb = pickD(r, 0.3, 0.7);
    o.ignoreLeaderHintProb = pickD(r, 0, 0.2, 0.5);
    Cluster c = new Cluster(n, seed, o);
    c.keys = 1 + r.nextInt(3);
    c.startClients(2 + r.nextInt(3));
    long end = c.now() + (long) faultTicks * Cluster.TICK;
    while (c.now() < end) {
      c.runTicks(3 + r.nextInt(25));
      nemesis(c, r);
    }
    c.heal();
    for (int i = 0; i < n; i++) c.restart(i);
    o.dropProb = 0;
    o.dupProb = 0;
    o.longDelayProb = 0;
    o.corruptProb = 0;
    c.stopClients();
    if (!c.runUntil(() -> c.clientsIdle() && c.converged(), 600)) {
      throw c.failure("liveness: no convergence 600 ticks after healing\n" + c.describe());
    }
    c.checkAckedWritesSurvive();
    Linearizability.Result lin = Linearizability.check(c.historyForCheck());
    if (!lin.ok()) {
      throw c.failure("not linearizable on key " + lin.badKey() + ": " + lin.badHistory());
    }
    long torn = 0;
    long lost = 0;
    long chunks = 0;
    for (Cluster.Node nd : c.nodes) {
      torn += nd.disk.tornCrashes;
      lost += nd.disk.lostWrites;
      chunks += c.sentCount(dev.marketplace.raft.MessageType.SNAPSHOT, nd.id);
    }
    int ackedBatched = 0;
    for (Cluster.HistOp op : c.history) if (op.write && op.batch > 1 && op.done()) ackedBatched++;
    return new Outcome(seed, n, c.events, c.history.size(), c.ackedWrites(), torn, lost, chunks,
        c.clientBatchesAtLeader, c.clientBatchesForwarded, c.clientBatchesPartlyRetried,
        ackedBatched);
  }

  private static void nemesis(Cluster c, SplittableRandom r) {
    int n = c.n;
    int victim = r.nextInt(n);
    switch (r.nextInt(11)) {
      case 0 -> c.crash(victim, r.nextInt(4) == 0);
      case 1 -> c.crashWithUnsyncedTail(victim, 2 + r.nextInt(3), 10);
      case 2, 3 -> {
        for (int i = 0; i < n; i++) {
          if (!c.nodes[i].alive) {
            c.restart(i);
            break;
          }
        }
      }
      case 4 -> c.isolate(victim);
      case 5 -> {
        int size = 1 + r.nextInt(n - 1);
        int[] group = new int[size];
        int start = r.nextInt(n);
        for (int i = 0; i < size; i++) group[i] = (start + i) % n;
        c.partition(group);
      }
      case 6, 7 -> c.heal();
      case 8 -> {
        int l = c.leader();
        if (l >= 0) c.crash(l);
      }
      case 9 -> {
        // a broken-link hint that may be false: the victim may be alive and still leading
        int to = r.nextInt(n);
        if (to != victim) c.reportUnreachable(to, victim, r.nextInt(5));
      }
      default -> c.opt.dropProb = pickD(r, 0, 0.1, 0.3);
    }
  }

  private static int pick(SplittableRandom r, int... xs) {
    return xs[r.nextInt(xs.length)];
  }

  private static double pickD(SplittableRandom r, double... xs) {
    return xs[r.nextInt(xs.length)];
  }
}
