package dev.marketplace.totem;

import dev.marketplace.totem.TotemMessage.Anchor;
import dev.marketplace.totem.TotemMessage.Body;
import dev.marketplace.totem.TotemMessage.Cmd;
import dev.marketplace.totem.TotemMessage.Entry;
import dev.marketplace.totem.TotemMessage.Fetch;
import dev.marketplace.totem.TotemMessage.GetView;
import dev.marketplace.totem.TotemMessage.Header;
import dev.marketplace.totem.TotemMessage.Heartbeat;
import dev.marketplace.totem.TotemMessage.MemberInc;
import dev.marketplace.totem.TotemMessage.NackReq;
import dev.marketplace.totem.TotemMessage.ReqItem;
import dev.marketplace.totem.TotemMessage.ReqRef;
import dev.marketplace.totem.TotemMessage.Request;
import dev.marketplace.totem.TotemMessage.Sequence;
import dev.marketplace.totem.TotemMessage.StartView;
import dev.marketplace.totem.TotemMessage.StreamPos;
import dev.marketplace.totem.TotemMessage.TooFar;
import dev.marketplace.totem.TotemMessage.ViewChange;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.random.RandomGenerator;

/**
 * The pure, deterministic core of the rotating-sequencer atomic broadcast (see DESIGN.md).
 *
 * <p>Inputs: {@link #tick()}, {@link #receive(int, byte[])} (or {@link #step} with an already
 * authenticated message), {@link #broadcast(byte[])}, {@link #installedState(long)}. Outputs are
 * collected and drained with {@link #ready()}. No threads, clocks, sockets or files; all
 * randomness comes from the injected generator, so the same inputs give the same outputs.
 *
 * <p>Not thread-safe: one event-loop thread owns a core.
 */
public final class TotemCore {

  /** A request stream: one incarnation of one member. */
  private record StreamId(int member, long inc) {}

  /** A complete log slot. */
  private record LogEntry(long slot, long firstPos, List<Cmd> cmds) {
    long endPos() {
      return firstPos + cmds.size();
    }
  }

  /** A VIEW_CHANGE report for the current view, with the reporter's durable position. */
  private record Report(long inc, ViewChange vc, long deliveredPos) {}

  /** {@code StartView.chosenLogView} of a census (cold start) view: no log is chosen. */
  public static final long COLD = -2;

  private static final Comparator<StreamId> STREAM_ORDER =
      Comparator.comparingInt(StreamId::member).thenComparingLong(StreamId::inc);

  /** Bytes one command costs inside an ENTRY besides its payload. */
  private static final int CMD_OVERHEAD = 24;

  private final TotemConfig cfg;
  private final RandomGenerator rng;
  private final WireCodec codec;
  private final int n;
  private final int self;
  private final int quorum;
  private long incarnation;
  private boolean amnesiac;
  private long now;

  // ---- view
  private long view;
  private MemberStatus status;
  private long lastNormalView;
  private StartView installed;
  private int[] members = new int[0];
  private long[] memberInc = new long[0];
  private long viewInstalledAt;

  // ---- log
  private final TreeMap<Long, LogEntry> log = new TreeMap<>();
  private final TreeMap<Long, Long> posIndex = new TreeMap<>();
  private long logSlots;
  private long logPos;
  private long trimSlot;
  private long trimPos;
  private final TreeMap<Long, Sequence> pendingSeq = new TreeMap<>();
  private final TreeMap<Long, LogEntry> pendingEntry = new TreeMap<>();

  // ---- request streams
  private final TreeMap<StreamId, TreeMap<Long, byte[]>> store = new TreeMap<>(STREAM_ORDER);
  private TreeMap<StreamId, Long> nextSeq = new TreeMap<>(STREAM_ORDER);
  private final TreeMap<StreamId, Long> recvContig = new TreeMap<>(STREAM_ORDER);
  private long ownLseq;
  private final TreeMap<Long, byte[]> ownPending = new TreeMap<>();
  private final List<ReqItem> ownUnsent = new ArrayList<>();

  // ---- delivery
  private long deliveredSlot;
  private long deliveredPos;

  // ---- peers, indexed by member id
  private final long[] lastHeard;
  private final long[] peerInc;
  private final long[] peerAck;
  private final long[] peerAckView;
  private final long[] peerDelivered;
  private final long[][] peerRecv;
  private final long[] lastGetView;

  // ---- view change: reports for the current view from every member heard (self included)
  private final TreeMap<Integer, Report> reports = new TreeMap<>();
  /** C1: bound to this incarnation of coordinator(view) while in VIEW_CHANGE(view). */
  private boolean bound;
  private long boundCoordInc;
  /** C4: listed members of the installed census view heard in it (RECOVERING or NORMAL). */
  private boolean[] confirmed;
  private long vcStart;
  private long quorumSince = -1;
  private long lastJoinTrigger = Long.MIN_VALUE / 2;

  // ---- recovery (RECOVERING)
  private final TreeMap<Long, LogEntry> pending = new TreeMap<>();
  private long pendBase = -1;
  private long pendBasePos;
  private boolean baseByPosition;
  private List<StreamPos> baseStreams;
  private long lastProgress;
  private boolean waitingState;
  private long lastFetch = Long.MIN_VALUE / 2;
  private long lastSentToAll = Long.MIN_VALUE / 2;
  private long lastAckSentToAll;

  // ---- outputs
  private final List<Outbound> out = new ArrayList<>();
  private final List<Delivered> deliveredOut = new ArrayList<>();
  private final List<ViewInstalled> viewsOut = new ArrayList<>();
  private StateTransferNeeded stateTransferOut;

  // ---- counters
  private long datagramsIn;
  private long datagramsOut;
  private long droppedMalformed;
  private long droppedWrongVersion;
  private long droppedForeign;
  private long droppedBadTag;
  private long droppedBadSender;
  private long violations;
  private long viewChanges;
  private long viewsInstalled;
  private long stateTransfers;
  private long censusViews;
  private long voluntaryAmnesia;
  private long staleIgnored;

  private TotemCore(TotemConfig cfg, RandomGenerator rng, long incarnation) {
    cfg.validate();
    if (rng == null) {
      throw new IllegalArgumentException("rng must not be null");
    }
    this.cfg = cfg;
    this.rng = rng;
    this.codec = new WireCodec(cfg.clusterId(), cfg.clusterKey());
    this.n = cfg.memberCount();
    this.self = cfg.selfId();
    this.quorum = cfg.quorum();
    this.incarnation = incarnation;
    this.lastHeard = new long[n];
    this.peerInc = new long[n];
    this.peerAck = new long[n];
    this.peerAckView = new long[n];
    this.peerDelivered = new long[n];
    this.peerRecv = new long[n][];
    this.lastGetView = new long[n];
    Arrays.fill(peerAckView, -2);
    Arrays.fill(lastGetView, Long.MIN_VALUE / 2);
  }

