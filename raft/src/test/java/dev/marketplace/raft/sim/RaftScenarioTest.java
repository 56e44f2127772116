package dev.marketplace.raft.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.marketplace.raft.Message;
import dev.marketplace.raft.MessageType;
import dev.marketplace.raft.ProposeResult;
import dev.marketplace.raft.Role;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Named adversarial scenarios run in the deterministic simulator. Every scenario also gets the
 * simulator's per-event safety checks (election safety, log matching, leader completeness, state
 * machine safety, monotonic commit/apply). Section numbers refer to the Raft paper (Ongaro and
 * Ousterhout, 2014) and, where marked, Ongaro's thesis.
 */
class RaftScenarioTest {

  private static Cluster.Options opts() {
    return new Cluster.Options();
  }

  private static void assertConverges(Cluster c, long ticks) {
    assertThat(c.runUntil(c::converged, ticks)).as("converged\n" + c.describe()).isTrue();
  }

  /** Writes through the current leader and waits until every listed node applied it. */
  private static void write(Cluster c, String k, String v, int... on) {
    int l = c.awaitLeader(200);
    assertThat(c.propose(l, k, v).accepted()).isTrue();
    assertThat(c.runUntil(() -> c.hasValue(k, v, on), 200)).as(k + "=" + v + "\n" + c.describe())
        .isTrue();
  }

  /** Waits for a stable leader that is none of the given nodes. */
  private static int awaitLeaderNotIn(Cluster c, int... not) {
    boolean ok = c.runUntil(() -> {
      int l = c.leader();
      if (l < 0 || java.util.Arrays.stream(not).anyMatch(x -> x == l)) return false;
      int follow = 0;
      for (Cluster.Node nd : c.nodes) {
        if (nd.alive && nd.core.leader() == l && nd.core.term() == c.nodes[l].core.term()) follow++;
      }
      return follow > c.n / 2;
    }, 400);
    assertThat(ok).as("new leader\n" + c.describe()).isTrue();
    return c.leader();
  }

  private static int[] except(int n, int... out) {
    return java.util.stream.IntStream.range(0, n)
        .filter(i -> java.util.Arrays.stream(out).noneMatch(o -> o == i)).toArray();
  }

  @Test
  void initialElectionChoosesOneLeaderAllFollow_5_2() {
    Cluster c = new Cluster(5, 11);
    int l = c.awaitLeader(100);
    c.runTicks(50);
    assertThat(c.leader()).isEqualTo(l);
    long term = c.nodes[l].core.term();
    for (Cluster.Node nd : c.nodes) {
      assertThat(nd.core.term()).isEqualTo(term);
      assertThat(nd.core.leader()).isEqualTo(l);
    }
    // a stable leader keeps its term: heartbeats prevent new elections (§5.2)
    assertThat(term).isEqualTo(1);
  }

  @Test
  void reElectionAfterLeaderLoss_5_2() {
    Cluster c = new Cluster(5, 12);
    int l1 = c.awaitLeader(100);
    c.crash(l1);
    int l2 = c.awaitLeader(200);
    assertThat(l2).isNotEqualTo(l1);
    c.restart(l1);
    c.runTicks(50);
    assertThat(c.nodes[l1].core.role()).isEqualTo(Role.FOLLOWER);
    write(c, "x", "1", c.all());
  }

  @Test
  void noElectionWithoutMajority_5_2() {
    Cluster c = new Cluster(5, 13);
    int l = c.awaitLeader(100);
    int[] others = except(5, l);
    c.crash(l);
    c.crash(others[0]);
    c.crash(others[1]);
    c.runTicks(300);
    assertThat(c.leader()).isEqualTo(-1);
    c.restart(others[0]);
    c.awaitLeader(200);
  }

  @Test
  void rejoiningNodeDoesNotDisruptStableLeader_thesis9_6() {
    Cluster c = new Cluster(5, 14);
    int l = c.awaitLeader(100);
    long term = c.nodes[l].core.term();
    int f = (l + 1) % 5;
    c.isolate(f);
    c.runTicks(300); // f times out again and again, but pre-vote never raises its term
    assertThat(c.nodes[f].core.term()).isEqualTo(term);
    c.heal();
    c.runTicks(100);
    assertThat(c.leader()).isEqualTo(l);
    assertThat(c.nodes[l].core.term()).isEqualTo(term);
    assertThat(c.nodes[f].core.leader()).isEqualTo(l);
  }

