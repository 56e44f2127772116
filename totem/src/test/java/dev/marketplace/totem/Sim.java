package dev.marketplace.totem;

import dev.marketplace.totem.TotemMessage.Body;
import dev.marketplace.totem.TotemMessage.Cmd;
import dev.marketplace.totem.TotemMessage.Entry;
import dev.marketplace.totem.TotemMessage.ReqItem;
import dev.marketplace.totem.TotemMessage.ReqRef;
import dev.marketplace.totem.TotemMessage.Request;
import dev.marketplace.totem.TotemMessage.Sequence;
import dev.marketplace.totem.TotemMessage.StartView;
import dev.marketplace.totem.TotemMessage.ViewChange;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Deterministic network simulator for {@link TotemCore}: virtual clock, seeded randomness,
 * per-link loss/duplication/delay (hence reordering), partitions, crash/restart with only the
 * durable delivered position. Datagrams cross as encoded bytes. Safety invariants are checked
 * after every event against the simulator's global knowledge; a failure throws with the seed and
 * the last events. Not thread-safe (test-only, single-threaded).
 */
final class Sim {

  /** Sub-tick time units per tick. */
  static final int UNITS = 10;
  private static final int TRACE = Integer.getInteger("totem.trace", 30);

  record Key(int member, long inc, long lseq) {
    @Override
    public String toString() {
      return member + "/" + (inc == 0 ? "0" : Long.toHexString(inc).substring(0, 3)) + "/" + lseq;
    }
  }

  private record Ev(long time, long seq, int kind, int from, int to, byte[] bytes, long gen) {}

  private static final int TICK = 0;
  private static final int MSG = 1;
  private static final int XFER = 2;

  final class Node {
    final int id;
    TotemCore core;
    boolean alive = true;
    long gen;
    /** Durable state machine: the delivered commands, in order. */
    List<Key> app = new ArrayList<>();
    Set<Key> appSet = new HashSet<>();
    Map<Long, Long> lastLseq = new HashMap<>(); // key: member*2^32 ^ inc hash -> last lseq
    Map<String, Long> fifo = new HashMap<>();
    // Global knowledge (what this member id has received, across incarnations).
    final Map<Long, Set<Key>> ordered = new HashMap<>();
    final Set<Key> have = new HashSet<>();
    long contig;
    final List<Key> ownBroadcasts = new ArrayList<>();

    Node(int id) {
      this.id = id;
    }
  }

  final long seed;
  final int n;
  final SplittableRandom rng;
  final TotemConfig base;
  final Node[] nodes;
  final WireCodec codec;
  private final PriorityQueue<Ev> queue = new PriorityQueue<>(
      (a, b) -> a.time != b.time ? Long.compare(a.time, b.time) : Long.compare(a.seq, b.seq));
  private long evSeq;
  long time;
  double loss;
  double dup;
  int maxDelay = 15;
  final boolean[][] cut;
  private final ArrayDeque<String> trace = new ArrayDeque<>();
  final List<Key> global = new ArrayList<>();
  /** START_VIEWs already checked for I7 (view, members, start): relays are not re-checked. */
  private final Set<String> startViewsSeen = new HashSet<>();
  /** Census START_VIEWs seen (first sends), for tests. */
  int censusStarts;
  final Map<Key, byte[]> broadcasts = new HashMap<>();
  long events;
  long deliveries;
  Consumer<Sim> afterEvent;
  /** When non-null, every datagram sent is recorded here as {from, bytes} (stale replays). */
  List<Object[]> capture;
  /** Drops outgoing datagrams (from, decoded message) for which this returns true. */
  java.util.function.BiPredicate<Integer, TotemMessage> dropSend;

  /** The cluster key every simulated member uses. */
  static final byte[] KEY = "test-cluster-key-0123456789".getBytes(StandardCharsets.UTF_8);

  Sim(long seed, int n) {
    this(seed, n, TotemConfig.defaults(n, 0, 42L, KEY));
  }