  /**
   * A member of a brand-new cluster: incarnation 0, NORMAL in view 0 = all members, empty log.
   * Use only when the whole cluster starts fresh.
   */
  public static TotemCore bootstrap(TotemConfig cfg, RandomGenerator rng) {
    TotemCore c = new TotemCore(cfg, rng, 0);
    List<MemberInc> all = new ArrayList<>();
    for (int i = 0; i < cfg.memberCount(); i++) {
      all.add(new MemberInc(i, 0));
    }
    c.view = 0;
    c.lastNormalView = 0;
    c.status = MemberStatus.NORMAL;
    c.setInstalled(new StartView(0, List.copyOf(all), -1, 0, 0, 0, List.of()));
    c.deliveredSlot = 0;
    return c;
  }

  /**
   * A member that lost its volatile state: it keeps only the position its state machine durably
   * reached ({@code deliveredPosition} commands applied). It gets a fresh random incarnation,
   * counts in no quorum until it is NORMAL again, and rejoins through a view change.
   */
  public static TotemCore restart(TotemConfig cfg, RandomGenerator rng, long deliveredPosition) {
    if (deliveredPosition < 0) {
      throw new IllegalArgumentException("deliveredPosition must be >= 0");
    }
    TotemCore c = new TotemCore(cfg, rng, freshIncarnation(rng, 0));
    c.amnesiac = true;
    c.view = -1;
    c.lastNormalView = -1;
    c.status = MemberStatus.VIEW_CHANGE;
    c.deliveredPos = deliveredPosition;
    c.deliveredSlot = -1;
    return c;
  }

  /** A random non-zero incarnation different from {@code previous}. */
  private static long freshIncarnation(RandomGenerator rng, long previous) {
    long inc = 0;
    while (inc == 0 || inc == previous) {
      inc = rng.nextLong();
    }
    return inc;
  }

  // =============================================================================== inputs

  /**
   * Broadcasts a command; returns its local sequence number (1-based in this incarnation).
   *
   * @throws IllegalArgumentException if the command is null or bigger than
   *     {@link TotemConfig#maxCommandBytes()} (commands are not fragmented)
   * @throws IllegalStateException if {@link TotemConfig#maxPendingOwn()} own commands are
   *     already waiting for delivery (backpressure; retry after some deliveries)
   */
  public long broadcast(byte[] command) {
    if (command == null) {
      throw new IllegalArgumentException("command must not be null");
    }
    if (command.length > cfg.maxCommandBytes()) {
      throw new IllegalArgumentException("command of " + command.length
          + " bytes exceeds maxCommandBytes " + cfg.maxCommandBytes()
          + " (maxDatagramBytes " + cfg.maxDatagramBytes() + "); commands are not fragmented");
    }
    if (ownPending.size() >= cfg.maxPendingOwn()) {
      throw new IllegalStateException("backlog full: " + ownPending.size()
          + " own commands await delivery (maxPendingOwn)");
    }
    byte[] copy = command.clone();
    long lseq = ++ownLseq;
    ownPending.put(lseq, copy);
    addToStore(ownStream(), lseq, copy);
    ownUnsent.add(new ReqItem(lseq, copy));
    afterInput();
    return lseq;
  }

  /** Advances logical time by one tick: timers, failure detector, retransmissions. */
  public void tick() {
    now++;
    switch (status) {
      case NORMAL -> tickNormal();
      case RECOVERING -> tickRecovering();
      case VIEW_CHANGE -> tickViewChange();
      default -> throw new IllegalStateException();
    }
  }

  /**
   * Receives one datagram. {@code from} is the transport's idea of the sender (member id), or -1
   * when unknown; a mismatch with the authenticated sender drops the datagram. Bad datagrams of
   * any kind are dropped and counted, never thrown.
   */
  public void receive(int from, byte[] datagram) {
    datagramsIn++;
    WireCodec.Decoded d = codec.decode(datagram);
    if (!d.ok()) {
      switch (d.rejection()) {
        case MALFORMED -> droppedMalformed++;
        case WRONG_VERSION -> droppedWrongVersion++;
        case FOREIGN_CLUSTER -> droppedForeign++;
        case BAD_TAG -> droppedBadTag++;
        default -> droppedMalformed++;
      }
      return;
    }
    int sender = d.message().header().sender();
    if (from >= 0 && from != sender) {
      droppedBadSender++;
      return;
    }
    step(d.message());
  }

  /** Processes an already authenticated, decoded message. */
  public void step(TotemMessage message) {
    Header h = message.header();
    int s = h.sender();
    if (s < 0 || s >= n || s == self) {
      droppedBadSender++;
      return;
    }
    onHeader(h, message.body());
    Body b = message.body();
    if (b instanceof Request m) {
      onRequest(h, m);
    } else if (b instanceof Sequence m) {
      onSequence(h, m);
    } else if (b instanceof Entry m) {
      onEntry(h, m);
    } else if (b instanceof NackReq m) {
      onNackReq(h, m);
    } else if (b instanceof Fetch m) {
      onFetch(h, m);
    } else if (b instanceof Anchor m) {
      onAnchor(h, m);
    } else if (b instanceof TooFar m) {
      onTooFar(h, m);
    } else if (b instanceof ViewChange m) {
      onViewChange(h, m);
    } else if (b instanceof StartView m) {
      onStartView(h, m);
    } else if (b instanceof GetView m) {
      onGetView(h, m);
    }
    afterInput();
  }

  /**
   * The runtime finished a state transfer: the local state machine now holds exactly the first
   * {@code position} commands. Ignored (returns false) if it would move backwards.
   */
  public boolean installedState(long position) {
    if (position < deliveredPos) {
      return false;
    }
    deliveredPos = position;
    deliveredSlot = -1;
    waitingState = false;
    lastProgress = now;
    if (status == MemberStatus.NORMAL && position <= logPos && position >= trimPos) {
      // The log still covers the new position: continue delivering from the slot holding it.
      Map.Entry<Long, Long> fe = posIndex.floorEntry(position);
      deliveredSlot = position == logPos || fe == null ? logSlots : fe.getValue();
    } else if (status == MemberStatus.NORMAL) {
      // Jumped past the log: re-anchor by position inside the same view.
      status = MemberStatus.RECOVERING;
      pendingSeq.clear();
      pendingEntry.clear();
    }
    if (status == MemberStatus.RECOVERING) {
      pending.clear();
      setBaseByPosition(installed);
      tryFinishRecovery();
    }
    afterInput();
    return true;
  }

  /**
   * The runtime could not complete a requested state transfer (e.g. the source died); the core
   * goes back to fetching and may ask again.
   */
  public void stateTransferFailed() {
    if (waitingState) {
      waitingState = false;
      lastProgress = now;
    }
  }