  @Test
  void nodeCutOffFromLeaderAloneCannotDisruptIt_leaderLease_thesis9_6() {
    // f loses only its link to the leader; its log is as up to date as anyone's, so without the
    // lease the others would grant its (pre-)votes and depose a healthy leader
    Cluster c = new Cluster(5, 15);
    int l = c.awaitLeader(100);
    long term = c.nodes[l].core.term();
    int f = (l + 1) % 5;
    assertConverges(c, 100); // f's log is as up to date as the leader's
    c.cut(l, f);
    for (int i = 0; i < 30; i++) {
      c.runTicks(10);
      assertThat(c.leader()).isEqualTo(l);
      assertThat(c.nodes[l].core.term()).isEqualTo(term);
    }
    write(c, "x", "1", except(5, f));
  }

  /** Ticks from crashing the stable leader of a 5-node cluster until a new stable leader. */
  private static long ticksToNewLeaderAfterCrash(long seed, double reportProb) {
    Cluster.Options o = opts();
    o.crashReportProb = reportProb;
    Cluster c = new Cluster(5, seed, o);
    int l = c.awaitLeader(100);
    write(c, "x", "1", c.all());
    c.runTicks(3); // a few heartbeats: every follower's lease is fresh
    long t0 = c.now();
    c.crash(l);
    awaitLeaderNotIn(c, l);
    return (c.now() - t0) / Cluster.TICK;
  }

  @Test
  void leaderCrashSeenByTheTransportIsReplacedWithinOneElectionTimeout_peerUnreachable() {
    // a killed leader's connections reset at once; followers told so (RaftCore.peerUnreachable)
    // drop their lease and campaign after only the random part of the timeout, instead of first
    // waiting out the whole timeout (and ignoring each other's pre-votes while in the lease)
    int electionTicks = opts().electionTicks;
    for (long seed = 40; seed < 80; seed++) {
      assertThat(ticksToNewLeaderAfterCrash(seed, 1.0)).as("told, seed " + seed)
          .isLessThan(electionTicks);
      assertThat(ticksToNewLeaderAfterCrash(seed, 0)).as("silent, seed " + seed)
          .isGreaterThanOrEqualTo(electionTicks);
    }
  }

  @Test
  void leaderCrashIsReplacedInOneElectionRoundWithoutSplitVotes_preVoteYield() {
    // Two followers timing out close together both passed pre-vote (nobody remembers a
    // pre-vote), both campaigned in the same term, split the vote and everyone waited another
    // whole timeout (seed 41 took 26 ticks; with the crash reported, seed 44 took 18). Now a
    // follower that grants a pre-vote restarts its timer and a pre-candidate steps back for a
    // better or equal rival with a lower id, so the first round elects a leader.
    int electionTicks = opts().electionTicks;
    for (long seed = 40; seed < 80; seed++) {
      assertThat(ticksToNewLeaderAfterCrash(seed, 0)).as("seed " + seed)
          .isLessThan(2L * electionTicks);
    }
  }

  @Test
  void falseUnreachableHintDoesNotDeposeALiveLeader_peerUnreachable() {
    Cluster c = new Cluster(5, 61);
    int l = c.awaitLeader(100);
    long term = c.nodes[l].core.term();
    write(c, "x", "1", c.all());
    int f = (l + 1) % 5;
    for (int i = 0; i < 20; i++) {
      c.reportUnreachable(f, l, 0); // f alone thinks the leader died, again and again
      c.runTicks(10);
      assertThat(c.leader()).isEqualTo(l);
      assertThat(c.nodes[l].core.term()).isEqualTo(term);
    }
    write(c, "y", "2", c.all());
    assertThat(c.nodes[f].core.leader()).isEqualTo(l);
  }

  @Test
  void agreementWithFollowerDown_5_3() {
    Cluster c = new Cluster(3, 16);
    int l = c.awaitLeader(100);
    int f = (l + 1) % 3;
    c.crash(f);
    write(c, "a", "1", except(3, f));
    write(c, "b", "2", except(3, f));
    c.restart(f);
    assertConverges(c, 200);
    assertThat(c.hasValue("b", "2", c.all())).isTrue();
  }

