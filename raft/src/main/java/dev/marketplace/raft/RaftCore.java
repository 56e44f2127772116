package dev.marketplace.raft;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * The pure, deterministic Raft state machine of one node (etcd RawNode style). It has no
 * threads, clocks, sockets or files: the caller feeds it events ({@link #tick()}, {@link
 * #step(Message)}, {@link #propose(byte[])}, {@link #readIndex(long)}, {@link #applied(long)},
 * {@link #compact(long, byte[])}) and collects the resulting work with {@link #ready()}, then
 * acknowledges durability with {@link #persisted(Ready)}. Randomness comes only from the injected
 * generator, so the same inputs and seed give the same outputs.
 *
 * <p>Not thread-safe: exactly one thread (the node's event loop) must own an instance.
 */
public final class RaftCore {
  private static final int NONE = -1;

  private final RaftConfig cfg;
  private final RandomGenerator rng;
  private final int id;
  private final int n;
  private final RaftLog log = new RaftLog();

  private long term;
  private int votedFor = NONE;
  private int lead = NONE;
  private Role role = Role.FOLLOWER;
  private int electionElapsed;
  private int heartbeatElapsed;
  private int randomizedTimeout;

  // elections
  private final int[] votes; // 0 = none, 1 = granted, 2 = rejected
  private boolean selfVotePending;

  // leader
  private final Progress[] prs;
  private long readRound;
  private final ArrayDeque<PendingRead> pendingReads = new ArrayDeque<>();
  private final List<PendingRead> readsAwaitingCommit = new ArrayList<>();

  // follower
  private final Map<Long, Integer> forwardedReads = new LinkedHashMap<>();
  private long rcvSnapIndex = -1;
  private long rcvSnapTerm;
  private ByteArrayOutputStream rcvSnapBuf;

  // output
  private final List<Message> msgs = new ArrayList<>();
  private final List<Message> msgsAfter = new ArrayList<>();
  private final List<ReadState> readStates = new ArrayList<>();
  private final List<Long> abortedReads = new ArrayList<>();
  private Snapshot pendingSnapshot;
  private HardState lastHardState;
  private SoftState lastSoftState;
  private long dropped;

  private record PendingRead(int origin, long requestId, long index, long round) {}

  /** Creates a fresh node with an empty log at term 0. */
  public RaftCore(RaftConfig config, RandomGenerator rng) {
    this.cfg = config.validate();
    if (rng == null) throw new IllegalArgumentException("rng must not be null");
    this.rng = rng;
    this.id = config.id();
    this.n = config.clusterSize();
    this.votes = new int[n];
    this.prs = new Progress[n];
    this.lastHardState = HardState.INITIAL;
    this.lastSoftState = softState();
    resetRandomizedTimeout();
  }

  /**
   * Restarts a node from durable state. Everything given is treated as durable.
   *
   * @param hardState saved term and vote
   * @param snapshot the latest snapshot (meta {@link SnapshotMeta#NONE} and empty data if none)
   * @param entries the stored entries, contiguous from {@code snapshot.meta().index() + 1}
   * @param appliedIndex the state machine's durable applied index (0 if it restores from the
   *     snapshot); entries up to it are not handed out again
   */
  public static RaftCore restore(RaftConfig config, RandomGenerator rng, HardState hardState,
      Snapshot snapshot, List<LogEntry> entries, long appliedIndex) {
    RaftCore c = new RaftCore(config, rng);
    RaftLog l = c.log;
    l.snapIndex = snapshot.meta().index();
    l.snapTerm = snapshot.meta().term();
    l.snapData = snapshot.data();
    for (LogEntry e : entries) {
      if (e.index() <= l.snapIndex) continue;
      l.appendOne(e);
    }
    long start = Math.max(l.snapIndex, Math.min(appliedIndex, l.lastIndex()));
    l.commit = start;
    l.applied = start;
    l.applyHandedOut = start;
    l.stable = l.lastIndex();
    l.handedOut = l.lastIndex();
    c.term = hardState.term();
    c.votedFor = hardState.votedFor();
    if (l.lastTerm() > c.term) {
      // the entries survived a crash but the hard state write did not: never campaign at a
      // term whose leader's entries we already hold (that could make two leaders of one term)
      c.term = l.lastTerm();
      c.votedFor = NONE;
    }
    c.lastHardState = new HardState(c.term, c.votedFor).equals(hardState) ? hardState
        : HardState.INITIAL;
    c.lastSoftState = c.softState();
    return c;
  }

  /** Restarts a node from a {@link LogStorage}; see {@link #restore}. */
  public static RaftCore fromStorage(RaftConfig config, RandomGenerator rng, LogStorage storage,
      long appliedIndex) throws IOException {
    SnapshotMeta meta = storage.snapshot();
    byte[] data = storage.snapshotData();
    List<LogEntry> entries = new ArrayList<>();
    long from = storage.firstIndex();
    long last = storage.lastIndex();
    while (from <= last) {
      List<LogEntry> part = storage.entries(from, last + 1, 16L << 20);
      if (part.isEmpty()) throw new IOException("storage returned no entries at " + from);
      entries.addAll(part);
      from = part.get(part.size() - 1).index() + 1;
    }
    return restore(config, rng, storage.hardState(), new Snapshot(meta, data), entries,
        appliedIndex);
  }

  // ---------------------------------------------------------------- inputs

  /** Advances logical time by one tick (election and heartbeat timers). */
  public void tick() {
    if (role == Role.LEADER) {
      tickLeader();
    } else {
      electionElapsed++;
      if (electionElapsed >= randomizedTimeout) {
        electionElapsed = 0;
        hup();
      }
    }
  }

  /**
   * Proposes a command. On the leader it is appended and replicated; a follower that knows the
   * leader forwards it as a PROPOSE message.
   *
   * @throws IllegalArgumentException if data is null or empty (empty entries are no-ops)
   */
  public ProposeResult propose(byte[] data) {
    if (data == null || data.length == 0) {
      throw new IllegalArgumentException("proposal must be non-empty");
    }
    if (role == Role.LEADER) {
      LogEntry e = appendLocal(data);
      bcastAppend();
      return new ProposeResult(ProposeResult.Status.ACCEPTED, e.index(), e.term(), id);
    }
    if (lead != NONE) {
      send(Message.builder(MessageType.PROPOSE, id, lead, term).data(data).build());
      return new ProposeResult(ProposeResult.Status.FORWARDED, 0, 0, lead);
    }
    return new ProposeResult(ProposeResult.Status.NO_LEADER, 0, 0, NONE);
  }

  /**
   * Proposes several commands at once, in order: on the leader they are appended and replicated
   * with one round of AppendEntries; a follower that knows the leader forwards them as ONE
   * PROPOSE message (its {@code entries} carry the commands; their index and term are
   * placeholders the leader ignores). The result describes the whole batch: on the leader the
   * index and term of the LAST entry (the batch occupies the indexes ending there).
   *
   * @throws IllegalArgumentException if the list is empty or a command is null or empty
   */
  public ProposeResult proposeAll(List<byte[]> commands) {
    if (commands == null || commands.isEmpty()) {
      throw new IllegalArgumentException("proposal batch must be non-empty");
    }
    for (byte[] d : commands) {
      if (d == null || d.length == 0) {
        throw new IllegalArgumentException("proposal must be non-empty");
      }
    }
    if (commands.size() == 1) return propose(commands.get(0));
    if (role == Role.LEADER) {
      LogEntry e = null;
      for (byte[] d : commands) e = appendLocal(d);
      bcastAppend();
      return new ProposeResult(ProposeResult.Status.ACCEPTED, e.index(), e.term(), id);
    }
    if (lead != NONE) {
      List<LogEntry> ents = new ArrayList<>(commands.size());
      for (int i = 0; i < commands.size(); i++) ents.add(new LogEntry(i + 1, 0, commands.get(i)));
      send(Message.builder(MessageType.PROPOSE, id, lead, term).entries(ents).build());
      return new ProposeResult(ProposeResult.Status.FORWARDED, 0, 0, lead);
    }
    return new ProposeResult(ProposeResult.Status.NO_LEADER, 0, 0, NONE);
  }

  /**
   * Starts a linearizable read (ReadIndex, thesis §6.4). The outcome appears in a later Ready as
   * a {@link ReadState} with this id, or in {@link Ready#abortedReads()}.
   */
  public void readIndex(long requestId) {
    if (requestId < 0) throw new IllegalArgumentException("requestId must be >= 0");
    if (role == Role.LEADER) {
      handleReadRequest(id, requestId);
    } else if (lead != NONE) {
      forwardedReads.put(requestId, lead);
      send(Message.builder(MessageType.READ_INDEX, id, lead, term).context(requestId).build());
    } else {
      abortedReads.add(requestId);
    }
  }

  /** Processes a message from a peer. Invalid or misaddressed messages are dropped and counted. */
  public void step(Message m) {
    if (m == null || m.to() != id || m.from() == id || m.from() >= n) {
      dropped++;
      return;
    }
    if (m.term() > term) {
      if (m.type() == MessageType.VOTE || m.type() == MessageType.PRE_VOTE) {
        boolean inLease =
            cfg.checkQuorum() && lead != NONE && electionElapsed < cfg.electionTicks();
        if (inLease) return; // §9.6 leader stickiness: do not let a rejoining node disrupt
      }
      if (m.type() == MessageType.PRE_VOTE) {
        // pre-vote never changes our term
      } else if (m.type() == MessageType.PRE_VOTE_RESP && !m.reject()) {
        // a granted pre-vote carries the term we would campaign at
      } else if (m.type() == MessageType.APPEND || m.type() == MessageType.HEARTBEAT
          || m.type() == MessageType.SNAPSHOT) {
        becomeFollower(m.term(), m.from());
      } else {
        becomeFollower(m.term(), NONE);
      }
    } else if (m.term() < term) {
      if ((cfg.checkQuorum() || cfg.preVote())
          && (m.type() == MessageType.APPEND || m.type() == MessageType.HEARTBEAT)) {
        // tell a stale leader about the newer term so it steps down
        send(Message.builder(MessageType.APPEND_RESP, id, m.from(), term).reject(true).build());
      } else if (m.type() == MessageType.PRE_VOTE) {
        send(Message.builder(MessageType.PRE_VOTE_RESP, id, m.from(), term).reject(true).build());
      }
      return;
    }

    switch (m.type()) {
      case VOTE, PRE_VOTE -> handleVoteRequest(m);
      default -> {
        switch (role) {
          case LEADER -> stepLeader(m);
          case CANDIDATE, PRE_CANDIDATE -> stepCandidate(m);
          case FOLLOWER -> stepFollower(m);
          default -> throw new IllegalStateException();
        }
      }
    }
  }

  /**
   * A hint from the runtime that its connection to {@code peer} broke (for example the transport
   * saw the peer's process go away: its TCP connection was reset). If {@code peer} is the leader
   * this follower follows, it stops trusting it at once instead of waiting for the election
   * timeout: it forgets the leader, which also ends its leader lease (so it grants the pre-votes
   * of others who lost the leader too), and it campaigns after only the random part of its
   * election timeout ({@code [0, electionTicks)} ticks; the spread still separates candidates).
   * Any other case is ignored. Safety never depends on this hint; a wrong one (the leader is
   * alive) costs at most one pre-vote round that the members still hearing the leader ignore,
   * and the leader's next message makes this node follow it again.
   */
  public void peerUnreachable(int peer) {
    if (peer < 0 || peer >= n || peer == id || role != Role.FOLLOWER || peer != lead) return;
    setLead(NONE);
    electionElapsed = Math.max(electionElapsed, cfg.electionTicks());
  }

  /**
   * Acknowledges that everything in {@code ready} (hard state, entries, snapshot) is durable.
   * Call once per Ready, in the order the Readys were returned.
   */
  public void persisted(Ready ready) {
    if (ready.snapshot() != null && log.snapIndex >= ready.snapshot().meta().index()) {
      log.stable = Math.max(log.stable, Math.min(ready.snapshot().meta().index(), log.lastIndex()));
    }
    log.stableTo(ready.entries());
    HardState hs = ready.hardState();
    if (hs != null && role == Role.CANDIDATE && selfVotePending && hs.term() == term
        && hs.votedFor() == id) {
      selfVotePending = false;
      poll(id, true);
    }
    if (role == Role.LEADER && maybeCommit()) bcastCommit();
  }

  /** Reports that the state machine has applied every committed entry up to {@code index}. */
  public void applied(long index) {
    if (index > log.applyHandedOut) {
      throw new IllegalArgumentException("applied " + index + " beyond the entries handed out ("
          + log.applyHandedOut + ")");
    }
    log.applied = Math.max(log.applied, index);
  }

  /**
   * Records a snapshot the state machine took at {@code index} (at most the applied index) and
   * discards the log up to it. The caller persists the returned meta with the data (e.g. {@link
   * LogStorage#saveSnapshot}); the core keeps the bytes to send to lagging followers.
   */
  public SnapshotMeta compact(long index, byte[] data) {
    if (data == null) throw new IllegalArgumentException("data must not be null");
    if (index <= log.snapIndex) {
      throw new IllegalArgumentException("snapshot " + index + " not after " + log.snapIndex);
    }
    if (index > log.applied) {
      throw new IllegalArgumentException("snapshot " + index + " beyond applied " + log.applied);
    }
    log.compact(index, data);
    return new SnapshotMeta(log.snapIndex, log.snapTerm, members());
  }

  // ---------------------------------------------------------------- output

  /** Whether {@link #ready()} would return any work. */
  public boolean hasReady() {
    return !msgs.isEmpty() || !msgsAfter.isEmpty() || !readStates.isEmpty()
        || !abortedReads.isEmpty() || pendingSnapshot != null
        || log.handedOut < log.lastIndex() || log.hasCommittedToApply()
        || !hardState().equals(lastHardState) || !softState().equals(lastSoftState);
  }

  /** Returns and clears the pending work; see {@link Ready} for the processing contract. */
  public Ready ready() {
    SoftState ss = softState();
    SoftState ssOut = ss.equals(lastSoftState) ? null : ss;
    lastSoftState = ss;
    HardState hs = hardState();
    HardState hsOut = hs.equals(lastHardState) ? null : hs;
    lastHardState = hs;
    Snapshot snap = pendingSnapshot;
    pendingSnapshot = null;
    List<LogEntry> ents = log.takeUnstable();
    List<LogEntry> committed = log.takeCommitted();
    Ready rd = new Ready(ssOut, hsOut, ents, snap, msgs, msgsAfter, committed, readStates,
        abortedReads);
    msgs.clear();
    msgsAfter.clear();
    readStates.clear();
    abortedReads.clear();
    return rd;
  }

  /** A consistent view of this node's state. */
  public Status status() {
    return new Status(id, role, term, lead, log.commit, log.applied, log.lastIndex(), log.stable,
        log.snapIndex, dropped);
  }

  public int id() {
    return id;
  }

  public Role role() {
    return role;
  }

  public long term() {
    return term;
  }

  public int leader() {
    return lead;
  }

  public long commitIndex() {
    return log.commit;
  }

  public long lastIndex() {
    return log.lastIndex();
  }

  public long firstIndex() {
    return log.firstIndex();
  }

  /** Term of the entry at index, or -1 when it is compacted away or beyond the end. */
  public long termAt(long index) {
    return log.term(index);
  }

  /** The entry at index, or null when compacted away or beyond the end. */
  public LogEntry entryAt(long index) {
    return log.entry(index);
  }

  /** The latest snapshot held (meta NONE and empty data when none). */
  public Snapshot snapshot() {
    return new Snapshot(new SnapshotMeta(log.snapIndex, log.snapTerm,
        log.snapIndex == 0 ? List.of() : members()), log.snapData);
  }

  // ---------------------------------------------------------------- roles

  private HardState hardState() {
    return new HardState(term, votedFor);
  }

  private SoftState softState() {
    return new SoftState(role, lead, term);
  }

  private List<Integer> members() {
    List<Integer> m = new ArrayList<>(n);
    for (int i = 0; i < n; i++) m.add(i);
    return m;
  }

  private void resetRandomizedTimeout() {
    randomizedTimeout = cfg.electionTicks() + rng.nextInt(cfg.electionTicks());
  }

  private void reset(long newTerm) {
    if (newTerm != term) {
      term = newTerm;
      votedFor = NONE;
    }
    electionElapsed = 0;
    heartbeatElapsed = 0;
    resetRandomizedTimeout();
    Arrays.fill(votes, 0);
    selfVotePending = false;
    abortLeaderReads();
    Arrays.fill(prs, null);
  }

  private void setLead(int newLead) {
    if (newLead != lead && !forwardedReads.isEmpty()) {
      abortedReads.addAll(forwardedReads.keySet());
      forwardedReads.clear();
    }
    lead = newLead;
  }

  private void becomeFollower(long newTerm, int newLead) {
    reset(newTerm);
    role = Role.FOLLOWER;
    setLead(newLead);
  }

  private void becomePreCandidate() {
    reset(term);
    role = Role.PRE_CANDIDATE;
    setLead(NONE);
  }

  private void becomeCandidate() {
    reset(term + 1);
    role = Role.CANDIDATE;
    setLead(NONE);
    votedFor = id;
    selfVotePending = true; // counted once the vote is durable (see persisted)
  }

  private void becomeLeader() {
    reset(term);
    role = Role.LEADER;
    setLead(id);
    for (int i = 0; i < n; i++) {
      if (i != id) prs[i] = new Progress(log.lastIndex() + 1);
    }
    readRound = 0;
    appendLocal(new byte[0]); // §8: a no-op commits the leader's term, enabling reads
    bcastAppend();
  }

  private void hup() {
    if (role == Role.LEADER) return;
    if (cfg.preVote()) {
      becomePreCandidate();
      votes[id] = 1;
      sendVoteRequests(MessageType.PRE_VOTE, term + 1);
      if (countVotes(1) >= cfg.quorum()) campaign();
    } else {
      campaign();
    }
  }

  private void campaign() {
    becomeCandidate();
    sendVoteRequests(MessageType.VOTE, term);
  }

  private void sendVoteRequests(MessageType type, long t) {
    for (int i = 0; i < n; i++) {
      if (i == id) continue;
      send(Message.builder(type, id, i, t).index(log.lastIndex()).logTerm(log.lastTerm()).build());
    }
  }

  private int countVotes(int kind) {
    int c = 0;
    for (int v : votes) if (v == kind) c++;
    return c;
  }

  private void poll(int from, boolean granted) {
    if (votes[from] == 0) votes[from] = granted ? 1 : 2;
    if (countVotes(1) >= cfg.quorum()) {
      if (role == Role.PRE_CANDIDATE) campaign();
      else if (role == Role.CANDIDATE) becomeLeader();
    } else if (countVotes(2) >= cfg.quorum()) {
      becomeFollower(term, NONE);
    }
  }

  private void handleVoteRequest(Message m) {
    boolean pre = m.type() == MessageType.PRE_VOTE;
    boolean canVote = votedFor == m.from()
        || (votedFor == NONE && lead == NONE)
        || (pre && m.term() > term);
    MessageType respType = pre ? MessageType.PRE_VOTE_RESP : MessageType.VOTE_RESP;
    if (canVote && log.isUpToDate(m.index(), m.logTerm())) {
      send(Message.builder(respType, id, m.from(), m.term()).build());
      if (!pre) {
        electionElapsed = 0;
        votedFor = m.from();
      } else if (role == Role.FOLLOWER) {
        // Granting means this node also thinks the leader is gone (its lease is over) and the
        // candidate's log is good enough. Give that candidate the field: forget the leader and
        // restart the election timer, so this node does not start a rival candidacy while the
        // candidate's vote round is under way (two candidates of one term can split the vote
        // and cost everyone another election timeout).
        setLead(NONE);
        electionElapsed = 0;
      } else if (role == Role.PRE_CANDIDATE && yieldsTo(m)) {
        // two pre-candidates at once: the one with the better claim goes on, the other steps
        // back (a follower with a fresh timer) instead of splitting the vote with it
        becomeFollower(term, NONE);
      }
    } else {
      send(Message.builder(respType, id, m.from(), term).reject(true).build());
    }
  }

  /**
   * Whether this pre-candidate should step back for the pre-candidate {@code m} (whose pre-vote
   * it grants): its log is more up to date, or as up to date and its id is lower. Exactly one of
   * two pre-candidates with equal logs steps back.
   */
  private boolean yieldsTo(Message m) {
    boolean sameLog = m.logTerm() == log.lastTerm() && m.index() == log.lastIndex();
    return !sameLog || m.from() < id;
  }

  // ---------------------------------------------------------------- follower / candidate

  private void stepFollower(Message m) {
    switch (m.type()) {
      case APPEND -> {
        electionElapsed = 0;
        setLead(m.from());
        handleAppend(m);
      }
      case HEARTBEAT -> {
        electionElapsed = 0;
        setLead(m.from());
        handleHeartbeat(m);
      }
      case SNAPSHOT -> {
        electionElapsed = 0;
        setLead(m.from());
        handleSnapshot(m);
      }
      case READ_INDEX_RESP -> handleReadIndexResp(m);
      case READ_INDEX -> send(Message.builder(MessageType.READ_INDEX_RESP, id, m.from(), term)
          .context(m.context()).reject(true).build());
      default -> dropped++;
    }
  }

  private void stepCandidate(Message m) {
    switch (m.type()) {
      case APPEND, HEARTBEAT, SNAPSHOT -> {
        becomeFollower(term, m.from());
        stepFollower(m);
      }
      case PRE_VOTE_RESP -> {
        if (role == Role.PRE_CANDIDATE && (m.reject() || m.term() == term + 1)) {
          poll(m.from(), !m.reject());
        }
      }
      case VOTE_RESP -> {
        if (role == Role.CANDIDATE) poll(m.from(), !m.reject());
      }
      case READ_INDEX_RESP -> handleReadIndexResp(m);
      case READ_INDEX -> send(Message.builder(MessageType.READ_INDEX_RESP, id, m.from(), term)
          .context(m.context()).reject(true).build());
      default -> dropped++;
    }
  }

  private void handleAppend(Message m) {
    if (m.index() < log.commit) {
      send(Message.builder(MessageType.APPEND_RESP, id, m.from(), term).index(log.commit).build());
      return;
    }
    long lastNew = log.maybeAppend(m.index(), m.logTerm(), m.commit(), m.entries());
    if (lastNew >= 0) {
      // a commit notice (see sendAppend): our answers to the appends that brought us to
      // m.index() tell the leader all this one could
      if (m.done() && m.entries().isEmpty()) return;
      send(Message.builder(MessageType.APPEND_RESP, id, m.from(), term).index(lastNew).build());
      return;
    }
    // §5.3 optimization: return the conflicting term and the first index we hold for it, or our
    // last index + 1 when the log is too short, so the leader skips a whole term per round.
    long hintIndex;
    long hintTerm;
    if (m.index() > log.lastIndex()) {
      hintIndex = log.lastIndex() + 1;
      hintTerm = 0;
    } else {
      hintTerm = log.term(m.index());
      long i = m.index();
      while (i - 1 > log.commit && log.term(i - 1) == hintTerm) i--;
      hintIndex = i;
    }
    send(Message.builder(MessageType.APPEND_RESP, id, m.from(), term).index(m.index())
        .reject(true).hint(hintIndex, hintTerm).build());
  }

  private void handleHeartbeat(Message m) {
    log.commitTo(Math.min(m.commit(), log.lastIndex()));
    send(Message.builder(MessageType.HEARTBEAT_RESP, id, m.from(), term).context(m.context())
        .build());
  }

  private void handleSnapshot(Message m) {
    Message.Builder resp = Message.builder(MessageType.SNAPSHOT_RESP, id, m.from(), term)
        .index(m.index());
    if (m.index() <= log.commit) {
      rcvSnapBuf = null;
      rcvSnapIndex = -1;
      send(resp.done(true).build());
      return;
    }
    if (m.offset() == 0) {
      rcvSnapIndex = m.index();
      rcvSnapTerm = m.logTerm();
      rcvSnapBuf = new ByteArrayOutputStream();
    }
    boolean same = rcvSnapBuf != null && rcvSnapIndex == m.index() && rcvSnapTerm == m.logTerm();
    if (!same || m.offset() != rcvSnapBuf.size()) {
      send(resp.reject(true).offset(same ? rcvSnapBuf.size() : 0).build());
      return;
    }
    rcvSnapBuf.writeBytes(m.data());
    if (!m.done()) {
      send(resp.offset(rcvSnapBuf.size()).build());
      return;
    }
    byte[] data = rcvSnapBuf.toByteArray();
    rcvSnapBuf = null;
    rcvSnapIndex = -1;
    if (log.restore(m.index(), m.logTerm(), data)) {
      pendingSnapshot = new Snapshot(new SnapshotMeta(m.index(), m.logTerm(), members()), data);
    }
    send(resp.done(true).offset(data.length).build());
  }

  private void handleReadIndexResp(Message m) {
    if (forwardedReads.remove(m.context()) == null) return;
    if (m.reject()) abortedReads.add(m.context());
    else readStates.add(new ReadState(m.context(), m.index()));
  }

  // ---------------------------------------------------------------- leader

  private void tickLeader() {
    heartbeatElapsed++;
    electionElapsed++;
    if (electionElapsed >= cfg.electionTicks()) {
      electionElapsed = 0;
      if (cfg.checkQuorum()) {
        int active = 1;
        for (int i = 0; i < n; i++) {
          if (prs[i] != null && prs[i].recentActive) active++;
          if (prs[i] != null) prs[i].recentActive = false;
        }
        if (active < cfg.quorum()) {
          becomeFollower(term, NONE); // check-quorum: cannot reach a majority
          return;
        }
      }
    }
    if (heartbeatElapsed >= cfg.heartbeatTicks()) {
      heartbeatElapsed = 0;
      bcastHeartbeat();
    }
  }

  private void stepLeader(Message m) {
    Progress pr = prs[m.from()];
    pr.recentActive = true;
    switch (m.type()) {
      case APPEND_RESP -> handleAppendResp(m, pr);
      case HEARTBEAT_RESP -> handleHeartbeatResp(m, pr);
      case SNAPSHOT_RESP -> handleSnapshotResp(m, pr);
      case PROPOSE -> {
        // one forwarded command in data, or a forwarded batch in entries (their index and term
        // are the sender's placeholders: only the data counts); empty commands are dropped
        boolean appended = false;
        if (m.data().length > 0) {
          appendLocal(m.data());
          appended = true;
        }
        for (LogEntry e : m.entries()) {
          if (e.data().length == 0) continue;
          appendLocal(e.data());
          appended = true;
        }
        if (appended) bcastAppend();
        else dropped++;
      }
      case READ_INDEX -> handleReadRequest(m.from(), m.context());
      default -> { }
    }
  }

  private LogEntry appendLocal(byte[] data) {
    LogEntry e = new LogEntry(log.lastIndex() + 1, term, data);
    log.appendOne(e);
    return e;
  }

  private void bcastAppend() {
    for (int i = 0; i < n; i++) {
      if (i != id) sendAppend(i, true);
    }
  }

  /**
   * After the commit index advanced: sends every follower what it lacks, or (nothing to send)
   * the new commit index at once, as a commit notice where allowed (see {@link #sendAppend(int,
   * boolean, boolean)}), so followers apply without waiting for the next heartbeat.
   */
  private void bcastCommit() {
    for (int i = 0; i < n; i++) {
      if (i != id) sendAppend(i, true, true);
    }
  }

  private void bcastHeartbeat() {
    for (int i = 0; i < n; i++) {
      if (i == id) continue;
      send(Message.builder(MessageType.HEARTBEAT, id, i, term)
          .commit(Math.min(prs[i].match, log.commit)).context(readRound).build());
    }
  }

  /** Sends the next append (or snapshot chunk) to a follower; false when nothing was sent. */
  private boolean sendAppend(int to, boolean sendIfEmpty) {
    return sendAppend(to, sendIfEmpty, false);
  }

  /**
   * Like {@link #sendAppend(int, boolean)}; with {@code commitPath} (the commit index just
   * advanced) an append without entries to a REPLICATE follower is flagged as a commit notice
   * ({@code done}), which the follower does not answer when it matches: everything up to the
   * previous index was sent in appends the follower answers (or has answered) itself, so a
   * successful answer could only repeat one of theirs. If such an answer was lost, the next
   * heartbeat response finds {@code match} behind and sends an ordinary (answered) append, so
   * nothing stalls. Probes, heartbeat-triggered appends and appends with entries are never
   * notices, and a notice that does not match is still rejected.
   */
  private boolean sendAppend(int to, boolean sendIfEmpty, boolean commitPath) {
    Progress pr = prs[to];
    if (pr.state == Progress.State.SNAPSHOT) {
      if (!pr.snapInflight) sendSnapshotChunk(to, pr);
      return false;
    }
    if (pr.isPaused(cfg.maxInflight())) return false;
    long prevIndex = pr.next - 1;
    long prevTerm = log.term(prevIndex);
    if (prevTerm < 0) {
      pr.becomeSnapshot(log.snapIndex);
      sendSnapshotChunk(to, pr);
      return false;
    }
    List<LogEntry> ents = log.slice(pr.next, log.lastIndex() + 1, cfg.maxAppendBytes());
    if (ents.isEmpty() && !sendIfEmpty) return false;
    // Contact tracking (check-quorum) and ReadIndex do not need the notice's answer: heartbeats
    // are answered as always.
    boolean commitNotice = commitPath && ents.isEmpty() && pr.state == Progress.State.REPLICATE;
    send(Message.builder(MessageType.APPEND, id, to, term).index(prevIndex).logTerm(prevTerm)
        .entries(ents).commit(log.commit).done(commitNotice).build());
    if (pr.state == Progress.State.REPLICATE) {
      if (!ents.isEmpty()) {
        long last = ents.get(ents.size() - 1).index();
        pr.next = last + 1;
        pr.inflight.addLast(last);
      }
    } else {
      pr.probeSent = true;
    }
    return !ents.isEmpty();
  }

  private void sendSnapshotChunk(int to, Progress pr) {
    if (pr.snapIndex != log.snapIndex) {
      pr.snapIndex = log.snapIndex;
      pr.snapOffset = 0;
    }
    byte[] data = log.snapData;
    int off = (int) Math.min(pr.snapOffset, data.length);
    int end = (int) Math.min((long) off + cfg.snapshotChunkBytes(), data.length);
    byte[] chunk = Arrays.copyOfRange(data, off, end);
    send(Message.builder(MessageType.SNAPSHOT, id, to, term).index(log.snapIndex)
        .logTerm(log.snapTerm).offset(off).data(chunk).done(end == data.length).build());
    pr.snapInflight = true;
  }

  private void handleAppendResp(Message m, Progress pr) {
    if (m.reject()) {
      if (m.index() == 0 && m.hintIndex() == 0) return; // a stale-term notice, already handled
      long hintNext;
      if (m.hintTerm() > 0) {
        long i = Math.min(m.index(), log.lastIndex());
        while (i > log.snapIndex && log.term(i) > m.hintTerm()) i--;
        hintNext = log.term(i) == m.hintTerm() ? i + 1 : m.hintIndex();
      } else {
        hintNext = m.hintIndex();
      }
      if (pr.state == Progress.State.REPLICATE) {
        if (m.index() <= pr.match) return; // stale
        pr.becomeProbe();
        pr.next = Math.max(pr.match + 1, Math.min(hintNext, m.index()));
      } else if (pr.state == Progress.State.PROBE) {
        if (pr.next - 1 != m.index()) return; // stale
        pr.next = Math.max(pr.match + 1, Math.min(hintNext, m.index()));
        pr.probeSent = false;
      } else {
        return;
      }
      sendAppend(m.from(), true);
      return;
    }
    boolean wasPaused = pr.isPaused(cfg.maxInflight());
    if (!pr.maybeUpdate(m.index())) return;
    switch (pr.state) {
      case PROBE -> pr.becomeReplicate();
      case SNAPSHOT -> {
        if (pr.match >= pr.snapIndex) pr.becomeProbe();
      }
      case REPLICATE -> pr.freeTo(m.index());
      default -> { }
    }
    if (maybeCommit()) {
      bcastCommit();
    } else if (wasPaused) {
      sendAppend(m.from(), true);
    }
    while (sendAppend(m.from(), false)) {
      // pipeline: keep sending while the window allows
    }
  }

  private void handleHeartbeatResp(Message m, Progress pr) {
    pr.probeSent = false;
    if (pr.state == Progress.State.REPLICATE && pr.inflight.size() >= cfg.maxInflight()) {
      pr.inflight.pollFirst();
    }
    if (pr.state == Progress.State.SNAPSHOT) {
      pr.snapInflight = false;
      sendSnapshotChunk(m.from(), pr);
    } else if (pr.match < log.lastIndex()) {
      sendAppend(m.from(), true);
    }
    if (m.context() > pr.readAck) pr.readAck = m.context();
    releaseReads();
  }

  private void handleSnapshotResp(Message m, Progress pr) {
    if (m.done() && !m.reject()) {
      pr.maybeUpdate(m.index());
      if (pr.state == Progress.State.SNAPSHOT) {
        pr.becomeProbe();
        sendAppend(m.from(), true);
      }
      return;
    }
    if (pr.state != Progress.State.SNAPSHOT || m.index() != pr.snapIndex) return;
    if (m.reject()) {
      pr.snapOffset = m.offset();
    } else if (m.offset() > pr.snapOffset) {
      pr.snapOffset = m.offset();
    } else {
      return; // duplicate ack
    }
    pr.snapInflight = false;
    sendSnapshotChunk(m.from(), pr);
  }

  /** §5.3/§5.4.2: commit the highest index stored on a majority, only if from this term. */
  private boolean maybeCommit() {
    long[] match = new long[n];
    for (int i = 0; i < n; i++) match[i] = i == id ? log.stable : prs[i].match;
    Arrays.sort(match);
    long q = match[n - cfg.quorum()];
    if (q > log.commit && log.term(q) == term) {
      boolean first = log.term(log.commit) != term;
      log.commitTo(q);
      if (first && !readsAwaitingCommit.isEmpty()) {
        List<PendingRead> waiting = new ArrayList<>(readsAwaitingCommit);
        readsAwaitingCommit.clear();
        for (PendingRead r : waiting) handleReadRequest(r.origin(), r.requestId());
      }
      return true;
    }
    return false;
  }

  private void handleReadRequest(int origin, long requestId) {
    if (log.term(log.commit) != term) {
      readsAwaitingCommit.add(new PendingRead(origin, requestId, 0, 0));
      return;
    }
    readRound++;
    pendingReads.addLast(new PendingRead(origin, requestId, log.commit, readRound));
    if (n > 1) {
      bcastHeartbeat();
    }
    releaseReads();
  }

  private void releaseReads() {
    while (!pendingReads.isEmpty()) {
      PendingRead r = pendingReads.peekFirst();
      int acks = 1;
      for (int i = 0; i < n; i++) {
        if (prs[i] != null && prs[i].readAck >= r.round()) acks++;
      }
      if (acks < cfg.quorum()) return;
      pendingReads.pollFirst();
      if (r.origin() == id) {
        readStates.add(new ReadState(r.requestId(), r.index()));
      } else {
        send(Message.builder(MessageType.READ_INDEX_RESP, id, r.origin(), term)
            .context(r.requestId()).index(r.index()).build());
      }
    }
  }

  private void abortLeaderReads() {
    List<PendingRead> all = new ArrayList<>(pendingReads);
    all.addAll(readsAwaitingCommit);
    pendingReads.clear();
    readsAwaitingCommit.clear();
    for (PendingRead r : all) {
      if (r.origin() == id) {
        abortedReads.add(r.requestId());
      } else {
        send(Message.builder(MessageType.READ_INDEX_RESP, id, r.origin(), term)
            .context(r.requestId()).reject(true).build());
      }
    }
  }

  private void send(Message m) {
    if (m.type().needsPersistence()) msgsAfter.add(m);
    else msgs.add(m);
  }
}