  /**
   * Drains everything produced since the last call. Call it once after each batch of inputs
   * (not per datagram when several are queued): own unsent requests and an eager acker's ack
   * are sent here, batched over the inputs before it.
   */
  public Ready ready() {
    flushOwn();
    if (status == MemberStatus.NORMAL && logSlots > lastAckSentToAll && lastSentToAll != now
        && eagerAcker()) {
      // An eager acker acks as soon as the runtime drains the inputs that advanced its log (at
      // most one message to all per tick; otherwise at the next tick, heartbeatIfIdle).
      send(Outbound.ALL, new Heartbeat());
    }
    Ready r = new Ready(List.copyOf(out), List.copyOf(deliveredOut), List.copyOf(viewsOut),
        stateTransferOut);
    out.clear();
    deliveredOut.clear();
    viewsOut.clear();
    stateTransferOut = null;
    return r;
  }

  /** A snapshot of state and counters. */
  public TotemStatus status() {
    List<Integer> ms = new ArrayList<>();
    for (int m : members) {
      ms.add(m);
    }
    return new TotemStatus(self, incarnation, view, status, lastNormalView, List.copyOf(ms),
        logSlots, logPos, deliveredPos, trimPos, ownPending.size(),
        new TotemStatus.Counters(datagramsIn, datagramsOut, droppedMalformed,
            droppedWrongVersion, droppedForeign, droppedBadTag, droppedBadSender, violations,
            viewChanges, viewsInstalled, stateTransfers, censusViews, voluntaryAmnesia,
            staleIgnored));
  }

  /**
   * True when nothing is in flight at this member: NORMAL, every slot of the log delivered and
   * this member's ack for all of them already sent to all, no own command pending, no gap, no
   * peer known to be ahead. Until the next input, {@link #tick()} then only paces heartbeats and
   * failure detection (both counted in {@link TotemConfig#heartbeatTicks()} or more), so a
   * runtime may save wake-ups by calling it late, several times in a row (the core sees the same
   * sequence of ticks, later, as on a stalled machine). A hint only: correctness never depends
   * on it.
   */
  public boolean quiescent() {
    if (status != MemberStatus.NORMAL || waitingState || !ownPending.isEmpty()
        || !ownUnsent.isEmpty() || !pendingSeq.isEmpty() || !pendingEntry.isEmpty()
        || deliveredSlot != logSlots || lastAckSentToAll < logSlots) {
      return false;
    }
    for (int i = 0; i < members.length; i++) {
      int m = members[i];
      if (m != self && peerAckView[m] == view && peerInc[m] == memberInc[i]
          && peerAck[m] != logSlots) {
        return false; // a peer ahead (we must fetch) or behind (it may need our repair)
      }
    }
    return true;
  }

  /**
   * How many ticks may pass before a tick can matter: 1 unless {@link #quiescent()}; then the
   * ticks until this member's next heartbeat is due or a silent peer would be suspected,
   * whichever comes first (at least 1). A runtime may sleep that long unless an input arrives.
   */
  public long ticksUntilDue() {
    if (!quiescent()) {
      return 1;
    }
    long due = lastSentToAll + cfg.heartbeatTicks() - now;
    for (int m : members) {
      if (m != self) {
        due = Math.min(due, lastHeard[m] + cfg.suspectTicks() + 1 - now);
      }
    }
    return Math.max(1, due);
  }

  /** The configuration this core runs with. */
  public TotemConfig config() {
    return cfg;
  }

  // =============================================================================== ticks

  private void tickNormal() {
    if (failureDetected()) {
      return;
    }
    tryComplete();
    trySequence();
    tryDeliver();
    fetchIfBehind();
    if (now % cfg.resendTicks() == 0) {
      resendOwn();
    }
    heartbeatIfIdle();
  }

  private void tickRecovering() {
    if (failureDetected()) {
      return;
    }
    if (!waitingState && now - lastProgress > cfg.viewChangeTicks()) {
      startViewChange(view + 1);
      return;
    }
    if (!waitingState) {
      recoveryFetch();
    }
    heartbeatIfIdle();
  }

  private void tickViewChange() {
    if (view < 0) {
      // C0: a restarted member looks for a view at once (a cold cluster meets in view 0).
      startViewChange(0);
      return;
    }
    if (now - vcStart > cfg.viewChangeTicks()) {
      startViewChange(view + 1);
      return;
    }
    maybeStartView();
    if (status != MemberStatus.VIEW_CHANGE) {
      return;
    }
    maybeForgetLog();
    if (now % cfg.heartbeatTicks() == 0) {
      send(Outbound.ALL, myViewChange());
    }
  }

  /**
   * Progress/heartbeat to all unless something already went to all this heartbeat period. When
   * this member's ack advanced: own unsent requests go out now (their header carries the ack);
   * otherwise an eager acker (see {@link #eagerAcker()}) sends a progress message at the next
   * tick if {@link #ready()} did not already (it does unless something went to all in the same
   * tick), so stability does not wait, and any other member once {@code ackTicks} passed since
   * its last message to all (coalescing its acks; with {@code ackTicks = 1} everybody acks at
   * the next tick).
   */
  private void heartbeatIfIdle() {
    long since = now - lastSentToAll;
    if (since >= cfg.heartbeatTicks()) {
      send(Outbound.ALL, new Heartbeat());
      return;
    }
    if (status != MemberStatus.NORMAL || logSlots <= lastAckSentToAll) {
      return;
    }
    if (!ownUnsent.isEmpty()) {
      flushOwn();
    } else if (since >= cfg.ackTicks() || eagerAcker()) {
      send(Outbound.ALL, new Heartbeat());
    }
  }

  /**
   * True when this member is one of the {@code quorum - 1} members that follow the sequencer of
   * my last complete slot in the rotation. The sequencer's own ack rides on its SEQUENCE, so the
   * sequencer plus these members are a quorum whose acks reach everybody one hop after the slot
   * is complete: every member can deliver without waiting for the other members' coalesced acks.
   * A timing policy only (acks are monotone facts; who sends them when never affects safety).
   */
  private boolean eagerAcker() {
    int size = members.length;
    int me = indexOf(self);
    if (logSlots == 0 || size == 0 || me < 0) {
      return true;
    }
    int seq = (int) ((logSlots - 1) % size);
    int d = Math.floorMod(me - seq, size);
    return d >= 1 && d <= Math.min(cfg.quorum() - 1, size - 1);
  }

  private boolean failureDetected() {
    for (int m : members) {
      if (m != self && now - lastHeard[m] > cfg.suspectTicks()) {
        startViewChange(view + 1);
        return true;
      }
    }
    return false;
  }

  private void afterInput() {
    if (status == MemberStatus.NORMAL) {
      tryComplete();
      trySequence();
      tryDeliver();
    }
  }

  // =============================================================================== header