  @Test
  void noCommitWithoutMajority_5_3() {
    Cluster c = new Cluster(5, 17);
    int l = c.awaitLeader(100);
    write(c, "a", "1", c.all());
    int[] f = except(5, l);
    c.crash(f[0]);
    c.crash(f[1]);
    c.crash(f[2]);
    long commit = c.nodes[l].core.commitIndex();
    ProposeResult r = c.propose(l, "b", "2");
    assertThat(r.accepted()).isTrue();
    c.runTicks(5); // less than an election timeout, so l is still leader
    assertThat(c.nodes[l].core.commitIndex()).isEqualTo(commit);
    assertThat(c.nodes[l].kv.get("b")).isNull();
    c.restart(f[0]);
    c.restart(f[1]);
    c.restart(f[2]);
    c.awaitLeader(200);
    write(c, "c", "3", c.all());
  }

  @Test
  void concurrentProposalsAreAppliedInTheSameOrderEverywhere_5_3() {
    Cluster c = new Cluster(5, 18);
    int l = c.awaitLeader(100);
    for (int i = 0; i < 40; i++) {
      int at = i % 5; // followers forward to the leader
      c.propose(at, "k" + (i % 4), "v" + i);
    }
    assertThat(l).isGreaterThanOrEqualTo(0);
    assertConverges(c, 300);
    for (int i = 1; i < 5; i++) {
      assertThat(c.nodes[i].kv.data).isEqualTo(c.nodes[0].kv.data);
    }
    assertThat(c.nodes[0].kv.data).hasSize(4);
  }

  @Test
  void partitionedOldLeaderRejoinsAndItsUncommittedEntriesAreReplaced_5_4() {
    Cluster c = new Cluster(5, 19);
    int old = c.awaitLeader(100);
    write(c, "a", "committed", c.all());
    c.isolate(old);
    for (int i = 0; i < 5; i++) c.propose(old, "u", "lost" + i); // never committed
    c.runTicks(1);
    int nl = awaitLeaderNotIn(c, old);
    assertThat(c.propose(nl, "b", "new").accepted()).isTrue();
    assertThat(c.runUntil(() -> c.hasValue("b", "new", except(5, old)), 200)).isTrue();
    c.heal();
    assertConverges(c, 300);
    assertThat(c.nodes[old].kv.get("u")).isNull();
    assertThat(c.hasValue("b", "new", c.all())).isTrue();
    assertThat(c.hasValue("a", "committed", c.all())).isTrue();
  }

  @Test
  void fastBackupOverLongDivergentLogsNeedsFewRounds_5_3() {
    Cluster.Options o = opts();
    o.maxAppendBytes = 1 << 20;
    Cluster c = new Cluster(7, 20, o);
    int old = c.awaitLeader(100);
    write(c, "a", "1", c.all());
    int buddy = (old + 1) % 7;
    c.partition(old, buddy);
    for (int i = 0; i < 60; i++) c.propose(old, "u", "div" + i); // 60 divergent entries
    c.runTicks(5);
    int nl = awaitLeaderNotIn(c, old, buddy);
    for (int i = 0; i < 60; i++) c.propose(nl, "w", "new" + i);
    assertThat(c.runUntil(() -> c.hasValue("w", "new59", except(7, old, buddy)), 300)).isTrue();
    // a further leader starts with next = its last index + 1, far beyond the divergence point
    c.crash(nl);
    int l3 = awaitLeaderNotIn(c, old, buddy, nl);
    c.restart(nl);
    long rejectsBefore = c.appendRejectsFrom(old) + c.appendRejectsFrom(buddy);
    c.heal();
    assertConverges(c, 300);
    long rounds = c.appendRejectsFrom(old) + c.appendRejectsFrom(buddy) - rejectsBefore;
    // a few rounds per lagging follower (one per divergent term), not one per entry (~120)
    assertThat(rounds).as("rejected append rounds").isLessThanOrEqualTo(8);
    assertThat(c.nodes[old].kv.get("u")).isNull();
    assertThat(c.hasValue("w", "new59", c.all())).isTrue();
    assertThat(l3).isNotEqualTo(nl);
  }

