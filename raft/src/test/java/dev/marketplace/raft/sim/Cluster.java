package dev.marketplace.raft.sim;

import dev.marketplace.raft.LogEntry;
import dev.marketplace.raft.Message;
import dev.marketplace.raft.MessageCodec;
import dev.marketplace.raft.MessageDecodeException;
import dev.marketplace.raft.MessageType;
import dev.marketplace.raft.ProposeResult;
import dev.marketplace.raft.RaftConfig;
import dev.marketplace.raft.RaftCore;
import dev.marketplace.raft.ReadState;
import dev.marketplace.raft.Ready;
import dev.marketplace.raft.Role;
import dev.marketplace.raft.SnapshotMeta;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import java.util.function.BooleanSupplier;

/**
 * Deterministic simulator of a Raft cluster: a virtual clock, a seeded random source, a lossy
 * network that carries every message as encoded bytes (drop, duplicate, delay/reorder, corrupt,
 * partitions), simulated disks with crash semantics, a key-value state machine per node, and
 * clients issuing writes (alone, or in batches proposed together with {@link
 * RaftCore#proposeAll}) and ReadIndex reads. Safety invariants are checked after every event; a
 * violation throws an {@link AssertionError} carrying the seed and the last deliveries. Test
 * code; not thread-safe.
 */
public final class Cluster {
  /** Virtual time units per Raft tick. */
  public static final int TICK = 10;
  private static final int TRACE = 30;

  /** Knobs of one simulation; mutable before and during a run. */
  public static final class Options {
    public int electionTicks = 10;
    public int heartbeatTicks = 1;
    public long maxAppendBytes = 256;
    public int maxInflight = 8;
    public int snapshotChunkBytes = 64;
    public boolean preVote = true;
    public boolean checkQuorum = true;
    /** Take a state machine snapshot every this many applied entries (0 = never). */
    public int snapshotEvery = 0;
    public double dropProb = 0;
    public double dupProb = 0;
    public double corruptProb = 0;
    public double longDelayProb = 0;
    public int minDelay = 1;
    public int maxDelay = 6;
    /** Max time units between a write and its fsync. */
    public int syncDelayMax = 3;
    /** Client attempts time out after this many ticks. */
    public int clientTimeoutTicks = 25;
    /**
     * Chance that each live node is told, right after the crashed node's last messages could
     * have arrived, that its link to the crashed node broke ({@link RaftCore#peerUnreachable}),
     * as a transport sees a killed peer's connection reset. 0 = never (no random draws, so
     * older scenarios replay unchanged).
     */
    public double crashReportProb = 0;
    /**
     * Largest number of writes a client issues at once (1 = one write at a time). A client's
     * writes issued together are proposed together with {@link RaftCore#proposeAll} (a
     * follower forwards them as one PROPOSE message), and so are its retries of the ones not
     * yet acknowledged; each write is still its own operation in the history. 1 = no extra
     * random draws, so older scenarios replay unchanged.
     */
    public int maxClientBatch = 1;
    /** With maxClientBatch > 1: chance that a client's next operation is a batch of 2.. writes. */
    public double clientBatchProb = 0;
    /**
     * Chance that a client attempt goes to a random node even when it knows the leader, so
     * that proposals (and batches) are forwarded by followers, not only made at the leader.
     * 0 = never (no random draws).
     */
    public double ignoreLeaderHintProb = 0;
  }

  /** One client-visible operation, for the linearizability check. */
  public static final class HistOp {
    public final int client;
    public final boolean write;
    public final String key;
    public String value;
    public final long invoke;
    public long response = Long.MAX_VALUE;
    /** The client's sequence number of a write (its dedup key in the state machine); 0 for reads. */
    public final long seq;
    /** How many writes the client issued together with this one (1 = alone; reads: 1). */
    public final int batch;

    HistOp(int client, boolean write, String key, String value, long invoke, long seq, int batch) {
      this.client = client;
      this.write = write;
      this.key = key;
      this.value = value;
      this.invoke = invoke;
      this.seq = seq;
      this.batch = batch;
    }

    /** An operation for checker tests: no seq, not part of a batch. */
    HistOp(int client, boolean write, String key, String value, long invoke) {
      this(client, write, key, value, invoke, 0, 1);
    }

    public boolean done() {
      return response != Long.MAX_VALUE;
    }

    @Override
    public String toString() {
      return "c" + client + (write ? " put#" + seq + (batch > 1 ? "/b" + batch : "") + " " : " get ")
          + key + "=" + value + " [" + invoke + "," + (done() ? response : "?") + "]";
    }
  }