  private void onHeader(Header h, Body body) {
    int s = h.sender();
    lastHeard[s] = now;
    if (peerInc[s] != h.incarnation()) {
      peerInc[s] = h.incarnation();
      peerAck[s] = 0;
      peerAckView[s] = -2;
      peerDelivered[s] = 0;
      peerRecv[s] = null;
      reports.remove(s);
    }
    peerDelivered[s] = Math.max(peerDelivered[s], h.deliveredPos());
    boolean member = inView(s, h.incarnation());
    if (member && h.view() == view && h.status() == MemberStatus.NORMAL
        && status != MemberStatus.VIEW_CHANGE) {
      if (peerAckView[s] != view) {
        peerAckView[s] = view;
        peerAck[s] = 0;
      }
      peerAck[s] = Math.max(peerAck[s], h.ackSlots());
      if (h.recv() != null && h.recv().length == members.length) {
        peerRecv[s] = h.recv();
      }
    }
    if (member && confirmed != null && status == MemberStatus.RECOVERING && h.view() == view
        && h.status() != MemberStatus.VIEW_CHANGE) {
      int idx = indexOf(s);
      if (!confirmed[idx]) {
        // C4: this listed incarnation has installed the census view.
        confirmed[idx] = true;
        lastProgress = now;
        tryFinishRecovery();
      }
    }
    boolean viewMsg = body instanceof ViewChange || body instanceof StartView;
    if (!viewMsg && h.view() > view && h.status() != MemberStatus.VIEW_CHANGE
        && now - lastGetView[s] >= cfg.heartbeatTicks()) {
      lastGetView[s] = now;
      send(s, new GetView(h.view()));
    }
    if (status == MemberStatus.NORMAL && !member && h.view() <= view
        && now - lastJoinTrigger > cfg.suspectTicks()
        && now - viewInstalledAt > cfg.suspectTicks()) {
      // A live member outside the view (restarted, or back from a partition): let it rejoin.
      lastJoinTrigger = now;
      startViewChange(view + 1);
    }
  }

  // =============================================================================== requests

  private void onRequest(Header h, Request m) {
    int s = h.sender();
    if (!inView(s, h.incarnation())) {
      return;
    }
    StreamId sid = new StreamId(s, h.incarnation());
    long max = 0;
    for (ReqItem it : m.items()) {
      if (it.lseq() < 1) {
        violations++;
        continue;
      }
      addToStore(sid, it.lseq(), it.command());
      max = Math.max(max, it.lseq());
    }
    long c = contig(sid);
    if (max > c + 1) {
      send(s, new NackReq(c + 1, max - 1));
    }
  }

  private void onNackReq(Header h, NackReq m) {
    if (m.fromLseq() > m.toLseq()) {
      violations++;
      return;
    }
    List<ReqItem> items = new ArrayList<>();
    for (Map.Entry<Long, byte[]> e
        : ownPending.subMap(m.fromLseq(), true, m.toLseq(), true).entrySet()) {
      items.add(new ReqItem(e.getKey(), e.getValue()));
    }
    sendRequests(h.sender(), items, 4);
  }

  private void addToStore(StreamId sid, long lseq, byte[] bytes) {
    if (lseq < nextSeqOf(sid)) {
      return;
    }
    store.computeIfAbsent(sid, k -> new TreeMap<>()).putIfAbsent(lseq, bytes);
  }

  private long contig(StreamId sid) {
    long c = Math.max(recvContig.getOrDefault(sid, 0L), nextSeqOf(sid) - 1);
    TreeMap<Long, byte[]> t = store.get(sid);
    while (t != null && t.containsKey(c + 1)) {
      c++;
    }
    recvContig.put(sid, c);
    return c;
  }

  private long nextSeqOf(StreamId sid) {
    return nextSeq.getOrDefault(sid, 1L);
  }

  private StreamId ownStream() {
    return new StreamId(self, incarnation);
  }

  private void flushOwn() {
    if (ownUnsent.isEmpty() || status != MemberStatus.NORMAL) {
      return;
    }
    sendRequests(Outbound.ALL, new ArrayList<>(ownUnsent), Integer.MAX_VALUE);
    ownUnsent.clear();
  }

  /** Re-sends own unordered requests to members whose piggyback shows they lack them. */
  private void resendOwn() {
    int myIndex = indexOf(self);
    long ordered = nextSeqOf(ownStream()) - 1;
    if (myIndex < 0 || ownPending.isEmpty() || ownPending.lastKey() <= ordered) {
      return;
    }
    for (int m : members) {
      if (m == self) {
        continue;
      }
      long have = peerRecv[m] != null ? peerRecv[m][myIndex] : ordered;
      long from = Math.max(have, ordered) + 1;
      List<ReqItem> items = new ArrayList<>();
      for (Map.Entry<Long, byte[]> e : ownPending.tailMap(from, true).entrySet()) {
        items.add(new ReqItem(e.getKey(), e.getValue()));
      }
      sendRequests(m, items, 2);
    }
  }

  private void sendRequests(int to, List<ReqItem> items, int maxDatagrams) {
    int budget = cfg.maxCommandBytes() + CMD_OVERHEAD;
    List<ReqItem> batch = new ArrayList<>();
    int size = 0;
    int sent = 0;
    for (ReqItem it : items) {
      int cost = it.command().length + CMD_OVERHEAD;
      if (!batch.isEmpty() && size + cost > budget) {
        send(to, new Request(List.copyOf(batch)));
        if (++sent >= maxDatagrams) {
          return;
        }
        batch.clear();
        size = 0;
      }
      batch.add(it);
      size += cost;
    }
    if (!batch.isEmpty()) {
      send(to, new Request(List.copyOf(batch)));
    }
  }

  // =============================================================================== ordering

  private void onSequence(Header h, Sequence m) {
    int s = h.sender();
    if (status != MemberStatus.NORMAL || h.view() != view || !inView(s, h.incarnation())) {
      return;
    }
    if (members[(int) (m.slot() % members.length)] != s) {
      violations++;
      return;
    }
    if (m.slot() < logSlots) {
      return;
    }
    pendingSeq.putIfAbsent(m.slot(), m);
  }

  private void onEntry(Header h, Entry e) {
    if (!fromCurrentMember(h)) {
      return;
    }
    if (status == MemberStatus.NORMAL) {
      if (e.logView() != view || e.slot() < logSlots) {
        return;
      }
      pendingEntry.putIfAbsent(e.slot(), new LogEntry(e.slot(), e.firstPos(), e.cmds()));
    } else if (status == MemberStatus.RECOVERING) {
      boolean tagOk = e.logView() == view || e.logView() == installed.chosenLogView();
      if (!tagOk || pendBase < 0 || e.slot() < pendBase) {
        return;
      }
      if (e.slot() >= installed.startSlots() && e.logView() != view) {
        return;
      }
      if (pending.putIfAbsent(e.slot(), new LogEntry(e.slot(), e.firstPos(), e.cmds()))
          == null) {
        lastProgress = now;
      }
      tryFinishRecovery();
    }
  }