  @Test
  void wholeClusterCrashAndRestartKeepsCommittedWrites_5_3() {
    Cluster c = new Cluster(5, 21);
    write(c, "a", "1", c.all());
    write(c, "b", "2", c.all());
    for (int i = 0; i < 5; i++) c.crash(i);
    c.runTicks(20);
    for (int i = 0; i < 5; i++) c.restart(i);
    c.awaitLeader(300);
    write(c, "c", "3", c.all());
    assertThat(c.hasValue("a", "1", c.all())).isTrue();
    assertThat(c.hasValue("b", "2", c.all())).isTrue();
  }

  /** Figure 8: leaders crash right after appending; only current-term counting is safe. */
  private static void figure8(Cluster c, long seed, int iterations) {
    SplittableRandom r = new SplittableRandom(seed);
    int n = c.n;
    int seq = 0;
    for (int it = 0; it < iterations; it++) {
      int l = c.leader();
      if (l >= 0) c.propose(l, "k" + r.nextInt(3), "f" + (seq++));
      c.runTicks(r.nextInt(10) < 8 ? r.nextInt(3) : 5 + r.nextInt(20));
      l = c.leader();
      if (l >= 0 && r.nextInt(2) == 0) c.crash(l);
      int up = 0;
      for (Cluster.Node nd : c.nodes) if (nd.alive) up++;
      if (up < n / 2 + 1) {
        int s = r.nextInt(n);
        c.restart(s);
      }
    }
    for (int i = 0; i < n; i++) c.restart(i);
    c.heal();
    c.opt.dropProb = 0;
    c.opt.longDelayProb = 0;
    c.opt.dupProb = 0;
    write(c, "final", "yes", c.all());
    assertConverges(c, 500);
  }

  @Test
  void figure8ReliableNetwork_5_4_2() {
    figure8(new Cluster(5, 22), 22, 300);
  }

  @Test
  void figure8UnreliableNetwork_5_4_2() {
    Cluster.Options o = opts();
    o.dropProb = 0.1;
    o.dupProb = 0.05;
    o.longDelayProb = 0.1;
    figure8(new Cluster(5, 23, o), 23, 300);
  }

  @Test
  void agreementUnder30PercentLoss_5_3() {
    Cluster.Options o = opts();
    o.dropProb = 0.3;
    Cluster c = new Cluster(5, 24, o);
    c.startClients(3);
    c.runTicks(400);
    c.stopClients();
    o.dropProb = 0;
    assertThat(c.runUntil(() -> c.clientsIdle() && c.converged(), 400)).as(c.describe()).isTrue();
    assertThat(c.ackedWrites()).isGreaterThan(10);
    c.checkAckedWritesSurvive();
    assertThat(Linearizability.check(c.historyForCheck()).ok()).isTrue();
  }

  @Test
  void continuousChurnStaysSafeAndLinearizable() {
    churn(opts(), 25);
  }

  @Test
  void continuousChurnWithBatchedClientWritesStaysSafeAndLinearizable() {
    // clients issue up to 4 writes at once (proposeAll), half of their attempts through a
    // follower that forwards the batch, while nodes crash and restart
    Cluster.Options o = opts();
    o.maxClientBatch = 4;
    o.clientBatchProb = 0.6;
    o.ignoreLeaderHintProb = 0.5;
    Cluster c = churn(o, 38);
    assertThat(c.clientBatchesAtLeader).isPositive();
    assertThat(c.clientBatchesForwarded).isPositive();
  }

  private static Cluster churn(Cluster.Options o, long seed) {
    o.dropProb = 0.05;
    o.snapshotEvery = 15;
    Cluster c = new Cluster(5, seed, o);
    SplittableRandom r = new SplittableRandom(seed);
    c.startClients(4);
    for (int i = 0; i < 40; i++) {
      c.runTicks(5 + r.nextInt(15));
      int v = r.nextInt(5);
      if (c.nodes[v].alive) c.crash(v, r.nextBoolean());
      else c.restart(v);
      int down = 0;
      for (Cluster.Node nd : c.nodes) if (!nd.alive) down++;
      if (down > 2) {
        for (int j = 0; j < 5; j++) c.restart(j);
      }
    }
    for (int j = 0; j < 5; j++) c.restart(j);
    c.stopClients();
    o.dropProb = 0;
    assertThat(c.runUntil(() -> c.clientsIdle() && c.converged(), 500)).as(c.describe()).isTrue();
    c.checkAckedWritesSurvive();
    assertThat(c.ackedWrites()).isGreaterThan(20);
    Linearizability.Result lin = Linearizability.check(c.historyForCheck());
    assertThat(lin.ok()).as("linearizable " + lin.badHistory()).isTrue();
    return c;
  }