  Sim(long seed, int n, TotemConfig base) {
    this.seed = seed;
    this.n = n;
    this.rng = new SplittableRandom(seed);
    this.base = base;
    this.codec = new WireCodec(base.clusterId(), base.clusterKey());
    this.nodes = new Node[n];
    this.cut = new boolean[n][n];
    List<TotemMessage.MemberInc> all = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      all.add(new TotemMessage.MemberInc(i, 0));
    }
    // The bootstrap view 0 was never "started"; a relay of it is not checked by I7.
    startViewsSeen.add(startViewId(new StartView(0, List.copyOf(all), -1, 0, 0, 0, List.of())));
    for (int i = 0; i < n; i++) {
      nodes[i] = new Node(i);
      nodes[i].core = TotemCore.bootstrap(base.withSelf(i), rng.split());
      schedule(i + 1, TICK, -1, i, null, 0);
    }
  }

  // ------------------------------------------------------------------ faults

  Sim loss(double p) {
    loss = p;
    note("loss " + p);
    return this;
  }

  Sim dup(double p) {
    dup = p;
    return this;
  }

  void cut(int a, int b) {
    cut[a][b] = true;
    cut[b][a] = true;
  }

  /** Splits the members into the given side and the rest. */
  void partition(int... side) {
    Set<Integer> s = new HashSet<>();
    for (int x : side) {
      s.add(x);
    }
    for (int a = 0; a < n; a++) {
      for (int b = 0; b < n; b++) {
        cut[a][b] = a != b && s.contains(a) != s.contains(b);
      }
    }
    note("partition " + s);
  }

  void isolate(int a) {
    isolateExcept(a, a);
  }

  /**
   * Cuts {@code a} off from every member but {@code keep}: what {@code a} sends next reaches
   * {@code keep} only (a slot seen by a single witness).
   */
  void isolateExcept(int a, int keep) {
    for (int b = 0; b < n; b++) {
      if (b != a && b != keep) {
        cut(a, b);
      }
    }
    note(keep == a ? "isolate " + a : "isolate " + a + " except " + keep);
  }

  void heal() {
    for (boolean[] row : cut) {
      Arrays.fill(row, false);
    }
    note("heal");
  }

  void crash(int i) {
    Node x = nodes[i];
    if (!x.alive) {
      return;
    }
    x.alive = false;
    x.core = null;
    x.gen++;
    note("crash " + i);
  }

  void restart(int i) {
    Node x = nodes[i];
    if (x.alive) {
      return;
    }
    x.alive = true;
    x.gen++;
    x.core = TotemCore.restart(base.withSelf(i), rng.split(), x.app.size());
    note("restart " + i + " at " + x.app.size());
    schedule(time + 1 + rng.nextInt(UNITS), TICK, -1, i, null, x.gen);
  }

  /**
   * Replaces member i's bootstrap core, before anything ran, by an amnesiac one at position 0: a
   * member whose first start failed after it recorded "started" (mixed first start).
   */
  void amnesiacAtStart(int i) {
    nodes[i].core = TotemCore.restart(base.withSelf(i), rng.split(), 0);
    note("member " + i + " starts amnesiac");
  }

  /** Crashes every live member at once (a whole-cluster crash). */
  void crashAll() {
    for (int i = 0; i < n; i++) {
      crash(i);
    }
  }

  /** Restarts every crashed member, each at its durable position. */
  void restartAll() {
    for (int i = 0; i < n; i++) {
      restart(i);
    }
  }

  int aliveCount() {
    int c = 0;
    for (Node x : nodes) {
      c += x.alive ? 1 : 0;
    }
    return c;
  }

  // ------------------------------------------------------------------ workload

  /** Broadcasts one command from member i if alive; returns false if it was refused. */
  boolean broadcast(int i) {
    return broadcast(i, ("c" + i + "-" + rng.nextInt(1_000_000)).getBytes(StandardCharsets.UTF_8));
  }

  /** Broadcasts the given command from member i if alive; returns false if refused. */
  boolean broadcast(int i, byte[] cmd) {
    Node x = nodes[i];
    if (!x.alive) {
      return false;
    }
    long inc = x.core.status().incarnation();
    long lseq;
    try {
      lseq = x.core.broadcast(cmd);
    } catch (IllegalStateException full) {
      return false;
    }
    Key k = new Key(i, inc, lseq);
    broadcasts.put(k, cmd);
    x.ownBroadcasts.add(k);
    x.have.add(k);
    note("bcast " + k);
    drain(x);
    return true;
  }

  /** Runs for the given ticks; each tick each alive member broadcasts with probability rate. */
  void run(int ticks, double rate) {
    long end = time + (long) ticks * UNITS;
    while (time < end) {
      long stepEnd = Math.min(end, time + UNITS);
      runUntil(stepEnd);
      if (rate > 0) {
        for (int i = 0; i < n; i++) {
          if (nodes[i].alive && rng.nextDouble() < rate) {
            broadcast(i);
          }
        }
      }
    }
  }

  void runUntil(long t) {
    while (!queue.isEmpty() && queue.peek().time <= t) {
      Ev e = queue.poll();
      time = e.time;
      try {
        process(e);
      } catch (RuntimeException ex) {
        java.io.StringWriter sw = new java.io.StringWriter();
        ex.printStackTrace(new java.io.PrintWriter(sw));
        fail("core threw " + ex + "\n" + sw.toString().lines().limit(8)
            .reduce("", (a, b) -> a + b + "\n"));
      }
      events++;
      checkAfterEvent();
    }
    time = t;
  }

  /**
   * Heals the network, drops loss to at most 5%, and requires that within {@code ticks} every
   * live member has delivered everything delivered anywhere and every command its live peers
   * broadcast in their current incarnation.
   */
  int assertLiveness(int ticks) {
    heal();
    loss = Math.min(loss, 0.05);
    for (int t = 0; t < ticks; t++) {
      run(1, 0);
      if (converged()) {
        note("converged after " + t + " ticks");
        return t + 1;
      }
    }
    fail("liveness: not converged within " + ticks + " ticks after heal; " + describe());
    return ticks;
  }

  boolean converged() {
    for (Node x : nodes) {
      if (!x.alive) {
        continue;
      }
      if (x.app.size() != global.size()) {
        return false;
      }
      long inc = x.core.status().incarnation();
      for (Node y : nodes) {
        if (!y.alive) {
          continue;
        }
        for (Key k : y.ownBroadcasts) {
          if (k.inc() == y.core.status().incarnation() && !x.appSet.contains(k)) {
            return false;
          }
        }
      }
      if (inc != x.core.status().incarnation()) {
        return false;
      }
    }
    return true;
  }

  String describe() {
    StringBuilder sb = new StringBuilder("global=" + global.size());
    for (Node x : nodes) {
      sb.append("\n  ").append(x.id).append(x.alive ? "" : " DEAD").append(" app=")
          .append(x.app.size());
      if (x.alive) {
        TotemStatus s = x.core.status();
        sb.append(" v=").append(s.view()).append(' ').append(s.status()).append(" lnv=")
            .append(s.lastNormalView()).append(" members=").append(s.members())
            .append(" log=").append(s.logSlots()).append('/').append(s.logPos())
            .append(" trim=").append(s.trimPos()).append(" own=").append(s.ownUndelivered())
            .append(" viol=").append(s.counters().protocolViolations());
      }
    }
    return sb.toString();
  }

  /** Delivers raw bytes to member {@code to} as if sent by {@code from}, after 1 unit. */
  void inject(int from, int to, byte[] bytes) {
    schedule(time + 1, MSG, from, to, bytes, 0);
  }

  /** Next sequencer according to member i's view: members[logSlots mod size]. */
  int nextSequencer(int i) {
    TotemStatus st = nodes[i].core.status();
    return st.members().get((int) (st.logSlots() % st.members().size()));
  }

  TotemStatus status(int i) {
    return nodes[i].core.status();
  }

  // ------------------------------------------------------------------ engine

  private void schedule(long t, int kind, int from, int to, byte[] bytes, long gen) {
    queue.add(new Ev(t, evSeq++, kind, from, to, bytes, gen));
  }

  private void process(Ev e) {
    Node x = nodes[e.to];
    switch (e.kind) {
      case TICK -> {
        if (!x.alive || e.gen != x.gen) {
          return;
        }
        x.core.tick();
        drain(x);
        schedule(time + UNITS, TICK, -1, e.to, null, x.gen);
      }
      case MSG -> {
        if (!x.alive || cut[e.from][e.to]) {
          return;
        }
        learn(x, e.from, e.bytes);
        x.core.receive(e.from, e.bytes);
        drain(x);
      }
      case XFER -> {
        if (!x.alive || e.gen != x.gen) {
          return;
        }
        Node src = nodes[e.from];
        if (!src.alive || src.app.size() < x.app.size() || cut[e.from][e.to]) {
          note("xfer " + e.from + "->" + e.to + " failed");
          x.core.stateTransferFailed();
        } else {
          if (!x.app.equals(src.app.subList(0, x.app.size()))) {
            fail("state transfer would rewrite delivered history of " + x.id);
          }
          for (int i = 0; i < src.app.size(); i++) {
            x.ordered.computeIfAbsent((long) i, p -> new HashSet<>()).add(src.app.get(i));
            x.have.add(src.app.get(i));
          }
          x.app = new ArrayList<>(src.app);
          x.appSet = new HashSet<>(src.appSet);
          x.fifo = new HashMap<>(src.fifo);
          note("xfer " + e.from + "->" + e.to + " at " + x.app.size());
          x.core.installedState(x.app.size());
        }
        drain(x);
      }
      default -> throw new IllegalStateException();
    }
  }

  private void drain(Node x) {
    if (!x.alive) {
      return;
    }
    Ready r = x.core.ready();
    for (Outbound o : r.datagrams()) {
      if (o.bytes().length > base.maxDatagramBytes()) {
        fail("datagram of " + o.bytes().length + " bytes exceeds budget");
      }
      learnOwn(x, o.bytes());
      if (capture != null) {
        capture.add(new Object[] {x.id, o.bytes()});
      }
      if (dropSend != null) {
        WireCodec.Decoded dd = codec.decode(o.bytes());
        if (dd.ok() && dropSend.test(x.id, dd.message())) {
          note(x.id + " DROPPED " + brief(dd.message()));
          continue;
        }
      }
      if (o.toAll()) {
        for (int j = 0; j < n; j++) {
          if (j != x.id) {
            link(x.id, j, o.bytes());
          }
        }
      } else {
        link(x.id, o.to(), o.bytes());
      }
    }
    for (Delivered d : r.delivered()) {
      onDeliver(x, d);
    }
    for (ViewInstalled v : r.views()) {
      note(x.id + " view " + v.view() + " " + v.members() + " @" + v.startPosition());
    }
    if (r.stateTransfer() != null) {
      note(x.id + " needs xfer from " + r.stateTransfer().from() + " at "
          + r.stateTransfer().position());
      schedule(time + 1 + rng.nextInt(3 * UNITS), XFER, r.stateTransfer().from(), x.id, null,
          x.gen);
    }
  }

  private void link(int from, int to, byte[] bytes) {
    if (cut[from][to] || rng.nextDouble() < loss) {
      return;
    }
    schedule(time + 1 + rng.nextInt(maxDelay), MSG, from, to, bytes, 0);
    if (dup > 0 && rng.nextDouble() < dup) {
      schedule(time + 1 + rng.nextInt(3 * maxDelay), MSG, from, to, bytes, 0);
    }
  }

  // ------------------------------------------------------------------ invariants

  private void onDeliver(Node x, Delivered d) {
    deliveries++;
    Key k = new Key(d.sender(), d.incarnation(), d.localSeq());
    note(x.id + " deliver p=" + d.position() + " " + k);
    // Contiguity of this member's own delivered sequence.
    if (d.position() != x.app.size()) {
      fail("I1: member " + x.id + " delivered position " + d.position() + " but has "
          + x.app.size());
    }
    // I1 total order: prefix of one global sequence.
    if (d.position() < global.size()) {
      if (!global.get((int) d.position()).equals(k)) {
        fail("I1: member " + x.id + " delivered " + k + " at " + d.position() + " but global has "
            + global.get((int) d.position()));
      }
    } else if (d.position() == global.size()) {
      global.add(k);
    } else {
      fail("I1: gap in global sequence at " + d.position());
    }
    // I2 no duplicates.
    if (!x.appSet.add(k)) {
      fail("I2: member " + x.id + " delivered " + k + " twice");
    }
    // I3 integrity.
    byte[] sent = broadcasts.get(k);
    if (sent == null || !Arrays.equals(sent, d.command())) {
      fail("I3: member " + x.id + " delivered " + k + " never broadcast with these bytes");
    }
    // I4 FIFO per stream.
    String stream = d.sender() + ":" + d.incarnation();
    long last = x.fifo.getOrDefault(stream, 0L);
    if (d.localSeq() != last + 1) {
      fail("I4: member " + x.id + " delivered " + k + " after lseq " + last);
    }
    x.fifo.put(stream, d.localSeq());
    x.app.add(k);
    // I5 stability against global knowledge.
    int count = 0;
    for (Node y : nodes) {
      advance(y);
      Set<Key> at = y.ordered.get(d.position());
      if (y.contig > d.position() && at != null && at.contains(k) && y.have.contains(k)) {
        count++;
      }
    }
    if (count < base.quorum()) {
      fail("I5: member " + x.id + " delivered " + k + " at " + d.position() + " but only "
          + count + " members had received everything up to it");
    }
  }

  private void advance(Node y) {
    while (true) {
      Set<Key> at = y.ordered.get(y.contig);
      boolean ok = false;
      if (at != null) {
        for (Key k : at) {
          ok |= y.have.contains(k);
        }
      }
      if (!ok) {
        return;
      }
      y.contig++;
    }
  }

  private void checkAfterEvent() {
    for (Node x : nodes) {
      if (x.alive && x.core.status().counters().protocolViolations() != 0) {
        fail("protocol violation counted at member " + x.id);
      }
    }
    if (afterEvent != null) {
      afterEvent.accept(this);
    }
  }

  /** Global knowledge: what a member received (decoded from the bytes it was given). */
  private void learn(Node x, int from, byte[] bytes) {
    WireCodec.Decoded d = codec.decode(bytes);
    if (!d.ok()) {
      note(from + "->" + x.id + " garbage " + d.rejection());
      return;
    }
    Body b = d.message().body();
    note(from + "->" + x.id + " " + brief(d.message()));
    record(x, d.message().header().incarnation(), from, b);
  }

  private static String startViewId(StartView sv) {
    return sv.view() + " " + sv.members() + " " + sv.chosenLogView() + " " + sv.startPos();
  }

  private void learnOwn(Node x, byte[] bytes) {
    WireCodec.Decoded d = codec.decode(bytes);
    if (d.ok() && d.message().body() instanceof Sequence) {
      record(x, d.message().header().incarnation(), x.id, d.message().body());
    }
    if (d.ok() && d.message().body() instanceof StartView sv) {
      // I7: a START_VIEW, when first sent, starts at or after everything delivered anywhere.
      if (startViewsSeen.add(startViewId(sv))) {
        if (sv.chosenLogView() == TotemCore.COLD) {
          censusStarts++;
          note(x.id + " CENSUS v" + sv.view() + " P=" + sv.startPos() + " src" + sv.source());
        }
        if (sv.startPos() < global.size()) {
          fail("I7: member " + x.id + " started view " + sv.view() + " at position "
              + sv.startPos() + " but " + global.size() + " commands were delivered already");
        }
      }
    }
  }

  private void record(Node x, long senderInc, int from, Body b) {
    if (b instanceof Request m) {
      for (ReqItem it : m.items()) {
        x.have.add(new Key(from, senderInc, it.lseq()));
      }
    } else if (b instanceof Sequence m) {
      for (int i = 0; i < m.refs().size(); i++) {
        ReqRef r = m.refs().get(i);
        x.ordered.computeIfAbsent(m.firstPos() + i, p -> new HashSet<>())
            .add(new Key(r.member(), r.incarnation(), r.lseq()));
      }
    } else if (b instanceof Entry m) {
      for (int i = 0; i < m.cmds().size(); i++) {
        Cmd c = m.cmds().get(i);
        Key k = new Key(c.member(), c.incarnation(), c.lseq());
        x.have.add(k);
        x.ordered.computeIfAbsent(m.firstPos() + i, p -> new HashSet<>()).add(k);
      }
    }
  }

  static String brief(TotemMessage m) {
    Body b = m.body();
    String s = WireCodec.kindName(b) + " v" + m.header().view() + " "
        + m.header().status().name().charAt(0) + " a" + m.header().ackSlots();
    if (b instanceof Sequence q) {
      s += " s" + q.slot() + " p" + q.firstPos() + " n" + q.refs().size();
    } else if (b instanceof Entry q) {
      s += " lv" + q.logView() + " s" + q.slot() + " p" + q.firstPos();
    } else if (b instanceof Request q) {
      s += " n" + q.items().size();
    } else if (b instanceof ViewChange q) {
      s += " lnv" + q.lastNormalView() + " L" + q.logSlots() + (q.amnesiac() ? " amn" : "");
    } else if (b instanceof StartView q) {
      s += " m" + q.members().size() + " c" + q.chosenLogView() + " L" + q.startSlots()
          + " src" + q.source();
    }
    return s;
  }

  void note(String s) {
    if (trace.size() == TRACE) {
      trace.removeFirst();
    }
    trace.addLast("t=" + time + " " + s);
  }

  void fail(String why) {
    StringBuilder sb = new StringBuilder(why).append("\nseed=").append(seed)
        .append(" (replay: -Dtotem.sweep.seed=").append(seed).append(")\nlast events:");
    for (String t : trace) {
      sb.append("\n  ").append(t);
    }
    throw new AssertionError(sb.toString());
  }
}