  /** Moves pending slots that became complete into the log, in slot order. */
  private void tryComplete() {
    if (status != MemberStatus.NORMAL) {
      return;
    }
    while (true) {
      LogEntry le = pendingEntry.remove(logSlots);
      Sequence sq = pendingSeq.get(logSlots);
      if (le == null) {
        if (sq == null) {
          return;
        }
        le = resolve(sq);
        if (le == null) {
          return;
        }
      }
      pendingSeq.remove(logSlots);
      if (!append(le)) {
        violations++;
        return;
      }
    }
  }

  /** A Sequence whose payloads are all here becomes a log entry; null if some are missing. */
  private LogEntry resolve(Sequence sq) {
    List<Cmd> cmds = new ArrayList<>(sq.refs().size());
    for (ReqRef ref : sq.refs()) {
      if (!inView(ref.member(), ref.incarnation())) {
        violations++;
        pendingSeq.remove(sq.slot());
        return null;
      }
      StreamId sid = new StreamId(ref.member(), ref.incarnation());
      TreeMap<Long, byte[]> t = store.get(sid);
      byte[] b = t == null ? null : t.get(ref.lseq());
      if (b == null) {
        return null;
      }
      cmds.add(new Cmd(ref.member(), ref.incarnation(), ref.lseq(), b));
    }
    return new LogEntry(sq.slot(), sq.firstPos(), List.copyOf(cmds));
  }

  /** Appends slot logSlots after checking position continuity and per-stream FIFO. */
  private boolean append(LogEntry le) {
    if (le.slot() != logSlots || le.firstPos() != logPos || le.cmds().isEmpty()) {
      return false;
    }
    TreeMap<StreamId, Long> expect = new TreeMap<>(STREAM_ORDER);
    for (Cmd c : le.cmds()) {
      StreamId sid = new StreamId(c.member(), c.incarnation());
      long want = expect.containsKey(sid) ? expect.get(sid) : nextSeqOf(sid);
      if (c.lseq() != want) {
        return false;
      }
      expect.put(sid, want + 1);
    }
    log.put(le.slot(), le);
    posIndex.put(le.firstPos(), le.slot());
    logSlots++;
    logPos = le.endPos();
    for (Map.Entry<StreamId, Long> e : expect.entrySet()) {
      nextSeq.put(e.getKey(), e.getValue());
      TreeMap<Long, byte[]> t = store.get(e.getKey());
      if (t != null) {
        t.headMap(e.getValue()).clear();
      }
    }
    return true;
  }

  /** The turn-holder orders a batch of eligible requests (FIFO per stream, byte budget). */
  private void trySequence() {
    int guard = 0;
    while (status == MemberStatus.NORMAL && members.length > 0
        && members[(int) (logSlots % members.length)] == self && guard++ < 64) {
      List<Cmd> batch = buildBatch();
      if (batch.isEmpty()) {
        return;
      }
      LogEntry le = new LogEntry(logSlots, logPos, List.copyOf(batch));
      pendingSeq.remove(logSlots);
      pendingEntry.remove(logSlots);
      if (!append(le)) {
        violations++;
        return;
      }
      List<ReqRef> refs = new ArrayList<>(batch.size());
      for (Cmd c : batch) {
        refs.add(new ReqRef(c.member(), c.incarnation(), c.lseq()));
      }
      send(Outbound.ALL, new Sequence(le.slot(), le.firstPos(), List.copyOf(refs)));
    }
  }

  private List<Cmd> buildBatch() {
    int budget = cfg.maxCommandBytes() + CMD_OVERHEAD;
    int size = 0;
    List<Cmd> batch = new ArrayList<>();
    int start = (int) (logSlots % members.length);
    for (int i = 0; i < members.length; i++) {
      int idx = (start + i) % members.length;
      StreamId sid = new StreamId(members[idx], memberInc[idx]);
      TreeMap<Long, byte[]> t = store.get(sid);
      if (t == null) {
        continue;
      }
      long next = nextSeqOf(sid);
      byte[] b;
      while ((b = t.get(next)) != null) {
        int cost = b.length + CMD_OVERHEAD;
        if (size + cost > budget) {
          return batch;
        }
        batch.add(new Cmd(sid.member(), sid.inc(), next, b));
        size += cost;
        next++;
      }
    }
    return batch;
  }

  private void tryDeliver() {
    while (status == MemberStatus.NORMAL && deliveredSlot >= 0 && deliveredSlot < logSlots) {
      long k = deliveredSlot;
      int count = 1;
      for (int i = 0; i < members.length; i++) {
        int m = members[i];
        if (m != self && peerInc[m] == memberInc[i] && peerAckView[m] == view
            && peerAck[m] > k) {
          count++;
        }
      }
      if (count < quorum) {
        break;
      }
      LogEntry le = log.get(k);
      for (int i = 0; i < le.cmds().size(); i++) {
        long pos = le.firstPos() + i;
        if (pos < deliveredPos) {
          continue;
        }
        Cmd c = le.cmds().get(i);
        deliveredOut.add(new Delivered(pos, c.member(), c.incarnation(), c.lseq(), c.command()));
        deliveredPos = pos + 1;
        if (c.member() == self && c.incarnation() == incarnation) {
          ownPending.remove(c.lseq());
        }
      }
      deliveredSlot++;
    }
    trim();
  }

  /** Drops log slots every member of the view has delivered (retransmit buffer). */
  private void trim() {
    if (status != MemberStatus.NORMAL) {
      return;
    }
    long min = deliveredPos;
    for (int i = 0; i < members.length; i++) {
      int m = members[i];
      if (m != self) {
        min = Math.min(min, peerInc[m] == memberInc[i] ? peerDelivered[m] : 0);
      }
    }
    while (!log.isEmpty()) {
      LogEntry first = log.firstEntry().getValue();
      if (first.endPos() > min || first.slot() >= deliveredSlot) {
        break;
      }
      log.pollFirstEntry();
      posIndex.remove(first.firstPos());
      trimSlot = first.slot() + 1;
      trimPos = first.endPos();
    }
  }

  private void fetchIfBehind() {
    long maxAck = 0;
    List<Integer> ahead = new ArrayList<>();
    for (int i = 0; i < members.length; i++) {
      int m = members[i];
      if (m != self && peerAckView[m] == view && peerInc[m] == memberInc[i]) {
        maxAck = Math.max(maxAck, peerAck[m]);
        if (peerAck[m] > logSlots) {
          ahead.add(m);
        }
      }
    }
    boolean gap = !pendingSeq.isEmpty() || !pendingEntry.isEmpty();
    if ((maxAck > logSlots || gap) && now - lastFetch >= 2) {
      lastFetch = now;
      int dest = ahead.isEmpty() ? members[(int) (logSlots % members.length)]
          : ahead.get(rng.nextInt(ahead.size()));
      if (dest != self) {
        send(dest, new Fetch(logSlots, logPos, view));
      }
    }
  }

  // =============================================================================== repair