  private static final class Event implements Comparable<Event> {
    final long time;
    final long seq;
    final Runnable action;

    Event(long time, long seq, Runnable action) {
      this.time = time;
      this.seq = seq;
      this.action = action;
    }

    @Override
    public int compareTo(Event o) {
      return time != o.time ? Long.compare(time, o.time) : Long.compare(seq, o.seq);
    }
  }

  /** One simulated server. */
  public final class Node {
    public final int id;
    public final SimDisk disk = new SimDisk();
    public RaftCore core;
    public KvStateMachine kv = new KvStateMachine();
    public boolean alive = true;
    int incarnation;
    final ArrayDeque<Ready> unsynced = new ArrayDeque<>();
    boolean syncScheduled;
    final List<ReadState> waitingReads = new ArrayList<>();
    long seenCommit;
    long seenApplied;
    long seenLeaderTerm = -1;
    final int tickPhase;

    Node(int id) {
      this.id = id;
      this.tickPhase = rng.nextInt(TICK);
      this.core = new RaftCore(config(id), new SplittableRandom(coreSeed(id, 0)));
    }
  }

  private final class Client {
    final int id;
    long seq;
    /** The read in progress, or null. */
    HistOp read;
    /** The writes in progress, not yet acknowledged, in seq order (issued together). */
    final List<HistOp> writes = new ArrayList<>();
    long reqId = -1;
    int node = -1;
    int nodeIncarnation;
    int leaderHint = -1;
    int attempt;

    Client(int id) {
      this.id = id;
    }

    boolean busy() {
      return read != null || !writes.isEmpty();
    }
  }

  public final long seed;
  public final int n;
  public final Options opt;
  private final SplittableRandom rng;
  private final PriorityQueue<Event> queue = new PriorityQueue<>();
  private long eventSeq;
  private long now;
  public final Node[] nodes;
  private final boolean[][] blocked;
  private final boolean[][] held;
  private final List<HeldMessage> heldMessages = new ArrayList<>();
  private final ArrayDeque<String> trace = new ArrayDeque<>();
  private final long[][] sentByTypeTo;
  private final long[] appendRejectsFrom;
  public long delivered;
  public long droppedMessages;
  public long corruptRejected;
  public long events;
  /** Client proposals of 2+ commands (proposeAll) accepted by a leader / forwarded by a follower. */
  public long clientBatchesAtLeader;
  public long clientBatchesForwarded;
  /** Client attempts that re-proposed only the rest of a batch (part of it was acknowledged). */
  public long clientBatchesPartlyRetried;

  // invariants
  private final Map<Long, Integer> leaderOfTerm = new HashMap<>();
  private final Map<Long, Map<Long, EntryInfo>> entriesSeen = new HashMap<>();
  private final Map<Long, LogEntry> committed = new HashMap<>();
  private final Map<Long, LogEntry> appliedAt = new HashMap<>();

  private record EntryInfo(byte[] data, long prevTerm) {}

  private record HeldMessage(int from, int to, byte[] bytes, boolean corrupted) {}

  // clients
  private final List<Client> clients = new ArrayList<>();
  private final Map<Long, Client> readWaiters = new HashMap<>();
  private boolean clientsRunning;
  private long nextReqId = 1;
  public final List<HistOp> history = new ArrayList<>();
  private final Map<Integer, Long> ackedSeq = new HashMap<>();
  private long directSeq;
  public static final int DIRECT_CLIENT = 999;
  public int keys = 3;
  public double readFraction = 0.4;

  public Cluster(int n, long seed, Options opt) {
    this.n = n;
    this.seed = seed;
    this.opt = opt;
    this.rng = new SplittableRandom(seed);
    this.nodes = new Node[n];
    this.blocked = new boolean[n][n];
    this.held = new boolean[n][n];
    this.sentByTypeTo = new long[MessageType.values().length][n];
    this.appendRejectsFrom = new long[n];
    for (int i = 0; i < n; i++) nodes[i] = new Node(i);
    for (int i = 0; i < n; i++) scheduleTick(nodes[i], nodes[i].tickPhase + 1);
  }

  public Cluster(int n, long seed) {
    this(n, seed, new Options());
  }

  private RaftConfig config(int id) {
    return new RaftConfig(id, n, opt.electionTicks, opt.heartbeatTicks, opt.maxAppendBytes,
        opt.maxInflight, opt.snapshotChunkBytes, opt.preVote, opt.checkQuorum);
  }