  @Test
  void snapshotInstalledOnLaggingFollowerInChunks_7() {
    Cluster.Options o = opts();
    o.snapshotEvery = 10;
    o.snapshotChunkBytes = 32;
    Cluster c = new Cluster(3, 26, o);
    int l = c.awaitLeader(100);
    int f = (l + 1) % 3;
    c.crash(f);
    for (int i = 0; i < 50; i++) c.propose(l, "k" + (i % 7), "v" + i);
    assertThat(c.runUntil(() -> c.nodes[l].core.snapshot().meta().index() >= 40, 300)).isTrue();
    assertThat(c.nodes[l].core.firstIndex()).isGreaterThan(2);
    c.restart(f);
    assertConverges(c, 300);
    assertThat(c.sentCount(MessageType.SNAPSHOT, f)).isGreaterThan(1); // chunked
    assertThat(c.nodes[f].kv.data).isEqualTo(c.nodes[l].kv.data);
    write(c, "after", "snap", c.all()); // replication resumes after the snapshot
  }

  @Test
  void restartFromSnapshotPlusLog_7() {
    Cluster.Options o = opts();
    o.snapshotEvery = 20;
    Cluster c = new Cluster(3, 27, o);
    int l = c.awaitLeader(100);
    for (int i = 0; i < 35; i++) c.propose(l, "k" + (i % 5), "v" + i);
    assertConverges(c, 300);
    for (int i = 0; i < 3; i++) write(c, "tail", "t" + i, c.all());
    for (int i = 0; i < 3; i++) c.crash(i);
    for (int i = 0; i < 3; i++) {
      assertThat(c.nodes[i].disk.snapshot().index()).isGreaterThan(0);
      assertThat(c.nodes[i].disk.lastIndex()).isGreaterThan(c.nodes[i].disk.snapshot().index());
    }
    for (int i = 0; i < 3; i++) c.restart(i);
    write(c, "k0", "after", c.all());
    for (int i = 0; i < 3; i++) assertThat(c.nodes[i].kv.get("k4")).isEqualTo("v34");
  }

  @Test
  void tornTailRecoveryKeepsTheClusterConsistent() {
    Cluster.Options o = opts();
    o.syncDelayMax = 60; // long fsyncs: unsynced tails are common
    o.maxAppendBytes = 1 << 16;
    Cluster c = new Cluster(3, 28, o);
    SplittableRandom r = new SplittableRandom(28);
    c.startClients(3);
    long torn = 0;
    for (int round = 0; round < 40; round++) {
      int l = c.awaitLeader(300);
      int f = (l + 1 + r.nextInt(2)) % 3;
      c.isolate(f);
      c.runTicks(3);
      c.heal(); // f receives a multi-entry catch-up append
      c.crashWithUnsyncedTail(f, 2, 20);
      c.runTicks(r.nextInt(5));
      if (r.nextInt(3) == 0) c.crashWithUnsyncedTail(c.awaitLeader(300), 2, 20);
      for (int i = 0; i < 3; i++) c.restart(i);
    }
    for (Cluster.Node nd : c.nodes) torn += nd.disk.tornCrashes;
    c.stopClients();
    assertThat(c.runUntil(() -> c.clientsIdle() && c.converged(), 500)).as(c.describe()).isTrue();
    c.checkAckedWritesSurvive();
    assertThat(torn).as("crashes that tore an append").isPositive();
    assertThat(Linearizability.check(c.historyForCheck()).ok()).isTrue();
  }

  @Test
  void readIndexReturnsLatestCommittedWrite_thesis6_4() {
    Cluster c = new Cluster(5, 29);
    int l = c.awaitLeader(100);
    write(c, "k", "1", l);
    // immediately after the leader applied it, a follower's ReadIndex read must see it even
    // though the follower may not have applied it yet
    int f = (l + 2) % 5;
    c.propose(l, "k", "2");
    assertThat(c.runUntil(() -> "2".equals(c.nodes[l].kv.get("k")), 100)).isTrue();
    Cluster.DirectRead fr = c.read(f, "k");
    Cluster.DirectRead lr = c.read(l, "k");
    assertThat(c.runUntil(() -> fr.done && lr.done, 100)).isTrue();
    assertThat(fr.value).isEqualTo("2");
    assertThat(lr.value).isEqualTo("2");
  }