  private void onFetch(Header h, Fetch f) {
    boolean valid = !amnesiac && ((lastNormalView >= 0 && lastNormalView == f.wantLogView())
        || (status == MemberStatus.NORMAL && view == h.view()));
    if (!valid) {
      return;
    }
    long tag = lastNormalView;
    int to = h.sender();
    long slot;
    if (f.fromSlot() >= 0) {
      slot = f.fromSlot();
      if (slot < trimSlot) {
        send(to, new TooFar(trimPos, deliveredPos));
        return;
      }
    } else {
      long pos = f.fromPos();
      if (pos < trimPos) {
        send(to, new TooFar(trimPos, deliveredPos));
        return;
      }
      if (pos > logPos) {
        return;
      }
      if (pos == logPos) {
        slot = logSlots;
      } else {
        Map.Entry<Long, Long> fe = posIndex.floorEntry(pos);
        if (fe == null) {
          send(to, new TooFar(trimPos, deliveredPos));
          return;
        }
        slot = fe.getValue();
      }
      long slotPos = slot == logSlots ? logPos : log.get(slot).firstPos();
      long slotEnd = slot == logSlots ? logPos : log.get(slot).endPos();
      send(to, new Anchor(tag, slot, slotPos, slotEnd, streamsAt(slot)));
    }
    for (int i = 0; i < cfg.fetchBatch() && slot < logSlots; i++, slot++) {
      LogEntry le = log.get(slot);
      send(to, new Entry(tag, le.slot(), le.firstPos(), le.cmds()));
    }
  }

  /** Stream positions as they were at the start of {@code slot} (slot >= trimSlot). */
  private List<StreamPos> streamsAt(long slot) {
    TreeMap<StreamId, Long> at = new TreeMap<>(nextSeq);
    for (LogEntry le : log.tailMap(slot, true).values()) {
      for (Cmd c : le.cmds()) {
        StreamId sid = new StreamId(c.member(), c.incarnation());
        at.put(sid, Math.min(at.getOrDefault(sid, 1L), c.lseq()));
      }
    }
    return toStreams(at);
  }

  private void onAnchor(Header h, Anchor a) {
    if (!fromCurrentMember(h)) {
      return;
    }
    if (status != MemberStatus.RECOVERING || pendBase >= 0 || waitingState) {
      return;
    }
    boolean tagOk = a.logView() == view || a.logView() == installed.chosenLogView();
    boolean covers = a.pos() == pendBasePos
        || (a.pos() < pendBasePos && pendBasePos < a.endPos());
    if (!tagOk || !covers) {
      return;
    }
    if (a.slot() > installed.startSlots() && a.logView() != view) {
      return;
    }
    pendBase = a.slot();
    baseStreams = a.streams();
    pendBasePos = a.pos();
    lastProgress = now;
    tryFinishRecovery();
  }

  private void onTooFar(Header h, TooFar t) {
    if (!fromCurrentMember(h)) {
      return;
    }
    if (status == MemberStatus.NORMAL && t.trimPos() > logPos) {
      // Behind every retained log (only after an external state jump): re-anchor by position.
      status = MemberStatus.RECOVERING;
      pendingSeq.clear();
      pendingEntry.clear();
      pending.clear();
      lastProgress = now;
      setBaseByPosition(installed);
      if (deliveredPos >= t.trimPos()) {
        return;
      }
    }
    if (status != MemberStatus.RECOVERING || waitingState || t.deliveredPos() < deliveredPos) {
      return;
    }
    waitingState = true;
    stateTransfers++;
    stateTransferOut = new StateTransferNeeded(h.sender(), deliveredPos);
  }

  // =============================================================================== views

  private void startViewChange(long newView) {
    if (newView <= view) {
      return;
    }
    view = newView;
    status = MemberStatus.VIEW_CHANGE;
    vcStart = now;
    reports.clear();
    quorumSince = -1;
    viewChanges++;
    pendingSeq.clear();
    pendingEntry.clear();
    pending.clear();
    pendBase = -1;
    waitingState = false;
    confirmed = null;
    bound = coordinator(view) == self;
    boundCoordInc = bound ? incarnation : 0;
    reports.put(self, new Report(incarnation, myViewChange(), deliveredPos));
    send(Outbound.ALL, myViewChange());
  }

  private ViewChange myViewChange() {
    long echo = bound ? boundCoordInc : 0;
    if (amnesiac) {
      return new ViewChange(view, -1, 0, 0, true, echo, List.of());
    }
    return new ViewChange(view, lastNormalView, logSlots, logPos, false, echo,
        toStreams(nextSeq));
  }

  private int coordinator(long v) {
    return (int) (v % n);
  }

  private void onViewChange(Header h, ViewChange vc) {
    int s = h.sender();
    if (vc.newView() != h.view() || vc.newView() < 0) {
      violations++;
      return;
    }
    if (vc.newView() > view) {
      startViewChange(vc.newView());
    }
    if (vc.newView() == view) {
      if (status == MemberStatus.VIEW_CHANGE) {
        if (s == coordinator(view) && !bound) {
          // C1: bind to the first incarnation of the coordinator heard in this view, and tell it.
          bound = true;
          boundCoordInc = h.incarnation();
          reports.put(self, new Report(incarnation, myViewChange(), deliveredPos));
          send(s, myViewChange());
        }
        reports.put(s, new Report(h.incarnation(), vc, h.deliveredPos()));
        maybeStartView();
        maybeForgetLog();
      } else if (installed != null && installed.view() == view) {
        send(s, installed);
      }
    } else if (status != MemberStatus.VIEW_CHANGE && installed != null
        && installed.view() == view) {
      send(s, installed);
    } else {
      send(s, myViewChange());
    }
  }

  /**
   * Coordinator: a normal view with a quorum of non-amnesiac reports (and stragglers' grace), or,
   * when this coordinator is itself amnesiac, a census (rule C2).
   */
  private void maybeStartView() {
    if (status != MemberStatus.VIEW_CHANGE || coordinator(view) != self) {
      return;
    }
    reports.put(self, new Report(incarnation, myViewChange(), deliveredPos));
    if (amnesiac) {
      maybeStartCensus();
      return;
    }
    int counted = 0;
    for (Report r : reports.values()) {
      if (!r.vc().amnesiac()) {
        counted++;
      }
    }
    if (counted < quorum) {
      quorumSince = -1;
      return;
    }
    if (quorumSince < 0) {
      quorumSince = now;
    }
    if (reports.size() < n && now - quorumSince < 2L * cfg.heartbeatTicks()) {
      return;
    }
    int best = -1;
    ViewChange bv = null;
    List<MemberInc> ms = new ArrayList<>();
    for (Map.Entry<Integer, Report> e : reports.entrySet()) {
      ms.add(new MemberInc(e.getKey(), e.getValue().inc()));
      ViewChange vc = e.getValue().vc();
      if (vc.amnesiac()) {
        continue;
      }
      if (bv == null || vc.lastNormalView() > bv.lastNormalView()
          || (vc.lastNormalView() == bv.lastNormalView() && vc.logSlots() > bv.logSlots())) {
        bv = vc;
        best = e.getKey();
      }
    }
    StartView sv = new StartView(view, List.copyOf(ms), bv.lastNormalView(), bv.logSlots(),
        bv.logPos(), best, bv.streams());
    send(Outbound.ALL, sv);
    install(sv);
  }