  /**
   * The seed of one node incarnation's generator. Mixed (murmur3 finalizer): SplittableRandom
   * seeded with nearby values gave correlated draws, so nodes often drew the same election
   * timeout and campaigned in the same tick far more often than independent timers would.
   */
  private long coreSeed(int id, int incarnation) {
    long z = seed * 0x9E3779B97F4A7C15L + id * 1_000_003L + incarnation * 7919L;
    z = (z ^ (z >>> 33)) * 0xFF51AFD7ED558CCDL;
    z = (z ^ (z >>> 33)) * 0xC4CEB9FE1A85EC53L;
    return z ^ (z >>> 33);
  }

  public long now() {
    return now;
  }

  public SplittableRandom rng() {
    return rng;
  }

  // ------------------------------------------------------------------ event loop

  private void schedule(long delay, Runnable r) {
    queue.add(new Event(now + Math.max(0, delay), eventSeq++, r));
  }

  private void scheduleTick(Node node, long delay) {
    schedule(delay, () -> {
      if (node.alive) {
        node.core.tick();
        processReady(node);
      }
      scheduleTick(node, TICK);
    });
  }

  /** Runs one event and checks every invariant. */
  public void step() {
    Event e = queue.poll();
    if (e == null) throw new IllegalStateException("no events");
    now = e.time;
    events++;
    try {
      e.action.run();
    } catch (AssertionError err) {
      throw err;
    } catch (RuntimeException ex) {
      throw failure("exception: " + ex, ex);
    }
    checkInvariants();
  }

  /** Runs for the given number of ticks of virtual time. */
  public void runTicks(long ticks) {
    long end = now + ticks * TICK;
    while (!queue.isEmpty() && queue.peek().time <= end) step();
    now = Math.max(now, end);
  }

  /** Runs until cond holds (checked after each event) or maxTicks pass; returns cond. */
  public boolean runUntil(BooleanSupplier cond, long maxTicks) {
    long end = now + maxTicks * TICK;
    while (!cond.getAsBoolean()) {
      if (queue.isEmpty() || queue.peek().time > end) return cond.getAsBoolean();
      step();
    }
    return true;
  }

  // ------------------------------------------------------------------ network

  private void send(Message m) {
    sentByTypeTo[m.type().ordinal()][m.to()]++;
    if (m.type() == MessageType.APPEND_RESP && m.reject()) appendRejectsFrom[m.from()]++;
    byte[] bytes = MessageCodec.encode(m);
    int from = m.from();
    int to = m.to();
    if (blocked[from][to] || rng.nextDouble() < opt.dropProb) {
      droppedMessages++;
      return;
    }
    int copies = rng.nextDouble() < opt.dupProb ? 2 : 1;
    for (int c = 0; c < copies; c++) {
      long delay = opt.minDelay + rng.nextInt(Math.max(1, opt.maxDelay - opt.minDelay + 1));
      if (rng.nextDouble() < opt.longDelayProb) delay += rng.nextInt(5 * TICK);
      byte[] wire = bytes;
      boolean corrupt = rng.nextDouble() < opt.corruptProb;
      if (corrupt) {
        wire = bytes.clone();
        wire[rng.nextInt(wire.length)] ^= (byte) (1 + rng.nextInt(255));
      }
      byte[] payload = wire;
      schedule(delay, () -> deliver(from, to, payload, corrupt));
    }
  }

  private void deliver(int from, int to, byte[] bytes, boolean corrupted) {
    if (held[from][to]) {
      heldMessages.add(new HeldMessage(from, to, bytes, corrupted));
      return;
    }
    Node node = nodes[to];
    if (blocked[from][to] || !node.alive) {
      droppedMessages++;
      return;
    }
    Message m;
    try {
      m = MessageCodec.decode(bytes);
    } catch (MessageDecodeException e) {
      corruptRejected++;
      if (!corrupted) throw failure("decode failed without corruption: " + e, e);
      return;
    }
    delivered++;
    addTrace(m.trace());
    node.core.step(m);
    processReady(node);
  }

  private void addTrace(String s) {
    if (trace.size() == TRACE) trace.pollFirst();
    trace.addLast("@" + now + " " + s);
  }

  /** Messages of a type sent to a node so far (including dropped ones). */
  public long sentCount(MessageType type, int to) {
    return sentByTypeTo[type.ordinal()][to];
  }

  /** AppendEntries rejections a node has sent so far. */
  public long appendRejectsFrom(int id) {
    return appendRejectsFrom[id];
  }

  public void cut(int a, int b) {
    blocked[a][b] = true;
    blocked[b][a] = true;
    addTrace("cut " + a + "-" + b);
  }