  @Test
  void readIndexOnIsolatedOldLeaderNeverAnswersStale_thesis6_4() {
    Cluster c = new Cluster(5, 30);
    int old = c.awaitLeader(100);
    write(c, "k", "1", c.all());
    c.isolate(old);
    int nl = awaitLeaderNotIn(c, old);
    assertThat(c.propose(nl, "k", "2").accepted()).isTrue();
    assertThat(c.runUntil(() -> c.hasValue("k", "2", except(5, old)), 200)).isTrue();
    Cluster.DirectRead stale = c.read(old, "k");
    c.runTicks(50);
    assertThat(stale.done).isFalse(); // could not confirm leadership: no answer, not "1"
    assertThat(nl).isNotEqualTo(old);
  }

  @Test
  void followerForwardsProposalToLeader() {
    Cluster c = new Cluster(3, 31);
    int l = c.awaitLeader(100);
    int f = (l + 1) % 3;
    assertThat(c.runUntil(() -> c.nodes[f].core.leader() == l, 50)).isTrue();
    ProposeResult r = c.propose(f, "fw", "1");
    assertThat(r.status()).isEqualTo(ProposeResult.Status.FORWARDED);
    assertThat(r.leaderHint()).isEqualTo(l);
    assertThat(c.runUntil(() -> c.hasValue("fw", "1", c.all()), 100)).isTrue();
  }

  private static final String[] BATCH = {"1", "2", "3", "4", "5", "6"};

  /**
   * The batch's entries in a node's log: each at most once, in batch order, at consecutive
   * indexes of one term, i.e. a prefix of the batch. Returns how many.
   */
  private static int batchPrefixIn(Cluster c, int node) {
    List<Cluster.LoggedPut> puts = c.loggedPuts(node, "b");
    for (int i = 0; i < puts.size(); i++) {
      Cluster.LoggedPut p = puts.get(i);
      assertThat(p.value()).as("node " + node + " log " + puts).isEqualTo(BATCH[i]);
      assertThat(p.index()).as("node " + node + " log " + puts).isEqualTo(puts.get(0).index() + i);
      assertThat(p.term()).as("node " + node + " log " + puts).isEqualTo(puts.get(0).term());
    }
    return puts.size();
  }

  /** The one PROPOSE among released messages. */
  private static Message proposeOf(List<Message> released) {
    List<Message> p = released.stream().filter(m -> m.type() == MessageType.PROPOSE).toList();
    assertThat(p).as("held " + released).hasSize(1);
    return p.get(0);
  }