  /**
   * C2: every member reported for this view, amnesiac, bound to this coordinator incarnation.
   * The view starts with an empty log at the largest durable position.
   */
  private void maybeStartCensus() {
    if (reports.size() < n) {
      return;
    }
    long p = -1;
    for (Report r : reports.values()) {
      if (!r.vc().amnesiac() || r.vc().coordInc() != incarnation) {
        return;
      }
      p = Math.max(p, r.deliveredPos());
    }
    int source = -1;
    List<MemberInc> ms = new ArrayList<>();
    for (Map.Entry<Integer, Report> e : reports.entrySet()) {
      ms.add(new MemberInc(e.getKey(), e.getValue().inc()));
      if (e.getValue().deliveredPos() == p && (source < 0 || e.getKey() == self)) {
        source = e.getKey();
      }
    }
    StartView sv = new StartView(view, List.copyOf(ms), COLD, 0, p, source, List.of());
    censusViews++;
    send(Outbound.ALL, sv);
    install(sv);
  }

  /**
   * R10: when every member reported for this view and fewer than a quorum of them hold a log, no
   * normal view can form; a member that holds one gives it up and becomes amnesiac (safe: an
   * amnesiac member claims nothing about logs), so that a census becomes possible.
   */
  private void maybeForgetLog() {
    if (status != MemberStatus.VIEW_CHANGE || amnesiac || reports.size() < n) {
      return;
    }
    int withLog = 0;
    for (Report r : reports.values()) {
      if (!r.vc().amnesiac()) {
        withLog++;
      }
    }
    if (withLog >= quorum) {
      return;
    }
    voluntaryAmnesia++;
    incarnation = freshIncarnation(rng, incarnation);
    amnesiac = true;
    lastNormalView = -1;
    log.clear();
    posIndex.clear();
    logSlots = 0;
    logPos = 0;
    trimSlot = 0;
    trimPos = 0;
    deliveredSlot = -1;
    store.clear();
    nextSeq = new TreeMap<>(STREAM_ORDER);
    recvContig.clear();
    ownLseq = 0;
    ownPending.clear();
    ownUnsent.clear();
    installed = null;
    members = new int[0];
    memberInc = new long[0];
    if (coordinator(view) == self) {
      boundCoordInc = incarnation;
    }
    reports.put(self, new Report(incarnation, myViewChange(), deliveredPos));
    send(Outbound.ALL, myViewChange());
  }

  private void onStartView(Header h, StartView sv) {
    if (sv.view() < view || (sv.view() == view && status != MemberStatus.VIEW_CHANGE)) {
      return;
    }
    long coordInc = 0;
    boolean hasCoord = false;
    boolean listed = false;
    for (MemberInc mi : sv.members()) {
      if (mi.member() == self && mi.incarnation() == incarnation) {
        listed = true;
      }
      if (mi.member() == coordinator(sv.view())) {
        hasCoord = true;
        coordInc = mi.incarnation();
      }
    }
    if (!hasCoord) {
      violations++;
      return;
    }
    if (sv.view() == view) {
      if (bound && coordInc != boundCoordInc) {
        staleIgnored++; // C1: another incarnation's START_VIEW of this view number
        return;
      }
      bound = true;
      boundCoordInc = coordInc;
    }
    if (!listed) {
      startViewChange(sv.view() + 1);
    } else if (sv.chosenLogView() == COLD && (!amnesiac || sv.view() != view)) {
      violations++; // only members that reported amnesiac for this very view are listed
    } else {
      install(sv);
    }
  }

  private void onGetView(Header h, GetView g) {
    if (installed != null && status != MemberStatus.VIEW_CHANGE) {
      send(h.sender(), installed);
    } else if (status == MemberStatus.VIEW_CHANGE && view >= 0) {
      send(h.sender(), myViewChange());
    }
  }

  private void setInstalled(StartView sv) {
    installed = sv;
    members = new int[sv.members().size()];
    memberInc = new long[members.length];
    List<MemberInc> sorted = new ArrayList<>(sv.members());
    sorted.sort(Comparator.comparingInt(MemberInc::member));
    for (int i = 0; i < members.length; i++) {
      members[i] = sorted.get(i).member();
      memberInc[i] = sorted.get(i).incarnation();
    }
    for (int m : members) {
      lastHeard[m] = now;
      peerAckView[m] = -2;
      peerAck[m] = 0;
      peerRecv[m] = null;
    }
    viewInstalledAt = now;
  }

  /** Enters the view as RECOVERING; the old log stays untouched until the new one is complete. */
  private void install(StartView sv) {
    view = sv.view();
    status = MemberStatus.RECOVERING;
    setInstalled(sv);
    pending.clear();
    pendingSeq.clear();
    pendingEntry.clear();
    waitingState = false;
    lastProgress = now;
    confirmed = null;
    if (sv.chosenLogView() == COLD) {
      // C3/C4: an empty log at P; NORMAL only once every listed incarnation is heard in it.
      confirmed = new boolean[members.length];
      confirmed[indexOf(self)] = true;
      send(Outbound.ALL, new Heartbeat());
    }
    long start = sv.startSlots();
    if (amnesiac || deliveredSlot < 0) {
      setBaseByPosition(sv);
    } else if (lastNormalView == sv.chosenLogView()
        && posOfSlot(Math.min(logSlots, start)) >= 0) {
      baseByPosition = false;
      pendBase = Math.min(logSlots, start);
      pendBasePos = posOfSlot(pendBase);
    } else if (deliveredSlot <= start && posOfSlot(deliveredSlot) >= 0) {
      baseByPosition = false;
      pendBase = deliveredSlot;
      pendBasePos = posOfSlot(deliveredSlot);
    } else {
      violations++;
      setBaseByPosition(sv);
    }
    tryFinishRecovery();
  }

  private void setBaseByPosition(StartView sv) {
    baseByPosition = true;
    baseStreams = null;
    if (deliveredPos == sv.startPos()) {
      pendBase = sv.startSlots();
      pendBasePos = sv.startPos();
    } else {
      pendBase = -1;
      pendBasePos = deliveredPos;
    }
  }

  /** Start position of a slot of my log, or -1 if it is not (or no longer) retained. */
  private long posOfSlot(long slot) {
    if (slot == logSlots) {
      return logPos;
    }
    LogEntry le = log.get(slot);
    return le == null ? -1 : le.firstPos();
  }