  public void isolate(int a) {
    for (int i = 0; i < n; i++) {
      if (i != a) {
        blocked[a][i] = true;
        blocked[i][a] = true;
      }
    }
    addTrace("isolate " + a);
  }

  /** Splits the cluster: nodes in {@code group} can only talk among themselves. */
  public void partition(int... group) {
    boolean[] in = new boolean[n];
    for (int g : group) in[g] = true;
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) blocked[i][j] = in[i] != in[j];
    }
    addTrace("partition " + Arrays.toString(group));
  }

  /**
   * Holds back every message from {@code from} to {@code to} that would arrive from now on (a
   * one-way link that stalls without losing anything), until {@link #release}.
   */
  public void hold(int from, int to) {
    held[from][to] = true;
    addTrace("hold " + from + "->" + to);
  }

  /**
   * Ends {@link #hold}: the held messages arrive now, in the order they were held (each still
   * subject to partitions and crashes at that moment). Returns the held messages (decoded;
   * corrupted ones left out), in order.
   */
  public List<Message> release(int from, int to) {
    held[from][to] = false;
    List<Message> out = new ArrayList<>();
    Iterator<HeldMessage> it = heldMessages.iterator();
    while (it.hasNext()) {
      HeldMessage h = it.next();
      if (h.from() != from || h.to() != to) continue;
      it.remove();
      if (!h.corrupted()) {
        try {
          out.add(MessageCodec.decode(h.bytes()));
        } catch (MessageDecodeException e) {
          throw failure("decode failed without corruption: " + e, e);
        }
      }
      schedule(0, () -> deliver(h.from(), h.to(), h.bytes(), h.corrupted()));
    }
    addTrace("release " + from + "->" + to + " (" + out.size() + " held)");
    return out;
  }

  public void heal() {
    for (boolean[] row : blocked) Arrays.fill(row, false);
    addTrace("heal");
  }

  // ------------------------------------------------------------------ nodes

  public void crash(int id) {
    crash(id, false);
  }

  /** Crashes a node; unsynced writes are partly lost (or all, if loseAllUnsynced). */
  public void crash(int id, boolean loseAllUnsynced) {
    Node node = nodes[id];
    if (!node.alive) return;
    node.alive = false;
    node.disk.crash(rng, loseAllUnsynced);
    node.unsynced.clear();
    node.waitingReads.clear();
    node.syncScheduled = false;
    addTrace("crash " + id);
    if (opt.crashReportProb > 0) {
      for (int i = 0; i < n; i++) {
        if (i != id && rng.nextDouble() < opt.crashReportProb) {
          // after what the dead node had in flight (a stream reports its end after its data)
          reportUnreachable(i, id, opt.maxDelay + 1 + rng.nextInt(3));
        }
      }
    }
  }

  /**
   * After {@code delay} time units, tells node {@code to} that its link to {@code peer} broke
   * ({@link RaftCore#peerUnreachable}), whether or not that is true.
   */
  public void reportUnreachable(int to, int peer, long delay) {
    schedule(delay, () -> {
      Node nd = nodes[to];
      if (!nd.alive) return;
      addTrace("unreachable " + peer + " reported to " + to);
      nd.core.peerUnreachable(peer);
      processReady(nd);
    });
  }

  /**
   * Runs until the node has at least {@code minOps} unsynced disk writes (or maxTicks pass), then
   * crashes it with a random prefix of them surviving: the torn-tail case.
   */
  public void crashWithUnsyncedTail(int id, int minOps, long maxTicks) {
    Node node = nodes[id];
    runUntil(() -> !node.alive || node.disk.unsyncedOps() >= minOps
        || node.disk.hasTearableTail(), maxTicks);
    crash(id, false);
  }

  public void restart(int id) {
    Node node = nodes[id];
    if (node.alive) return;
    node.incarnation++;
    try {
      node.core = RaftCore.fromStorage(config(id),
          new SplittableRandom(coreSeed(id, node.incarnation)), node.disk, 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    node.kv = new KvStateMachine();
    SnapshotMeta snap = node.disk.snapshot();
    node.kv.restore(snap.index(), node.disk.snapshotData());
    node.seenCommit = node.core.commitIndex();
    node.seenApplied = node.kv.applied;
    node.seenLeaderTerm = -1;
    node.alive = true;
    addTrace("restart " + id + " (log " + node.core.firstIndex() + ".." + node.core.lastIndex()
        + ")");
  }

  private void processReady(Node node) {
    while (node.alive && node.core.hasReady()) {
      Ready rd = node.core.ready();
      handleReady(node, rd);
    }
  }

  private void handleReady(Node node, Ready rd) {
    if (rd.snapshot() != null) {
      node.disk.saveSnapshot(rd.snapshot().meta(), rd.snapshot().data());
      node.kv.restore(rd.snapshot().meta().index(), rd.snapshot().data());
    }
    if (rd.hardState() != null) node.disk.saveHardState(rd.hardState());
    if (!rd.entries().isEmpty()) {
      checkNewEntries(node, rd.entries());
      node.disk.append(rd.entries());
    }
    for (Message m : rd.messages()) send(m);
    if (!rd.committedEntries().isEmpty()) {
      for (LogEntry e : rd.committedEntries()) applyEntry(node, e);
      node.core.applied(node.kv.applied);
      if (opt.snapshotEvery > 0
          && node.kv.applied - node.core.snapshot().meta().index() >= opt.snapshotEvery) {
        byte[] data = node.kv.snapshot();
        SnapshotMeta meta = node.core.compact(node.kv.applied, data);
        node.disk.saveSnapshot(meta, data);
      }
    }
    for (ReadState rs : rd.readStates()) node.waitingReads.add(rs);
    serveReads(node);
    for (long id : rd.abortedReads()) {
      DirectRead dr = directReads.remove(id);
      if (dr != null) dr.aborted = true;
      Client c = readWaiters.remove(id);
      if (c != null && c.reqId == id) retryLater(c, 1);
    }
    if (rd.needsPersist() || !node.unsynced.isEmpty()) {
      node.unsynced.addLast(rd);
      if (!node.syncScheduled) {
        node.syncScheduled = true;
        int inc = node.incarnation;
        schedule(rng.nextInt(opt.syncDelayMax + 1), () -> sync(node, inc));
      }
    } else {
      for (Message m : rd.messagesAfterPersist()) send(m);
      node.core.persisted(rd);
    }
  }

  private void sync(Node node, int incarnation) {
    if (!node.alive || node.incarnation != incarnation) return;
    node.syncScheduled = false;
    node.disk.sync();
    while (!node.unsynced.isEmpty()) {
      Ready rd = node.unsynced.pollFirst();
      for (Message m : rd.messagesAfterPersist()) send(m);
      node.core.persisted(rd);
    }
    processReady(node);
  }

  private void applyEntry(Node node, LogEntry e) {
    LogEntry prev = appliedAt.putIfAbsent(e.index(), e);
    if (prev != null && !prev.equals(e)) {
      throw failure("state machine safety: node " + node.id + " applies " + e + " at index "
          + e.index() + " but another node applied " + prev);
    }
    long[] lastSeqBefore = {0};
    KvStateMachine.Command c = node.kv.apply(e.index(), e.data(), lastSeqBefore);
    if (c == null) return;
    if (c.client() != DIRECT_CLIENT && c.seq() > lastSeqBefore[0] + 1) {
      // A workload client proposes seq s+1 only together with (after, in one batch) s or once s
      // was acknowledged, i.e. applied; so a gap means a write vanished from the middle of a
      // batch or a batch's writes were reordered.
      throw failure("client write order: node " + node.id + " applies client " + c.client()
          + " seq " + c.seq() + " at index " + e.index() + " after seq " + lastSeqBefore[0]);
    }
    // Acknowledge the client's write with this seq if the client waits on this node (incarnation):
    // applied now, or a duplicate of one applied before (a retry). Writes issued together are
    // acknowledged one by one, as their entries apply.
    for (Client cl : clients) {
      if (cl.id != c.client() || cl.node != node.id || cl.nodeIncarnation != node.incarnation) {
        continue;
      }
      Iterator<HistOp> it = cl.writes.iterator();
      while (it.hasNext()) {
        HistOp op = it.next();
        if (op.seq != c.seq()) continue;
        op.response = now;
        ackedSeq.merge(cl.id, c.seq(), Math::max);
        it.remove();
        if (!cl.busy()) finishOp(cl);
        break;
      }
    }
  }

  private void serveReads(Node node) {
    Iterator<ReadState> it = node.waitingReads.iterator();
    while (it.hasNext()) {
      ReadState rs = it.next();
      if (node.kv.applied < rs.index()) continue;
      it.remove();
      DirectRead dr = directReads.remove(rs.requestId());
      if (dr != null) {
        dr.value = node.kv.get(dr.key);
        dr.done = true;
        continue;
      }
      Client c = readWaiters.remove(rs.requestId());
      if (c == null || c.reqId != rs.requestId() || c.read == null) continue;
      c.read.value = node.kv.get(c.read.key);
      c.read.response = now;
      finishOp(c);
    }
  }

  // ------------------------------------------------------------------ queries & direct use

  /** The live leader with the highest term, or -1. */
  public int leader() {
    int best = -1;
    for (Node nd : nodes) {
      if (nd.alive && nd.core.role() == Role.LEADER
          && (best < 0 || nd.core.term() > nodes[best].core.term())) {
        best = nd.id;
      }
    }
    return best;
  }

  /** Runs until some live node leads and a majority of live nodes follow it in its term. */
  public int awaitLeader(long maxTicks) {
    boolean ok = runUntil(() -> stableLeader() >= 0, maxTicks);
    if (!ok) throw failure("no stable leader within " + maxTicks + " ticks");
    return stableLeader();
  }

  private int stableLeader() {
    int l = leader();
    if (l < 0) return -1;
    long t = nodes[l].core.term();
    int follow = 0;
    for (Node nd : nodes) {
      if (nd.alive && nd.core.term() == t && nd.core.leader() == l) follow++;
    }
    return follow >= n / 2 + 1 ? l : -1;
  }

  /** Proposes "put key value" directly at a node (a test client with its own seq). */
  public ProposeResult propose(int nodeId, String key, String value) {
    Node node = nodes[nodeId];
    byte[] cmd = new KvStateMachine.Command(DIRECT_CLIENT, ++directSeq, key, value).encode();
    ProposeResult r = node.core.propose(cmd);
    processReady(node);
    return r;
  }

  /**
   * "put key value" commands of the test client, one per value, with new seqs (to propose with
   * {@link #proposeAll}, and to propose again unchanged as a client retry would).
   */
  public List<byte[]> directCommands(String key, String... values) {
    List<byte[]> out = new ArrayList<>(values.length);
    for (String v : values) {
      out.add(new KvStateMachine.Command(DIRECT_CLIENT, ++directSeq, key, v).encode());
    }
    return out;
  }

  /** Proposes commands together at a node with {@link RaftCore#proposeAll}, as the runtime does. */
  public ProposeResult proposeAll(int nodeId, List<byte[]> commands) {
    Node node = nodes[nodeId];
    ProposeResult r = node.core.proposeAll(commands);
    processReady(node);
    return r;
  }

  /** One "put" of the test client found in a node's log. */
  public record LoggedPut(long index, long term, String value) {}

  /**
   * The test client's puts of {@code key} in a node's log (snapshot excluded: from its first to
   * its last index, committed or not), in log order.
   */
  public List<LoggedPut> loggedPuts(int nodeId, String key) {
    RaftCore core = nodes[nodeId].core;
    List<LoggedPut> out = new ArrayList<>();
    for (long i = core.firstIndex(); i <= core.lastIndex(); i++) {
      LogEntry e = core.entryAt(i);
      if (e == null || e.data().length == 0) continue;
      KvStateMachine.Command c = KvStateMachine.Command.decode(e.data());
      if (c.client() == DIRECT_CLIENT && c.key().equals(key)) {
        out.add(new LoggedPut(e.index(), e.term(), c.value()));
      }
    }
    return out;
  }

  /** A ReadIndex read issued by a test directly at a node. */
  public static final class DirectRead {
    public final String key;
    public String value;
    public boolean done;
    public boolean aborted;

    DirectRead(String key) {
      this.key = key;
    }
  }

  private final Map<Long, DirectRead> directReads = new HashMap<>();

  /** Starts a ReadIndex read of key at a node; poll the returned handle. */
  public DirectRead read(int nodeId, String key) {
    DirectRead dr = new DirectRead(key);
    long id = nextReqId++;
    directReads.put(id, dr);
    nodes[nodeId].core.readIndex(id);
    processReady(nodes[nodeId]);
    return dr;
  }

  /** Whether every given node's state machine has key=value. */
  public boolean hasValue(String key, String value, int... ids) {
    for (int id : ids) {
      if (!value.equals(nodes[id].kv.get(key))) return false;
    }
    return true;
  }

  public int[] all() {
    int[] a = new int[n];
    for (int i = 0; i < n; i++) a[i] = i;
    return a;
  }

  /** Every live node has applied the same, highest, index and it is the leader's last index. */
  public boolean converged() {
    int l = stableLeader();
    if (l < 0) return false;
    long last = nodes[l].core.lastIndex();
    if (nodes[l].core.commitIndex() != last) return false;
    for (Node nd : nodes) {
      if (!nd.alive || nd.kv.applied != last) return false;
    }
    return true;
  }

  // ------------------------------------------------------------------ clients

  /** Starts {@code count} clients issuing writes and ReadIndex reads on random keys. */
  public void startClients(int count) {
    clientsRunning = true;
    for (int i = 0; i < count; i++) {
      Client c = new Client(clients.size() + 1);
      clients.add(c);
      schedule(rng.nextInt(3 * TICK), () -> startOp(c));
    }
  }

  /** Stops clients from starting new operations (pending ones keep retrying). */
  public void stopClients() {
    clientsRunning = false;
  }

  public boolean clientsIdle() {
    for (Client c : clients) if (c.busy()) return false;
    return true;
  }

  /**
   * Starts a client's next operation: a ReadIndex read, one write, or (opt.maxClientBatch > 1,
   * with chance opt.clientBatchProb) a batch of 2..maxClientBatch writes with consecutive seqs,
   * issued at once and proposed together.
   */
  private void startOp(Client c) {
    if (!clientsRunning || c.busy()) return;
    String firstKey = "k" + rng.nextInt(keys); // draws in the order of the one-op-only workload
    boolean write = rng.nextDouble() >= readFraction;
    if (!write) {
      c.read = new HistOp(c.id, false, firstKey, null, now);
      history.add(c.read);
      attempt(c);
      return;
    }
    int count = 1;
    if (opt.maxClientBatch > 1 && rng.nextDouble() < opt.clientBatchProb) {
      count = 2 + rng.nextInt(opt.maxClientBatch - 1);
    }
    for (int i = 0; i < count; i++) {
      String key = i == 0 ? firstKey : "k" + rng.nextInt(keys);
      long seq = ++c.seq;
      HistOp op = new HistOp(c.id, true, key, "v" + c.id + "." + seq, now, seq, count);
      c.writes.add(op);
      history.add(op);
    }
    attempt(c);
  }

  private void attempt(Client c) {
    if (!c.busy()) return;
    int pick = c.leaderHint >= 0 && nodes[c.leaderHint].alive ? c.leaderHint : rng.nextInt(n);
    if (opt.ignoreLeaderHintProb > 0 && rng.nextDouble() < opt.ignoreLeaderHintProb) {
      pick = rng.nextInt(n);
    }
    Node node = nodes[pick];
    c.attempt++;
    int myAttempt = c.attempt;
    if (!node.alive) {
      c.leaderHint = -1;
      retryLater(c, 1);
      return;
    }
    c.node = pick;
    c.nodeIncarnation = node.incarnation;
    if (!c.writes.isEmpty()) {
      // every write not yet acknowledged, in seq order: a retry re-proposes them together
      List<byte[]> cmds = new ArrayList<>(c.writes.size());
      for (HistOp op : c.writes) {
        cmds.add(new KvStateMachine.Command(c.id, op.seq, op.key, op.value).encode());
      }
      ProposeResult r = cmds.size() == 1 ? node.core.propose(cmds.get(0))
          : node.core.proposeAll(cmds);
      processReady(node);
      if (r.status() == ProposeResult.Status.NO_LEADER) {
        c.leaderHint = -1;
        retryLater(c, 2);
        return;
      }
      if (cmds.size() > 1) {
        if (r.accepted()) clientBatchesAtLeader++;
        else clientBatchesForwarded++;
      }
      if (c.writes.size() < c.writes.get(0).batch) clientBatchesPartlyRetried++;
      c.leaderHint = r.leaderHint();
    } else {
      c.reqId = nextReqId++;
      readWaiters.put(c.reqId, c);
      node.core.readIndex(c.reqId);
      processReady(node);
    }
    schedule((long) opt.clientTimeoutTicks * TICK, () -> {
      if (c.busy() && c.attempt == myAttempt) {
        c.leaderHint = -1;
        attempt(c);
      }
    });
  }

  private void retryLater(Client c, int ticks) {
    c.attempt++;
    int myAttempt = c.attempt;
    schedule((long) ticks * TICK, () -> {
      if (c.busy() && c.attempt == myAttempt) attempt(c);
    });
  }

  private void finishOp(Client c) {
    c.read = null;
    c.reqId = -1;
    c.attempt++;
    schedule(1 + rng.nextInt(2 * TICK), () -> startOp(c));
  }

  /** The history for the linearizability checker: finished ops, plus writes still pending. */
  public List<HistOp> historyForCheck() {
    List<HistOp> out = new ArrayList<>();
    for (HistOp op : history) if (op.done() || op.write) out.add(op);
    return out;
  }

  /** Every acknowledged write is reflected in every live node's dedup table. */
  public void checkAckedWritesSurvive() {
    for (Node nd : nodes) {
      if (!nd.alive) continue;
      for (Map.Entry<Integer, Long> e : ackedSeq.entrySet()) {
        long seen = nd.kv.lastSeq.getOrDefault(e.getKey(), 0L);
        if (seen < e.getValue()) {
          throw failure("acknowledged write lost: client " + e.getKey() + " seq " + e.getValue()
              + " but node " + nd.id + " has seq " + seen);
        }
      }
    }
  }

  public int ackedWrites() {
    int c = 0;
    for (HistOp op : history) if (op.write && op.done()) c++;
    return c;
  }

  // ------------------------------------------------------------------ invariants

  private void checkNewEntries(Node node, List<LogEntry> ents) {
    for (LogEntry e : ents) {
      long prevTerm = node.core.termAt(e.index() - 1);
      Map<Long, EntryInfo> byTerm = entriesSeen.computeIfAbsent(e.index(), k -> new HashMap<>());
      EntryInfo seen = byTerm.get(e.term());
      if (seen == null) {
        byTerm.put(e.term(), new EntryInfo(e.data(), prevTerm));
      } else if (!Arrays.equals(seen.data(), e.data())
          || (prevTerm >= 0 && seen.prevTerm() >= 0 && prevTerm != seen.prevTerm())) {
        throw failure("log matching: node " + node.id + " has " + e + " prevTerm " + prevTerm
            + " but another log has the same index/term with different content/prefix");
      }
    }
  }

  private void checkInvariants() {
    for (Node nd : nodes) {
      if (!nd.alive) continue;
      RaftCore c = nd.core;
      if (c.role() == Role.LEADER) {
        Integer prev = leaderOfTerm.putIfAbsent(c.term(), nd.id);
        if (prev != null && prev != nd.id) {
          throw failure("two leaders in term " + c.term() + ": " + prev + " and " + nd.id);
        }
        if (nd.seenLeaderTerm != c.term()) {
          nd.seenLeaderTerm = c.term();
          for (Map.Entry<Long, LogEntry> e : committed.entrySet()) {
            long i = e.getKey();
            if (i <= c.snapshot().meta().index()) continue;
            if (c.termAt(i) != e.getValue().term()) {
              throw failure("leader completeness: leader " + nd.id + " of term " + c.term()
                  + " lacks committed " + e.getValue() + " (has term " + c.termAt(i) + ")");
            }
          }
        }
      }
      long commit = c.commitIndex();
      if (commit < nd.seenCommit) {
        throw failure("commit went backwards on " + nd.id + ": " + nd.seenCommit + " -> " + commit);
      }
      for (long i = nd.seenCommit + 1; i <= commit; i++) {
        LogEntry e = c.entryAt(i);
        if (e == null) continue;
        LogEntry prev = committed.putIfAbsent(i, e);
        if (prev != null && !prev.equals(e)) {
          throw failure("committed entries differ at " + i + ": node " + nd.id + " has " + e
              + ", committed before: " + prev);
        }
      }
      nd.seenCommit = commit;
      if (nd.kv.applied < nd.seenApplied) {
        throw failure("applied went backwards on " + nd.id);
      }
      nd.seenApplied = nd.kv.applied;
      if (nd.kv.applied > commit) throw failure("applied beyond commit on " + nd.id);
    }
  }

  /** An AssertionError carrying the seed, the time and the last deliveries. */
  public AssertionError failure(String msg) {
    return failure(msg, null);
  }

  private AssertionError failure(String msg, Throwable cause) {
    StringBuilder sb = new StringBuilder();
    sb.append(msg).append("\n  seed=").append(seed).append(" n=").append(n).append(" time=")
        .append(now).append(" (replay with -Draft.sweep.seed=").append(seed).append(")")
        .append("\n  last deliveries:");
    for (String t : trace) sb.append("\n    ").append(t);
    AssertionError e = new AssertionError(sb.toString());
    if (cause != null) e.initCause(cause);
    return e;
  }

  /** Status lines of all nodes, for failure messages. */
  public String describe() {
    StringBuilder sb = new StringBuilder();
    for (Node nd : nodes) {
      sb.append(nd.alive ? "" : "(down) ").append(nd.core.status()).append(" kvApplied=")
          .append(nd.kv.applied).append('\n');
    }
    return sb.toString();
  }
}