  @Test
  void forwardedBatchCutByLeaderCrashKeepsAPrefixInOrderAndAppliesItOnce_5_4() {
    // A follower forwards a batch as one PROPOSE; the leader appends it, but partitioned with that
    // follower alone it cannot commit, and it crashes when the follower holds only part of the
    // batch (one entry per append). The follower, whose log is the most up to date, is elected
    // and commits what it holds: a strict prefix of the batch survives, in order, exactly once;
    // the rest is lost everywhere, also in the old leader's log once it rejoins.
    Cluster.Options o = opts();
    o.maxAppendBytes = 1; // one entry per AppendEntries
    Cluster c = new Cluster(5, 34, o);
    int l = c.awaitLeader(100);
    write(c, "a", "0", c.all());
    int f = (l + 1) % 5;
    int[] rest = except(5, l, f);
    long base = c.nodes[l].core.lastIndex();
    c.partition(l, f);
    ProposeResult r = c.proposeAll(f, c.directCommands("b", BATCH));
    assertThat(r.status()).isEqualTo(ProposeResult.Status.FORWARDED);
    assertThat(r.leaderHint()).isEqualTo(l);
    assertThat(c.runUntil(() -> c.nodes[f].core.lastIndex() >= base + 2, 50)).isTrue();
    int held = (int) (c.nodes[f].core.lastIndex() - base);
    assertThat(held).as("follower holds part of the batch").isBetween(2, BATCH.length - 1);
    assertThat(c.nodes[l].core.lastIndex()).isEqualTo(base + BATCH.length);
    assertThat(c.nodes[l].core.commitIndex()).isEqualTo(base); // 2 of 5: nothing committed
    assertThat(batchPrefixIn(c, l)).isEqualTo(BATCH.length);
    c.crash(l);
    c.crash(rest[2]); // the two others need f's vote, which they cannot get: f is elected
    c.heal();
    int nl = awaitLeaderNotIn(c, l, rest[2]);
    assertThat(nl).isEqualTo(f);
    assertThat(c.runUntil(() -> c.hasValue("b", BATCH[held - 1], f, rest[0], rest[1]), 200))
        .as(c.describe()).isTrue();
    c.restart(l);
    c.restart(rest[2]);
    write(c, "c", "after", c.all());
    assertConverges(c, 300);
    for (int i = 0; i < 5; i++) {
      assertThat(batchPrefixIn(c, i)).as("batch entries on node " + i).isEqualTo(held);
      assertThat(c.nodes[i].kv.get("b")).isEqualTo(BATCH[held - 1]);
    }
    // applied once: the dedup table saw each of the batch's seqs exactly in order up to the cut
    assertThat(c.nodes[l].core.commitIndex()).isEqualTo(c.nodes[f].core.commitIndex());
  }

  @Test
  void forwardedBatchOfAPartitionedLeaderIsReplacedWhollyByTheNewLeader_5_4() {
    // The same batch, partly replicated to the forwarding follower, but the old leader stays
    // alive in its minority; the majority elects a leader without any of the batch and commits
    // its own writes. On healing, the batch entries of both minority nodes are replaced: none is
    // ever applied anywhere, and the majority's writes survive.
    Cluster.Options o = opts();
    o.maxAppendBytes = 1;
    Cluster c = new Cluster(5, 35, o);
    int l = c.awaitLeader(100);
    write(c, "a", "0", c.all());
    int f = (l + 1) % 5;
    long base = c.nodes[l].core.lastIndex();
    c.partition(l, f);
    assertThat(c.proposeAll(f, c.directCommands("b", BATCH)).status())
        .isEqualTo(ProposeResult.Status.FORWARDED);
    assertThat(c.runUntil(() -> c.nodes[f].core.lastIndex() >= base + 2, 50)).isTrue();
    int nl = awaitLeaderNotIn(c, l, f);
    write(c, "b", "majority", except(5, l, f));
    assertThat(batchPrefixIn(c, l)).isEqualTo(BATCH.length);
    assertThat(batchPrefixIn(c, f)).isGreaterThanOrEqualTo(2);
    c.heal();
    assertConverges(c, 300);
    for (int i = 0; i < 5; i++) {
      assertThat(c.loggedPuts(i, "b")).extracting(Cluster.LoggedPut::value)
          .as("node " + i).containsExactly("majority");
      assertThat(c.nodes[i].kv.get("b")).isEqualTo("majority");
    }
    assertThat(c.leader()).isEqualTo(nl);
  }

