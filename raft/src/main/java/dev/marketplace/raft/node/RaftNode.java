package dev.marketplace.raft.node;

import dev.marketplace.raft.LogEntry;
import dev.marketplace.raft.LogStorage;
import dev.marketplace.raft.Message;
import dev.marketplace.raft.MessageCodec;
import dev.marketplace.raft.MessageDecodeException;
import dev.marketplace.raft.MessageType;
import dev.marketplace.raft.ProposeResult;
import dev.marketplace.raft.RaftCore;
import dev.marketplace.raft.ReadState;
import dev.marketplace.raft.Ready;
import dev.marketplace.raft.Role;
import dev.marketplace.raft.SnapshotMeta;
import dev.marketplace.raft.SoftState;
import dev.marketplace.raft.Status;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The runtime of one Raft member: it owns one {@link RaftCore} on one event-loop thread and wires
 * it to a clock, a {@link RaftTransport}, a {@link LogStorage} and a {@link RaftStateMachine}.
 *
 * <p>Threads and their jobs (the core itself is touched only by the loop, so it needs no locks):
 *
 * <ul>
 *   <li><b>loop</b>: runs ticks, incoming messages, proposals and reads queued to it, then drains
 *       the core's {@link Ready}s: sends the messages that may leave now, queues the rest for the
 *       I/O worker and hands committed entries to the apply thread.
 *   <li><b>I/O worker</b>: writes snapshot, hard state and entries of every Ready queued since its
 *       previous write, then fsyncs ONCE (group commit: all proposals made while one fsync runs
 *       share the next), then tells the loop, which sends the messages that had to wait for
 *       durability and acknowledges the Readys to the core in order.
 *   <li><b>apply</b>: installs received snapshots, applies committed entries in consecutive
 *       batches, completes the futures of proposals this member accepted (identified by the
 *       {@link ProposalEnvelope}), and asks the snapshot thread for a snapshot when the policy
 *       says so (at least {@code snapshotEvery} entries AND at least {@code snapshotRatio} x the
 *       last snapshot's size in entry bytes since the last snapshot, both scaled by a per-member
 *       stagger; see raft/RUNTIME.md).
 *   <li><b>snapshot</b>: takes one state machine snapshot at a time while the apply thread keeps
 *       applying; the loop then compacts the log at the position the snapshot reports. An
 *       installed snapshot waits until no snapshot is being taken.
 *   <li><b>ticker</b>: queues a tick {@code tickMillis} after the previous one, unless one is
 *       still queued (a starved node's clock runs slow instead of jumping).
 * </ul>
 *
 * <p>A storage or apply failure is fatal: the node stops, fails every pending request and calls
 * the {@code onFatal} callback once. Thread-safe: every public method may be called from any
 * thread.
 */
public final class RaftNode implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(RaftNode.class.getName());
  /** {@code -Draft.traceElections=true}: log every vote / pre-vote message sent and received. */
  private static final boolean TRACE_ELECTIONS = Boolean.getBoolean("raft.traceElections");

  private final RaftNodeOptions opts;
  private final LogStorage storage;
  private final RaftTransport transport;
  private final RaftStateMachine sm;
  private final Consumer<Throwable> onFatal;
  private final int id;

  private final LinkedBlockingQueue<Runnable> events = new LinkedBlockingQueue<>();
  private final LinkedBlockingQueue<IoBatch> ioQueue = new LinkedBlockingQueue<>();
  private final LinkedBlockingQueue<ApplyTask> applyQueue = new LinkedBlockingQueue<>();
  private final ConcurrentHashMap<Long, PendingProposal> proposals = new ConcurrentHashMap<>();
  private final AtomicLong nextRequestId;
  private final AtomicLong undecodable = new AtomicLong();
  private final AtomicLong fsyncs = new AtomicLong();
  private final AtomicLong persistedEntries = new AtomicLong();
  private final AtomicBoolean tickQueued = new AtomicBoolean();
  private final AtomicLong messagesSent = new AtomicLong();
  private final AtomicLong messagesReceived = new AtomicLong();
  private final AtomicLong snapshotsTaken = new AtomicLong();

  // ---- loop-owned state
  private RaftCore core;
  private boolean ioInFlight;
  private final List<Ready> ioPending = new ArrayList<>();
  private final List<Compaction> compactPending = new ArrayList<>();
  private int snapshotGates;
  private final ArrayDeque<ApplyTask> gatedApply = new ArrayDeque<>();
  private long nextReadId = 1;
  private final Map<Long, PendingRead> readsInFlight = new HashMap<>();
  private final PriorityQueue<WaitingRead> readsWaiting =
      new PriorityQueue<>((a, b) -> Long.compare(a.index, b.index));
  private final List<ProposalEvent> proposalBatch = new ArrayList<>();
  private long proposalBatchBytes;
  private long loopApplied;
  /** A snapshot reported before the loop heard that its position was applied; compacted then. */
  private RaftStateMachine.StateSnapshot deferredSnapshot;
  private long lastTerm;
  private long ticks;

  // ---- shared
  private volatile long applied;
  private volatile NodeStatus status;
  private volatile Throwable fatal;
  private volatile boolean closed;
  private volatile boolean started;
  private Thread loopThread;
  private Thread ioThread;
  private Thread applyThread;
  private Thread snapshotThread;

  // ---- snapshot hand-off between the apply thread and the snapshot thread
  private final Object snapshotLock = new Object();
  /** Guarded by snapshotLock: a snapshot was requested and has not finished yet. */
  private boolean snapshotBusy;
  /** Guarded by snapshotLock: the snapshot thread must exit. */
  private boolean snapshotStop;
  /** Guarded by snapshotLock: the last snapshot finished and not yet seen by the apply thread. */
  private RaftStateMachine.StateSnapshot snapshotDone;

  // ---- apply-thread-owned snapshot policy state
  /** Entry bytes applied since start (the sum of the applied entries' data lengths). */
  private long appliedBytes;
  /** Position and {@link #appliedBytes} of the last snapshot taken or installed (or start). */
  private long baseIndex;
  private long baseBytes;
  /**
   * Both thresholds of the snapshot policy are scaled by {@code 1 + id / (2 * clusterSize)} (1 for
   * member 0, up to 1.4 for member 4 of 5): the rule depends only on the applied log, so without
   * this every member would snapshot at the same index at the same moment, and the cluster would
   * take the CPU, disk and heap burst of five snapshots at once (measured: 22 MB snapshots, 0.9-1.5
   * s each, the slowest writes of the run).
   */
  private final double snapshotStagger;
  /** Size of the last snapshot taken or installed; 0 = none yet (the entry count decides). */
  private long lastSnapshotSize;
  /** While a snapshot runs: (index, appliedBytes) after each applied chunk since its request. */
  private final ArrayDeque<long[]> bytesAt = new ArrayDeque<>();
  private ScheduledExecutorService ticker;

  private static final class PendingProposal {
    final CompletableFuture<byte[]> future = new CompletableFuture<>();
    final long deadline;
    long term; // loop-owned: the term at which it was proposed/forwarded; 0 = not yet

    PendingProposal(long deadline) {
      this.deadline = deadline;
    }
  }

  private record PendingRead(CompletableFuture<Long> future, long deadline) {}

  /**
   * A proposal queued to the loop. Running it (loop thread) only adds it to the loop's pending
   * proposal batch: consecutive proposals of one batch of events go to the core together ({@link
   * RaftCore#proposeAll}, in {@link #flushProposals}, which the loop calls before any other event
   * and after the batch), so a leader sends one AppendEntries round and a follower forwards ONE
   * message for all of them.
   */
  private final class ProposalEvent implements Runnable {
    final long reqId;
    final PendingProposal pending;
    final byte[] data;

    ProposalEvent(long reqId, PendingProposal pending, byte[] data) {
      this.reqId = reqId;
      this.pending = pending;
      this.data = data;
    }

    @Override
    public void run() {
      if (!proposals.containsKey(reqId)) return; // failed or timed out meanwhile
      if (proposalBatchBytes + data.length > MAX_PROPOSAL_BATCH_BYTES) flushProposals();
      proposalBatch.add(this);
      proposalBatchBytes += data.length;
    }
  }

  /** An fsync at least this long is logged (the disk's stalls show up in clients' latency). */
  private static final long SLOW_SYNC_MILLIS = 100;

  /** A state machine batch at least this long is logged (its clients wait for it). */
  private static final long SLOW_APPLY_MILLIS = 100;

  /** Most bytes of proposals handed to the core (and forwarded) as one batch. */
  private static final long MAX_PROPOSAL_BATCH_BYTES = 1 << 20;

  private record WaitingRead(long index, CompletableFuture<Long> future) {}

  private record Compaction(SnapshotMeta meta, byte[] data) {}

  private record IoBatch(List<Ready> readys, List<Compaction> compactions) {}

  private sealed interface ApplyTask permits Entries, Restore, Stop {}

  private record Entries(List<LogEntry> entries) implements ApplyTask {}

  private record Restore(long index, byte[] data) implements ApplyTask {}

  private record Stop() implements ApplyTask {}

  private static final IoBatch IO_STOP = new IoBatch(List.of(), List.of());

  /**
   * Creates a node; nothing runs until {@link #start()}. The node takes ownership of {@code
   * storage} and {@code transport} and closes them on {@link #close()}.
   *
   * @param onFatal called once (from the failing thread) after a storage or apply failure
   */
  public RaftNode(RaftNodeOptions options, LogStorage storage, RaftTransport transport,
      RaftStateMachine stateMachine, Consumer<Throwable> onFatal) {
    this.opts = options.validate();
    this.storage = storage;
    this.transport = transport;
    this.sm = stateMachine;
    this.onFatal = onFatal == null ? t -> { } : onFatal;
    this.id = options.id();
    this.snapshotStagger = 1.0 + options.id() / (2.0 * options.clusterSize());
    // Request ids start at a random point so that entries proposed by an earlier incarnation of
    // this member (still in the log after a restart) never match a new request.
    this.nextRequestId = new AtomicLong((new SecureRandom().nextLong() >>> 2) & ~0xFFFFFFFFL);
  }

  /**
   * Recovers from storage (restoring the state machine from the stored snapshot when it is behind
   * it) and starts the threads.
   *
   * @throws IOException when storage cannot be read
   * @throws IllegalStateException when the state machine is ahead of the log's end (the log
   *     directory was lost while the state machine kept its data)
   */
  public synchronized void start() throws IOException {
    if (started) throw new IllegalStateException("already started");
    long sa = sm.lastApplied();
    SnapshotMeta snap = storage.snapshot();
    if (sa < snap.index()) {
      long pos = sm.restore(storage.snapshotData());
      if (pos != snap.index()) {
        throw new IllegalStateException("restored snapshot reports position " + pos
            + " but the log's snapshot is at " + snap.index());
      }
      sa = pos;
    }
    if (sa > storage.lastIndex()) {
      throw new IllegalStateException("state machine has applied " + sa
          + " but the Raft log ends at " + storage.lastIndex()
          + ": the log directory does not belong to this state machine");
    }
    core = RaftCore.fromStorage(opts.raftConfig(), new SplittableRandom(new SecureRandom()
        .nextLong()), storage, sa);
    applied = sa;
    loopApplied = sa;
    baseIndex = sa;
    lastSnapshotSize = core.snapshot().meta().index() > 0 ? core.snapshot().data().length : 0;
    lastTerm = core.term();
    publishStatus();
    started = true;
    loopThread = thread(this::runLoop, "raft-loop-" + id);
    ioThread = thread(this::runIo, "raft-io-" + id);
    applyThread = thread(this::runApply, "raft-apply-" + id);
    snapshotThread = thread(this::runSnapshots, "raft-snapshot-" + id);
    ticker = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "raft-tick-" + id);
      t.setDaemon(true);
      return t;
    });
    // At most one tick waits in the queue and ticks keep a fixed delay: a node starved of CPU
    // sees its clock run slow, never a burst of ticks that would expire its election timer (or
    // a leader's check-quorum) before it has read the messages that arrived meanwhile.
    ticker.scheduleWithFixedDelay(() -> {
      if (tickQueued.compareAndSet(false, true)) events.add(this::onTick);
    }, opts.tickMillis(), opts.tickMillis(), TimeUnit.MILLISECONDS);
    transport.start(new RaftTransport.Receiver() {
      @Override
      public void receive(int fromPeer, byte[] message) {
        onMessage(fromPeer, message);
      }

      @Override
      public void peerUnreachable(int peer) {
        if (TRACE_ELECTIONS) trace("transport lost member " + peer);
        events.add(() -> core.peerUnreachable(peer));
      }
    });
  }

  private static Thread thread(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    t.start();
    return t;
  }

  // ------------------------------------------------------------------ public API

  /** This member's id. */
  public int id() {
    return id;
  }

  /**
   * Proposes {@code payload} for the log. Completes with the state machine's result once the
   * entry is applied on THIS member; fails with {@link RaftUnavailableException} when no leader
   * is known, when leadership changed before the outcome was known, on timeout, or when closed.
   * The entry may still be applied after a failure.
   */
  public CompletableFuture<byte[]> propose(byte[] payload) {
    Throwable why = unavailable();
    if (why != null) return CompletableFuture.failedFuture(why);
    long reqId = nextRequestId.incrementAndGet();
    PendingProposal p = new PendingProposal(System.nanoTime()
        + TimeUnit.MILLISECONDS.toNanos(opts.requestTimeoutMillis()));
    proposals.put(reqId, p);
    events.add(new ProposalEvent(reqId, p, ProposalEnvelope.encode(id, reqId, payload)));
    if (closed) failProposal(reqId, new RaftUnavailableException("node closed", -1));
    return p.future;
  }

  /**
   * A linearizable read point (ReadIndex): completes with a commit index once this member has
   * applied at least that far, where the index is at least every commit index reached before the
   * call. Served by the leader, or by a follower through the leader. Fails with {@link
   * RaftUnavailableException} when no leader can confirm it.
   */
  public CompletableFuture<Long> readIndex() {
    Throwable why = unavailable();
    if (why != null) return CompletableFuture.failedFuture(why);
    CompletableFuture<Long> f = new CompletableFuture<>();
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(opts.requestTimeoutMillis());
    events.add(() -> {
      long rid = nextReadId++;
      readsInFlight.put(rid, new PendingRead(f, deadline));
      core.readIndex(rid);
    });
    if (closed) f.completeExceptionally(new RaftUnavailableException("node closed", -1));
    return f;
  }

  /** The latest status (published after every batch of loop events; the applied index is live). */
  public NodeStatus status() {
    NodeStatus s = status;
    long a = applied; // live: a read completed by the loop may precede the next publication
    boolean stopped = fatal != null; // the loop may have stopped before publishing it
    if (a != s.applied() || stopped != s.fatal()) {
      s = new NodeStatus(s.id(), s.role(), s.term(), s.leader(), s.commit(), Math.max(a,
          s.applied()), s.lastIndex(), s.snapshotIndex(), s.logEntries(), s.droppedByCore(),
          s.droppedUndecodable(), s.fsyncs(), s.persistedEntries(), s.messagesSent(),
          s.messagesReceived(), s.fatal() || stopped);
    }
    return s;
  }

  /** Snapshots the state machine has taken on this node since start (not counting installs). */
  public long snapshotsTaken() {
    return snapshotsTaken.get();
  }

  /** The fatal failure that stopped this node, or null. */
  public Throwable fatalError() {
    return fatal;
  }

  private Throwable unavailable() {
    if (fatal != null) return new RaftUnavailableException("node stopped after a fatal error",
        fatal);
    if (closed) return new RaftUnavailableException("node closed", -1);
    if (!started) return new RaftUnavailableException("node not started", -1);
    return null;
  }

  // ------------------------------------------------------------------ transport

  private void onMessage(int fromPeer, byte[] bytes) {
    messagesReceived.incrementAndGet();
    Message m;
    try {
      m = MessageCodec.decode(bytes);
    } catch (MessageDecodeException | RuntimeException e) {
      undecodable.incrementAndGet();
      return;
    }
    if (m.to() != id || m.from() != fromPeer) {
      undecodable.incrementAndGet();
      return;
    }
    if (TRACE_ELECTIONS && isElectionMessage(m)) trace("recv " + m.trace());
    events.add(() -> core.step(m));
  }

  private static boolean isElectionMessage(Message m) {
    return switch (m.type()) {
      case VOTE, VOTE_RESP, PRE_VOTE, PRE_VOTE_RESP -> true;
      default -> false;
    };
  }

  private void trace(String what) {
    LOG.log(Level.INFO, java.time.LocalTime.now() + " raft node " + id + ": " + what);
  }

  /**
   * Sends a Ready's messages, coalescing per destination (order per destination is kept):
   * consecutive AppendEntries of one term whose entries continue each other become one message
   * (the later commit index wins), and consecutive successful append acknowledgements keep only
   * the highest. Both are cumulative in Raft, so the receiver ends in the same state as if it had
   * processed the originals back to back, with one message and one reply instead of many.
   */
  private void sendAll(List<Message> msgs) {
    if (msgs.isEmpty()) return;
    if (msgs.size() == 1) {
      send(msgs.get(0));
      return;
    }
    Map<Integer, Message> pending = new HashMap<>();
    List<Integer> order = new ArrayList<>();
    for (Message m : msgs) {
      Message p = pending.get(m.to());
      Message merged = p == null ? null : merge(p, m);
      if (merged != null) {
        pending.put(m.to(), merged);
        continue;
      }
      if (p != null) send(p);
      else order.add(m.to());
      pending.put(m.to(), m);
    }
    for (int to : order) send(pending.get(to));
  }

  private static final long MAX_MERGED_BYTES = 1 << 20;

  /** The merge of two consecutive messages to one peer, or null when they must stay apart. */
  static Message merge(Message a, Message b) {
    if (a.term() != b.term() || a.type() != b.type()) return null;
    if (a.type() == MessageType.APPEND_RESP) {
      if (a.reject() || b.reject() || b.index() < a.index()) return null;
      return b;
    }
    if (a.type() != MessageType.APPEND) return null;
    List<LogEntry> ae = a.entries();
    long aLast = a.index() + ae.size();
    long aLastTerm = ae.isEmpty() ? a.logTerm() : ae.get(ae.size() - 1).term();
    if (b.index() != aLast || b.logTerm() != aLastTerm || b.commit() < a.commit()) return null;
    if (b.entries().isEmpty()) {
      // a commit notice stays one only if both were (neither carries entries then)
      return Message.builder(MessageType.APPEND, a.from(), a.to(), a.term()).index(a.index())
          .logTerm(a.logTerm()).entries(ae).commit(b.commit()).done(a.done() && b.done())
          .build();
    }
    if (a.payloadBytes() + b.payloadBytes() > MAX_MERGED_BYTES) return null;
    List<LogEntry> all = new ArrayList<>(ae.size() + b.entries().size());
    all.addAll(ae);
    all.addAll(b.entries());
    return Message.builder(MessageType.APPEND, a.from(), a.to(), a.term()).index(a.index())
        .logTerm(a.logTerm()).entries(all).commit(b.commit()).build();
  }

  private void send(Message m) {
    if (TRACE_ELECTIONS && isElectionMessage(m)) trace("send " + m.trace());
    messagesSent.incrementAndGet();
    try {
      transport.send(m.to(), MessageCodec.encode(m));
    } catch (RuntimeException e) {
      LOG.log(Level.DEBUG, "send to " + m.to() + " failed", e);
    }
  }

  // ------------------------------------------------------------------ loop

  private void runLoop() {
    List<Runnable> batch = new ArrayList<>();
    while (!closed) {
      try {
        Runnable first = events.poll(100, TimeUnit.MILLISECONDS);
        if (first == null) continue;
        batch.clear();
        batch.add(first);
        events.drainTo(batch, 4096);
        // proposals between two other events form one batch; other events keep their order
        // relative to them (e.g. a message that changes the leader is handled in between)
        for (Runnable r : batch) {
          if (fatal != null) break;
          if (!(r instanceof ProposalEvent)) flushProposals();
          r.run();
        }
        if (fatal == null) flushProposals();
        proposalBatch.clear(); // after a fatal error: the exit path fails every proposal
        proposalBatchBytes = 0;
        if (fatal != null) break;
        processReady();
        maybeKickIo();
        publishStatus();
      } catch (InterruptedException e) {
        break;
      } catch (RuntimeException | Error e) {
        fail(e);
        break;
      }
    }
    failLoopReads(fatal != null
        ? new RaftUnavailableException("node stopped after a fatal error", fatal)
        : new RaftUnavailableException("node closed", -1));
  }

  /** Hands the batched proposals to the core (loop thread). */
  private void flushProposals() {
    if (proposalBatch.isEmpty()) return;
    List<byte[]> data = new ArrayList<>(proposalBatch.size());
    for (ProposalEvent pe : proposalBatch) data.add(pe.data);
    ProposeResult r = core.proposeAll(data);
    if (r.status() == ProposeResult.Status.NO_LEADER) {
      for (ProposalEvent pe : proposalBatch) {
        failProposal(pe.reqId, new RaftUnavailableException("no leader known", -1));
      }
    } else {
      long t = core.term();
      for (ProposalEvent pe : proposalBatch) pe.pending.term = t;
    }
    proposalBatch.clear();
    proposalBatchBytes = 0;
  }

  /** Fails every read the loop still tracks; called by the loop thread as it exits. */
  private void failLoopReads(RuntimeException why) {
    for (PendingRead r : readsInFlight.values()) r.future().completeExceptionally(why);
    readsInFlight.clear();
    for (WaitingRead r : readsWaiting) r.future().completeExceptionally(why);
    readsWaiting.clear();
  }

  private void onTick() {
    tickQueued.set(false);
    core.tick();
    if (++ticks % 10 == 0) sweepTimeouts();
  }

  private void processReady() {
    while (core.hasReady()) {
      Ready rd = core.ready();
      SoftState ss = rd.softState();
      if (ss != null) {
        trace(ss.role() + " term " + ss.term() + " leader " + ss.leader());
      }
      if (ss != null && ss.term() > lastTerm) {
        lastTerm = ss.term();
        failProposalsBefore(ss.term(), ss.leader());
      }
      sendAll(rd.messages());
      if (rd.snapshot() != null) {
        snapshotGates++;
        gatedApply.add(new Restore(rd.snapshot().meta().index(), rd.snapshot().data()));
      }
      if (!rd.committedEntries().isEmpty()) {
        Entries task = new Entries(rd.committedEntries());
        if (snapshotGates > 0) gatedApply.add(task);
        else applyQueue.add(task);
      }
      for (ReadState rs : rd.readStates()) {
        PendingRead pr = readsInFlight.remove(rs.requestId());
        if (pr == null) continue;
        if (rs.index() <= loopApplied) pr.future().complete(rs.index());
        else readsWaiting.add(new WaitingRead(rs.index(), pr.future()));
      }
      for (long rid : rd.abortedReads()) {
        PendingRead pr = readsInFlight.remove(rid);
        if (pr != null) {
          pr.future().completeExceptionally(
              new RaftUnavailableException("read not confirmed by a leader", core.leader()));
        }
      }
      if (!rd.needsPersist() && !ioInFlight && ioPending.isEmpty()) {
        sendAll(rd.messagesAfterPersist());
        core.persisted(rd);
      } else {
        ioPending.add(rd);
      }
    }
  }

  private void maybeKickIo() {
    if (ioInFlight || (ioPending.isEmpty() && compactPending.isEmpty())) return;
    IoBatch b = new IoBatch(List.copyOf(ioPending), List.copyOf(compactPending));
    ioPending.clear();
    compactPending.clear();
    ioInFlight = true;
    ioQueue.add(b);
  }

  private void onPersisted(IoBatch b) {
    // every Ready of the batch is durable now: send their held-back messages as one list, so
    // consecutive append acks to one peer across Readys coalesce into the highest
    if (b.readys().size() == 1) {
      sendAll(b.readys().get(0).messagesAfterPersist());
    } else {
      List<Message> after = new ArrayList<>();
      for (Ready rd : b.readys()) after.addAll(rd.messagesAfterPersist());
      sendAll(after);
    }
    for (Ready rd : b.readys()) {
      core.persisted(rd);
      if (rd.snapshot() != null) snapshotGates--;
    }
    if (snapshotGates == 0) {
      while (!gatedApply.isEmpty()) applyQueue.add(gatedApply.pollFirst());
    }
    ioInFlight = false;
  }

  private void onApplied(long index) {
    if (index <= loopApplied) return;
    loopApplied = index;
    core.applied(Math.min(index, core.status().commit()));
    while (!readsWaiting.isEmpty() && readsWaiting.peek().index() <= index) {
      readsWaiting.poll().future().complete(index);
    }
    if (deferredSnapshot != null && deferredSnapshot.index() <= core.status().applied()) {
      RaftStateMachine.StateSnapshot s = deferredSnapshot;
      deferredSnapshot = null;
      onSnapshotTaken(s);
    }
  }

  /**
   * Compacts the log at a snapshot's position. A snapshot at or below the log's snapshot is stale
   * (an installed snapshot overtook it) and dropped. One beyond what the loop knows to be applied
   * (the snapshot thread saw the state machine's commit before the apply thread reported it)
   * waits for that report.
   */
  private void onSnapshotTaken(RaftStateMachine.StateSnapshot s) {
    Status st = core.status();
    if (s.index() <= st.snapshotIndex()) return;
    if (s.index() > st.applied()) {
      deferredSnapshot = s;
      return;
    }
    SnapshotMeta meta = core.compact(s.index(), s.data());
    compactPending.add(new Compaction(meta, s.data()));
  }

  private void failProposalsBefore(long term, int leader) {
    for (Iterator<Map.Entry<Long, PendingProposal>> it = proposals.entrySet().iterator();
        it.hasNext(); ) {
      Map.Entry<Long, PendingProposal> e = it.next();
      PendingProposal p = e.getValue();
      if (p.term != 0 && p.term < term && proposals.remove(e.getKey(), p)) {
        p.future.completeExceptionally(new RaftUnavailableException(
            "leadership changed (term " + term + ") before the outcome was known", leader));
      }
    }
  }

  private void failProposal(long reqId, RuntimeException why) {
    PendingProposal p = proposals.remove(reqId);
    if (p != null) p.future.completeExceptionally(why);
  }

  private void sweepTimeouts() {
    long now = System.nanoTime();
    for (Map.Entry<Long, PendingProposal> e : proposals.entrySet()) {
      if (now - e.getValue().deadline > 0) {
        failProposal(e.getKey(), new RaftUnavailableException("proposal timed out",
            core.leader()));
      }
    }
    for (Iterator<PendingRead> it = readsInFlight.values().iterator(); it.hasNext(); ) {
      PendingRead r = it.next();
      if (now - r.deadline() > 0) {
        it.remove();
        r.future().completeExceptionally(new RaftUnavailableException("read timed out",
            core.leader()));
      }
    }
  }

  private void publishStatus() {
    Status s = core.status();
    status = new NodeStatus(id, s.role(), s.term(), s.leader(), s.commit(), applied,
        s.lastIndex(), s.snapshotIndex(), s.lastIndex() - s.snapshotIndex(),
        s.droppedMessages(), undecodable.get(), fsyncs.get(), persistedEntries.get(),
        messagesSent.get(), messagesReceived.get(), fatal != null);
  }

  // ------------------------------------------------------------------ I/O worker

  private void runIo() {
    while (true) {
      IoBatch b;
      try {
        b = ioQueue.take();
      } catch (InterruptedException e) {
        return;
      }
      if (b == IO_STOP) return;
      try {
        boolean wrote = false;
        for (Ready rd : b.readys()) {
          if (rd.snapshot() != null) {
            storage.saveSnapshot(rd.snapshot().meta(), rd.snapshot().data());
            wrote = true;
          }
          if (rd.hardState() != null) {
            storage.saveHardState(rd.hardState());
            wrote = true;
          }
          if (!rd.entries().isEmpty()) {
            storage.append(rd.entries());
            persistedEntries.addAndGet(rd.entries().size());
            wrote = true;
          }
        }
        if (wrote) {
          long t0 = System.nanoTime();
          storage.sync();
          fsyncs.incrementAndGet();
          long ms = (System.nanoTime() - t0) / 1_000_000;
          if (ms >= SLOW_SYNC_MILLIS) {
            // this member acknowledges nothing and applies nothing new meanwhile (committed
            // entries are applied once stored here): its clients wait at least this long
            LOG.log(Level.INFO, "raft node " + id + ": slow fsync, " + ms + " ms");
          }
        }
        for (Compaction c : b.compactions()) {
          if (c.meta().index() > storage.snapshot().index()) {
            storage.saveSnapshot(c.meta(), c.data());
          }
        }
      } catch (IOException | RuntimeException e) {
        fail(e);
        return;
      }
      events.add(() -> onPersisted(b));
    }
  }

  // ------------------------------------------------------------------ apply

  private void runApply() {
    while (true) {
      ApplyTask task;
      try {
        task = applyQueue.take();
      } catch (InterruptedException e) {
        return;
      }
      if (task instanceof Stop || fatal != null) return;
      try {
        if (task instanceof Restore r) {
          if (r.index() > applied) {
            // never replace the state while a snapshot of it is being taken
            awaitNoSnapshot();
            long pos = sm.restore(r.data());
            if (pos != r.index()) {
              throw new IllegalStateException("restored snapshot at " + pos + ", expected "
                  + r.index());
            }
            applied = pos;
            baseIndex = pos;
            baseBytes = appliedBytes;
            lastSnapshotSize = r.data().length;
            LOG.log(Level.INFO, "raft node " + id + " installed a snapshot at index " + pos);
            long a = pos;
            events.add(() -> onApplied(a));
          }
          continue;
        }
        List<LogEntry> ents = ((Entries) task).entries();
        // group apply: take every batch of committed entries already queued behind this one
        if (applyQueue.peek() instanceof Entries) {
          ents = new ArrayList<>(ents);
          int cap = 4 * opts.maxApplyBatch();
          while (applyQueue.peek() instanceof Entries more && ents.size() < cap) {
            applyQueue.poll();
            ents.addAll(more.entries());
          }
        }
        int from = 0;
        while (from < ents.size() && ents.get(from).index() <= applied) from++;
        if (from == ents.size()) continue;
        if (ents.get(from).index() != applied + 1) {
          throw new IllegalStateException("gap in committed entries: applied " + applied
              + ", next " + ents.get(from).index());
        }
        boolean tracking = snapshotInProgress();
        while (from < ents.size()) {
          int to = Math.min(ents.size(), from + opts.maxApplyBatch());
          List<LogEntry> chunk = ents.subList(from, to);
          applyChunk(chunk);
          for (LogEntry e : chunk) appliedBytes += e.data().length;
          if (tracking) bytesAt.addLast(new long[] {applied, appliedBytes});
          from = to;
        }
        long a = applied;
        events.add(() -> onApplied(a));
        maybeSnapshot();
      } catch (RuntimeException | Error e) {
        fail(e);
        return;
      }
    }
  }

  /**
   * The snapshot policy (apply thread): when no snapshot is being taken, and at least {@code
   * snapshotEvery} entries and at least {@code snapshotRatio} x the last snapshot's size in entry
   * bytes were applied since the last snapshot's position, asks the snapshot thread for one.
   */
  private void maybeSnapshot() {
    if (opts.snapshotEvery() <= 0 || snapshotInProgress()) return;
    if (applied - baseIndex < opts.snapshotEvery() * snapshotStagger) return;
    if (appliedBytes - baseBytes < opts.snapshotRatio() * snapshotStagger * lastSnapshotSize) {
      return;
    }
    bytesAt.clear();
    bytesAt.addLast(new long[] {applied, appliedBytes});
    synchronized (snapshotLock) {
      snapshotBusy = true;
      snapshotLock.notifyAll();
    }
  }

  /**
   * Whether a snapshot is still being taken. When one finished since the last call, moves the
   * policy's baseline to its position (apply thread).
   */
  private boolean snapshotInProgress() {
    RaftStateMachine.StateSnapshot done;
    synchronized (snapshotLock) {
      if (snapshotBusy) return true;
      done = snapshotDone;
      snapshotDone = null;
    }
    if (done != null) {
      if (done.index() > baseIndex) {
        // the entry bytes applied up to its position: the first recorded chunk end at or after
        // it (never earlier, so the next snapshot never comes before the rule allows)
        long at = appliedBytes;
        for (long[] p : bytesAt) {
          if (p[0] >= done.index()) {
            at = p[1];
            break;
          }
        }
        baseIndex = done.index();
        baseBytes = at;
        lastSnapshotSize = done.data().length;
      }
      bytesAt.clear();
    }
    return false;
  }

  /** Waits until no snapshot is being taken (apply thread). */
  private void awaitNoSnapshot() {
    synchronized (snapshotLock) {
      while (snapshotBusy) {
        try {
          snapshotLock.wait();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted while waiting for a snapshot to finish");
        }
      }
    }
    snapshotInProgress(); // consume the finished one (its position is below the installed one)
  }

  // ------------------------------------------------------------------ snapshot thread

  private void runSnapshots() {
    while (true) {
      synchronized (snapshotLock) {
        while (!snapshotBusy && !snapshotStop) {
          try {
            snapshotLock.wait();
          } catch (InterruptedException e) {
            return;
          }
        }
        if (snapshotStop) {
          snapshotBusy = false;
          snapshotLock.notifyAll();
          return;
        }
      }
      RaftStateMachine.StateSnapshot s = null;
      Throwable failure = null;
      long t0 = System.nanoTime();
      try {
        s = sm.snapshot();
      } catch (RuntimeException | Error e) {
        failure = e;
      }
      if (s != null) {
        snapshotsTaken.incrementAndGet();
        LOG.log(Level.INFO, String.format("raft node %d took a snapshot at index %d (applied %d):"
            + " %d bytes in %d ms", id, s.index(), applied, s.data().length,
            (System.nanoTime() - t0) / 1_000_000));
        RaftStateMachine.StateSnapshot taken = s;
        events.add(() -> onSnapshotTaken(taken));
      }
      synchronized (snapshotLock) {
        snapshotDone = s;
        snapshotBusy = false;
        snapshotLock.notifyAll();
      }
      if (failure != null) {
        if (closed) {
          LOG.log(Level.DEBUG, "snapshot failed while closing", failure);
        } else {
          fail(failure);
        }
        return;
      }
    }
  }

  private void applyChunk(List<LogEntry> chunk) {
    List<byte[]> cmds = new ArrayList<>(chunk.size());
    ProposalEnvelope[] envs = new ProposalEnvelope[chunk.size()];
    for (int i = 0; i < chunk.size(); i++) {
      byte[] d = chunk.get(i).data();
      ProposalEnvelope env = d.length == 0 ? null : ProposalEnvelope.decode(d);
      envs[i] = env;
      cmds.add(env == null ? new byte[0] : env.payload());
    }
    long first = chunk.get(0).index();
    long t0 = System.nanoTime();
    List<byte[]> results = sm.apply(first, cmds);
    long ms = (System.nanoTime() - t0) / 1_000_000;
    if (ms >= SLOW_APPLY_MILLIS) {
      LOG.log(Level.INFO, java.time.LocalTime.now() + " raft node " + id + ": slow apply, "
          + chunk.size() + " entries from " + first + " in " + ms + " ms");
    }
    if (results.size() != cmds.size()) {
      throw new IllegalStateException("state machine returned " + results.size()
          + " results for " + cmds.size() + " commands");
    }
    applied = chunk.get(chunk.size() - 1).index();
    for (int i = 0; i < envs.length; i++) {
      ProposalEnvelope env = envs[i];
      if (env != null && env.origin() == id) {
        PendingProposal p = proposals.remove(env.requestId());
        if (p != null) p.future.complete(results.get(i));
      }
    }
  }

  // ------------------------------------------------------------------ lifecycle

  private void fail(Throwable e) {
    synchronized (this) {
      if (fatal != null) return;
      fatal = e;
    }
    LOG.log(Level.ERROR, "raft node " + id + " stops after a fatal error", e);
    try {
      onFatal.accept(e);
    } finally {
      failAllPending(new RaftUnavailableException("node stopped after a fatal error", e));
    }
  }

  private void failAllPending(RuntimeException why) {
    for (Long k : proposals.keySet()) failProposal(k, why);
  }

  /** Stops the threads, fails pending requests and closes the transport and storage. */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) return;
      closed = true;
    }
    if (!started) {
      closeQuietly();
      return;
    }
    ticker.shutdownNow();
    transport.close();
    join(loopThread);
    ioQueue.add(IO_STOP);
    join(ioThread);
    applyQueue.add(new Stop());
    join(applyThread);
    synchronized (snapshotLock) {
      snapshotStop = true;
      snapshotLock.notifyAll();
    }
    join(snapshotThread); // a snapshot in progress finishes before the caller closes the machine
    failAllPending(new RaftUnavailableException("node closed", -1));
    publishStatus();
    closeQuietly();
  }

  private void closeQuietly() {
    try {
      storage.close();
    } catch (IOException | RuntimeException e) {
      LOG.log(Level.WARNING, "closing storage failed", e);
    }
  }

  private static void join(Thread t) {
    if (t == null || t == Thread.currentThread()) return;
    try {
      t.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