  private void recoveryFetch() {
    if (now - lastFetch < 1) {
      return;
    }
    lastFetch = now;
    int dest = installed.source();
    if (dest == self || rng.nextInt(3) == 0) {
      dest = members[rng.nextInt(members.length)];
    }
    if (dest == self) {
      return;
    }
    if (pendBase < 0) {
      send(dest, new Fetch(-1, pendBasePos, installed.chosenLogView()));
    } else {
      long next = pendBase;
      while (pending.containsKey(next)) {
        next++;
      }
      send(dest, new Fetch(next, 0, installed.chosenLogView()));
    }
  }

  private void tryFinishRecovery() {
    if (status != MemberStatus.RECOVERING || pendBase < 0 || waitingState) {
      return;
    }
    if (confirmed != null) {
      for (boolean c : confirmed) {
        if (!c) {
          return;
        }
      }
    }
    long start = installed.startSlots();
    long end = pendBase;
    while (pending.containsKey(end)) {
      end++;
    }
    if (end < start) {
      return;
    }
    finishRecovery(end);
  }

  private void finishRecovery(long end) {
    long start = installed.startSlots();
    // Build the new stream positions first; any inconsistency aborts (counted, stay RECOVERING).
    TreeMap<StreamId, Long> ns = new TreeMap<>(STREAM_ORDER);
    long applyFrom;
    if (pendBase <= start) {
      for (StreamPos sp : installed.streams()) {
        ns.put(new StreamId(sp.member(), sp.incarnation()), sp.nextSeq());
      }
      applyFrom = start;
    } else {
      if (baseStreams == null) {
        violations++;
        return;
      }
      for (StreamPos sp : baseStreams) {
        ns.put(new StreamId(sp.member(), sp.incarnation()), sp.nextSeq());
      }
      applyFrom = pendBase;
    }
    long pos = pendBasePos;
    for (long s = pendBase; s < end; s++) {
      LogEntry le = pending.get(s);
      if (le.firstPos() != pos || le.cmds().isEmpty()) {
        violations++;
        pending.clear();
        return;
      }
      pos = le.endPos();
      if (s >= applyFrom) {
        for (Cmd c : le.cmds()) {
          StreamId sid = new StreamId(c.member(), c.incarnation());
          if (c.lseq() != ns.getOrDefault(sid, 1L)) {
            violations++;
            pending.clear();
            return;
          }
          ns.put(sid, c.lseq() + 1);
        }
      }
    }
    // Replace the log atomically.
    if (baseByPosition) {
      log.clear();
      posIndex.clear();
      deliveredSlot = pendBase;
    } else {
      while (!log.isEmpty() && log.lastKey() >= pendBase) {
        LogEntry dropped = log.pollLastEntry().getValue();
        posIndex.remove(dropped.firstPos());
      }
    }
    for (long s = pendBase; s < end; s++) {
      LogEntry le = pending.get(s);
      log.put(s, le);
      posIndex.put(le.firstPos(), s);
    }
    logSlots = end;
    logPos = pos;
    if (log.isEmpty()) {
      trimSlot = logSlots;
      trimPos = logPos;
    } else {
      trimSlot = log.firstKey();
      trimPos = log.firstEntry().getValue().firstPos();
    }
    nextSeq = ns;
    pruneDeadIncarnations();
    recvContig.clear();
    for (Map.Entry<StreamId, TreeMap<Long, byte[]>> e : store.entrySet()) {
      e.getValue().headMap(nextSeqOf(e.getKey())).clear();
    }
    StreamId own = ownStream();
    for (Map.Entry<Long, byte[]> e : ownPending.tailMap(nextSeqOf(own), true).entrySet()) {
      addToStore(own, e.getKey(), e.getValue());
    }
    pending.clear();
    pendingSeq.clear();
    pendingEntry.clear();
    pendBase = -1;
    baseStreams = null;
    lastNormalView = view;
    amnesiac = false;
    confirmed = null;
    status = MemberStatus.NORMAL;
    viewsInstalled++;
    for (int m : members) {
      lastHeard[m] = now;
    }
    List<Integer> ms = new ArrayList<>();
    for (int m : members) {
      ms.add(m);
    }
    viewsOut.add(new ViewInstalled(view, List.copyOf(ms), installed.startPos()));
    send(Outbound.ALL, new Heartbeat());
    for (int m : members) {
      peerRecv[m] = null;
    }
    resendOwn();
    trySequence();
    tryDeliver();
  }

  // =============================================================================== helpers

  /**
   * R11: log repair and anchors come only from members of my current view with the incarnation
   * the view lists (a datagram of a previous life of a member — e.g. from before a whole-cluster
   * restart that reused this view number — is ignored and counted).
   */
  private boolean fromCurrentMember(Header h) {
    if (status == MemberStatus.VIEW_CHANGE) {
      return false;
    }
    if (!inView(h.sender(), h.incarnation())) {
      staleIgnored++;
      return false;
    }
    return true;
  }

  /** Forgets streams of incarnations replaced in the view: they can never be ordered again. */
  private void pruneDeadIncarnations() {
    java.util.function.Predicate<StreamId> dead = sid -> {
      int idx = indexOf(sid.member());
      return idx >= 0 && memberInc[idx] != sid.inc();
    };
    nextSeq.keySet().removeIf(dead);
    store.keySet().removeIf(dead);
    recvContig.keySet().removeIf(dead);
  }

  private boolean inView(int member, long inc) {
    int idx = indexOf(member);
    return idx >= 0 && memberInc[idx] == inc;
  }

  private int indexOf(int member) {
    for (int i = 0; i < members.length; i++) {
      if (members[i] == member) {
        return i;
      }
    }
    return -1;
  }

  private static List<StreamPos> toStreams(Map<StreamId, Long> m) {
    List<StreamPos> outList = new ArrayList<>();
    for (Map.Entry<StreamId, Long> e : m.entrySet()) {
      if (e.getValue() > 1) {
        outList.add(new StreamPos(e.getKey().member(), e.getKey().inc(), e.getValue()));
      }
    }
    return List.copyOf(outList);
  }

  private Header header() {
    long[] recv;
    if (status == MemberStatus.VIEW_CHANGE) {
      recv = new long[0];
    } else {
      recv = new long[members.length];
      for (int i = 0; i < members.length; i++) {
        recv[i] = contig(new StreamId(members[i], memberInc[i]));
      }
    }
    long ack = status == MemberStatus.NORMAL ? logSlots : 0;
    return new Header(self, incarnation, view, status, ack, deliveredPos, recv);
  }

  private void send(int to, Body body) {
    byte[] bytes = codec.encode(new TotemMessage(header(), body));
    out.add(new Outbound(to, bytes));
    datagramsOut++;
    if (to == Outbound.ALL) {
      lastSentToAll = now;
      lastAckSentToAll = status == MemberStatus.NORMAL ? logSlots : lastAckSentToAll;
    }
  }
}