  @Test
  void batchForwardedToALeaderThatSteppedDownInItsTermIsDroppedAndARetryCommitsItOnce() {
    // RaftCore's rule: PROPOSE is handled only by a leader; a follower or candidate of the same
    // term drops it (counted in Status.droppedMessages) and answers nothing, so the forwarder
    // learns nothing and its client retries after a timeout.
    Cluster c = new Cluster(5, 36);
    int l = c.awaitLeader(100);
    write(c, "a", "0", c.all());
    int f = (l + 1) % 5;
    long term = c.nodes[l].core.term();
    c.hold(f, l); // the forwarded batch is still on the wire ...
    List<byte[]> batch = c.directCommands("b", BATCH);
    ProposeResult r = c.proposeAll(f, batch);
    assertThat(r.status()).isEqualTo(ProposeResult.Status.FORWARDED);
    assertThat(r.leaderHint()).isEqualTo(l);
    c.partition(l, f); // ... while l loses its majority and steps down (check-quorum)
    assertThat(c.runUntil(() -> c.nodes[l].core.role() != Role.LEADER, 100)).isTrue();
    assertThat(c.nodes[l].core.term()).isEqualTo(term); // pre-vote: no higher term reached it
    long last = c.nodes[l].core.lastIndex();
    long dropped = c.nodes[l].core.status().droppedMessages();
    Message propose = proposeOf(c.release(f, l));
    assertThat(propose.term()).isEqualTo(term);
    assertThat(propose.entries()).hasSize(BATCH.length); // the whole batch in one message
    c.runTicks(1);
    assertThat(c.nodes[l].core.term()).isEqualTo(term);
    assertThat(c.nodes[l].core.status().droppedMessages()).isGreaterThan(dropped);
    assertThat(c.nodes[l].core.lastIndex()).isEqualTo(last);
    assertThat(c.loggedPuts(l, "b")).isEmpty();
    c.heal();
    int nl = c.awaitLeader(300);
    assertConverges(c, 300);
    for (int i = 0; i < 5; i++) assertThat(c.loggedPuts(i, "b")).isEmpty();
    // the client's retry (same commands, same seqs) through a follower commits the batch once
    int via = (nl + 1) % 5;
    assertThat(c.runUntil(() -> c.nodes[via].core.leader() == nl, 100)).isTrue();
    assertThat(c.proposeAll(via, batch).status()).isEqualTo(ProposeResult.Status.FORWARDED);
    assertThat(c.runUntil(() -> c.hasValue("b", BATCH[BATCH.length - 1], c.all()), 200)).isTrue();
    assertConverges(c, 300);
    for (int i = 0; i < 5; i++) {
      assertThat(batchPrefixIn(c, i)).isEqualTo(BATCH.length);
      assertThat(c.nodes[i].kv.get("b")).isEqualTo(BATCH[BATCH.length - 1]);
    }
  }

  @Test
  void batchForwardedInAnOlderTermIsIgnoredByTheDeposedLeader() {
    // RaftCore's rule for a stale term: a PROPOSE whose term is below the receiver's is ignored
    // before any role handling: not appended (and no reply; the forwarder's client retries)
    Cluster c = new Cluster(5, 37);
    int l = c.awaitLeader(100);
    write(c, "a", "0", c.all());
    int f = (l + 1) % 5;
    long term = c.nodes[l].core.term();
    c.hold(f, l);
    assertThat(c.proposeAll(f, c.directCommands("b", BATCH)).status())
        .isEqualTo(ProposeResult.Status.FORWARDED);
    c.isolate(l);
    int nl = awaitLeaderNotIn(c, l);
    c.heal(); // l hears the new leader (f's messages to l are still held)
    assertThat(c.runUntil(() -> c.nodes[l].core.leader() == nl, 100)).isTrue();
    assertThat(c.nodes[l].core.term()).isGreaterThan(term);
    Message propose = proposeOf(c.release(f, l));
    assertThat(propose.term()).isEqualTo(term).isLessThan(c.nodes[l].core.term());
    assertThat(propose.entries()).hasSize(BATCH.length);
    c.runTicks(1); // delivered (the new leader's appends may reach l meanwhile)
    assertThat(c.loggedPuts(l, "b")).isEmpty();
    assertThat(c.nodes[l].core.role()).isEqualTo(Role.FOLLOWER);
    assertConverges(c, 300);
    for (int i = 0; i < 5; i++) {
      assertThat(c.loggedPuts(i, "b")).isEmpty();
      assertThat(c.nodes[i].kv.get("b")).isNull();
    }
  }

  @Test
  void leaderWithoutQuorumStepsDown_checkQuorum() {
    Cluster c = new Cluster(5, 32);
    int l = c.awaitLeader(100);
    c.isolate(l);
    c.runTicks(30);
    assertThat(c.nodes[l].core.role()).isNotEqualTo(Role.LEADER);
    assertThat(c.propose(l, "x", "y").status()).isEqualTo(ProposeResult.Status.NO_LEADER);
  }

  @Test
  void singleNodeClusterCommitsAlone() {
    Cluster c = new Cluster(1, 33);
    c.awaitLeader(100);
    write(c, "solo", "1", 0);
    Cluster.DirectRead rd = c.read(0, "solo");
    assertThat(c.runUntil(() -> rd.done, 10)).isTrue();
    assertThat(rd.value).isEqualTo("1");
  }
}
