package dev.marketplace.customerdb.totem;

import dev.marketplace.proto.ReplicaStatus;
import dev.marketplace.replica.ReplicationUnavailableException;
import dev.marketplace.replica.Replication;
import dev.marketplace.replica.StateMachine;
import dev.marketplace.totem.Delivered;
import dev.marketplace.totem.MemberStatus;
import dev.marketplace.totem.StateTransferNeeded;
import dev.marketplace.totem.TotemConfig;
import dev.marketplace.totem.TotemStatus;
import dev.marketplace.totem.node.TotemNode;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link Replication} over the totem rotating-sequencer atomic broadcast ({@link TotemNode} over
 * UDP). Every replica broadcasts its commands and applies every delivered command, in the total
 * order, to its {@link StateMachine}: totem position p (0-based) is state-machine index p + 1.
 *
 * <ul>
 *   <li><b>Envelope.</b> A command travels as {@code [magic 'T', origin member int, request id
 *       long, payload]}. The origin completes the submit future when the command is delivered AND
 *       applied locally, matching (sender, incarnation, request id), so a request id of a previous
 *       run of this member can never complete a future of this run. An envelope that does not
 *       decode is applied as an empty no-op (deterministic: every replica sees the same bytes)
 *       and counted.
 *   <li><b>Apply.</b> One apply thread; delivered batches (whole slots) are merged up to {@code
 *       maxBatch} commands and applied as one transaction at their global positions. The
 *       transaction commits synchronously (durable) only when it holds one of this replica's own
 *       writes whose client is waiting, so an acknowledged write survives even a crash of the
 *       PostgreSQL server; other batches commit asynchronously: a killed process loses nothing
 *       PostgreSQL has accepted, and what a PostgreSQL crash lost is re-fetched from the others (its restart position is {@link
 *       StateMachine#lastApplied()}). Positions at or below {@code lastApplied()} (already
 *       applied before a restart or covered by a restored snapshot) are skipped.
 *   <li><b>Read barrier.</b> A no-op marker (empty payload) is broadcast and the barrier completes
 *       when the marker is applied here. Concurrent barriers share the next marker broadcast
 *       after they were called (see DESIGN.md, runtime section, for why this is linearizable).
 *   <li><b>State transfer.</b> When the core needs it, the apply thread fetches a snapshot over
 *       TCP ({@link SnapshotTransfer}, same port number as the member's UDP port) from the named
 *       member (then any other), restores it and tells the core the restored position.
 *   <li><b>Start.</b> A replica bootstraps a brand-new cluster (incarnation 0, view 0) only on
 *       its very first start: no durable {@link StartMarker} yet and nothing applied. The marker
 *       is recorded (on disk) before the first datagram; every later start, even at position 0,
 *       rejoins as an amnesiac member at {@code lastApplied()} — after a whole-cluster restart
 *       the members form a census view (totem/DESIGN.md, "Cold start").
 * </ul>
 *
 * <p>Thread-safe: any thread may call any method.
 */
public final class TotemReplication implements Replication {
  private static final Logger log = LoggerFactory.getLogger(TotemReplication.class);
  private static final byte MAGIC = 'T';
  private static final int ENVELOPE_HEADER = 1 + 4 + 8;

  /**
   * Settings. Immutable, thread-safe.
   *
   * @param memberId this member's id (index into {@code members})
   * @param members every member's UDP address (the TCP snapshot server uses the same host:port)
   * @param clusterId cluster id on the wire
   * @param clusterKey shared key (HMAC of datagrams and snapshot requests), at least 16 bytes
   * @param node runtime settings (tick, injected loss)
   * @param maxBatch most commands applied in one transaction
   * @param submitTimeoutMillis a submit or barrier not applied within this fails UNAVAILABLE (the
   *     command may still be applied later; idempotency keys make a retry safe)
   */
  public record Options(int memberId, List<InetSocketAddress> members, long clusterId,
      byte[] clusterKey, TotemNode.Settings node, int maxBatch, long submitTimeoutMillis) {
    public Options {
      members = List.copyOf(members);
      clusterKey = clusterKey.clone();
      if (memberId < 0 || memberId >= members.size()) {
        throw new IllegalArgumentException("memberId " + memberId + " outside 0.."
            + (members.size() - 1));
      }
      if (maxBatch < 1 || submitTimeoutMillis < 1) {
        throw new IllegalArgumentException("maxBatch and submitTimeoutMillis must be >= 1");
      }
    }

    /** Defaults: 2 ms ticks, no injected loss, batches of 512, 5 s submit timeout. */
    public static Options of(int memberId, List<InetSocketAddress> members, long clusterId,
        byte[] clusterKey) {
      return new Options(memberId, members, clusterId, clusterKey,
          TotemNode.Settings.defaults(), 512, 5_000);
    }

    /** A copy with other node settings. */
    public Options withNode(TotemNode.Settings settings) {
      return new Options(memberId, members, clusterId, clusterKey, settings, maxBatch,
          submitTimeoutMillis);
    }
  }

  /** Work for the apply thread. */
  private sealed interface Work permits Batch, Transfer {}

  private record Batch(List<Delivered> commands) implements Work {}

  private record Transfer(StateTransferNeeded request) implements Work {}

  private final Options options;
  private final Consumer<Throwable> onFatal;
  private final Function<StateMachine, StartMarker> markers;
  private final LinkedBlockingQueue<Work> work = new LinkedBlockingQueue<>();
  private final Map<Long, CompletableFuture<byte[]>> pending = new ConcurrentHashMap<>();
  private final AtomicLong nextRequestId = new AtomicLong(1);
  private final AtomicLong malformedEnvelopes = new AtomicLong();
  private final AtomicLong stateTransfers = new AtomicLong();
  private final AtomicLong appliedCommands = new AtomicLong();
  private final AtomicLong applyBatches = new AtomicLong();
  private final AtomicLong applyNanos = new AtomicLong();
  private final ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, r -> {
    Thread t = new Thread(r, "totem-replication-timer");
    t.setDaemon(true);
    return t;
  });
  private final Object barrierLock = new Object();
  private CompletableFuture<Void> barrierInFlight;
  private CompletableFuture<Void> barrierNext;
  private volatile StateMachine stateMachine;
  private volatile TotemNode node;
  private final CountDownLatch nodeSet = new CountDownLatch(1);
  private volatile SnapshotTransfer snapshots;
  private volatile Thread applier;
  private volatile boolean closed;
  private volatile Throwable fatal;

  /**
   * A replication whose "started before" marker lives in the state machine's PostgreSQL database
   * ({@link JdbcStartMarker}; the state machine must be a {@code JdbcStateMachine}).
   *
   * @param options settings
   * @param onFatal called once, from the apply thread, after a fatal apply failure (e.g. exit)
   */
  public TotemReplication(Options options, Consumer<Throwable> onFatal) {
    this(options, onFatal, JdbcStartMarker::forStateMachine);
  }

  /**
   * @param options settings
   * @param onFatal called once, from the apply thread, after a fatal apply failure (e.g. exit)
   * @param markers gives the durable start marker of the state machine passed to {@link #start}
   */
  public TotemReplication(Options options, Consumer<Throwable> onFatal,
      Function<StateMachine, StartMarker> markers) {
    this.options = options;
    this.onFatal = onFatal == null ? t -> { } : onFatal;
    this.markers = Objects.requireNonNull(markers, "markers");
    timer.setRemoveOnCancelPolicy(true);
  }

  @Override
  public synchronized void start(StateMachine sm) {
    if (stateMachine != null) {
      throw new IllegalStateException("already started");
    }
    stateMachine = sm;
    long applied = sm.lastApplied();
    InetSocketAddress self = options.members().get(options.memberId());
    StartMarker marker = markers.apply(sm);
    boolean startedBefore = marker.startedBefore();
    // Bootstrap only the very first time; record the start before any datagram leaves.
    boolean bootstrap = !startedBefore && applied == 0;
    marker.recordStart();
    try {
      snapshots = new SnapshotTransfer(self, sm, options.clusterKey());
      TotemConfig cfg = TotemNode.tunedConfig(options.members().size(), options.memberId(),
          options.clusterId(), options.clusterKey());
      Thread t = new Thread(this::applyLoop, "totem-apply-" + options.memberId());
      t.setDaemon(true);
      applier = t;
      t.start();
      node = TotemNode.start(cfg, options.members(), null, bootstrap ? -1 : applied,
          new Handler(), options.node());
      nodeSet.countDown();
      timer.scheduleAtFixedRate(this::logStats, 10, 10, TimeUnit.SECONDS);
      log.info("totem member {} started at {} ({}), applied position {}", options.memberId(),
          self, bootstrap ? "bootstrap: first start of this replica" : "restart", applied);
    } catch (IOException e) {
      closed = true;
      if (snapshots != null) {
        snapshots.close();
      }
      throw new IllegalStateException("cannot bind totem member " + options.memberId() + " to "
          + self + ": " + e.getMessage(), e);
    }
  }

  /** Loop-thread callbacks: only enqueue. */
  private final class Handler implements TotemNode.Handler {
    @Override
    public void delivered(List<Delivered> batch) {
      work.add(new Batch(batch));
    }

    @Override
    public void stateTransferNeeded(StateTransferNeeded request) {
      work.add(new Transfer(request));
    }
  }

  // ------------------------------------------------------------------------------- submit

  @Override
  public CompletableFuture<byte[]> submit(byte[] command) {
    CompletableFuture<byte[]> f = new CompletableFuture<>();
    Throwable why = unavailable();
    if (why != null) {
      f.completeExceptionally(why);
      return f;
    }
    TotemNode n = node;
    if (command.length + ENVELOPE_HEADER > n.maxCommandBytes()) {
      f.completeExceptionally(new IllegalArgumentException("command of " + command.length
          + " bytes exceeds the totem limit of " + (n.maxCommandBytes() - ENVELOPE_HEADER)));
      return f;
    }
    long id = nextRequestId.getAndIncrement();
    pending.put(id, f);
    f.whenComplete((r, e) -> pending.remove(id));
    n.broadcast(envelope(options.memberId(), id, command)).whenComplete((lseq, e) -> {
      if (e != null) {
        f.completeExceptionally(new ReplicationUnavailableException(
            "totem did not accept the command: " + e.getMessage(), e));
      }
    });
    ScheduledFuture<?> timeout = timer.schedule(() -> {
      f.completeExceptionally(new ReplicationUnavailableException(
          "command not applied within " + options.submitTimeoutMillis() + " ms (no quorum?); "
              + "it may still be applied later"));
    }, options.submitTimeoutMillis(), TimeUnit.MILLISECONDS);
    f.whenComplete((r, e) -> timeout.cancel(false));
    if (closed || fatal != null) {
      failPending();
    }
    return f;
  }

  @Override
  public CompletableFuture<Void> readBarrier() {
    Throwable why = unavailable();
    if (why != null) {
      return CompletableFuture.failedFuture(why);
    }
    CompletableFuture<Void> group;
    synchronized (barrierLock) {
      if (barrierInFlight != null) {
        if (barrierNext == null) {
          barrierNext = new CompletableFuture<>();
        }
        return barrierNext;
      }
      group = new CompletableFuture<>();
      barrierInFlight = group;
    }
    sendMarker(group);
    return group;
  }

  /**
   * Broadcasts a no-op marker completing {@code group} (the group in flight); then starts the
   * group that gathered meanwhile, if any. Called without holding the lock.
   */
  private void sendMarker(CompletableFuture<Void> group) {
    submit(new byte[0]).whenComplete((r, e) -> {
      if (e != null) {
        group.completeExceptionally(e);
      } else {
        group.complete(null);
      }
      CompletableFuture<Void> next;
      synchronized (barrierLock) {
        next = barrierNext;
        barrierNext = null;
        barrierInFlight = next;
      }
      if (next != null) {
        sendMarker(next);
      }
    });
  }

  private Throwable unavailable() {
    if (fatal != null) {
      return new ReplicationUnavailableException("replica stopped after a fatal error", fatal);
    }
    if (closed) {
      return new ReplicationUnavailableException("replica is closing");
    }
    if (node == null) {
      return new ReplicationUnavailableException("replica not started");
    }
    return null;
  }

  // ------------------------------------------------------------------------------- status

  @Override
  public ReplicaStatus status() {
    StateMachine sm = stateMachine;
    TotemNode n = node;
    ReplicaStatus.Builder b = ReplicaStatus.newBuilder()
        .setMemberId(options.memberId())
        .setRole("MEMBER")
        .setLeaderId(-1)
        .setAppliedIndex(sm == null ? 0 : sm.lastApplied());
    if (n == null) {
      return b.setHasQuorum(false).build();
    }
    TotemStatus st = n.status();
    b.setTerm(Math.max(0, st.view()))
        .setCommitIndex(st.deliveredPos())
        .setHasQuorum(st.status() == MemberStatus.NORMAL && !closed && fatal == null)
        .addAllMembers(st.members())
        .setLogEntries(st.logPos() - st.trimPos())
        .setSnapshotIndex(0);
    if (st.status() == MemberStatus.NORMAL && !st.members().isEmpty()) {
      // The member whose sequencing turn is next (slot logSlots): the "leader" of the moment.
      b.setLeaderId(st.members().get((int) (st.logSlots() % st.members().size())));
    }
    return b.build();
  }

  /** The underlying node (status, counters), or null before start. */
  public TotemNode node() {
    return node;
  }

  /** Envelopes that did not decode and were applied as no-ops. */
  public long malformedEnvelopes() {
    return malformedEnvelopes.get();
  }

  /**
   * Apply statistics: {commands applied, transactions, nanoseconds spent in {@link
   * StateMachine#apply}} since start.
   */
  public long[] applyStats() {
    return new long[] {appliedCommands.get(), applyBatches.get(), applyNanos.get()};
  }

  /** State transfers completed by this replica. */
  public long stateTransfers() {
    return stateTransfers.get();
  }

  // ------------------------------------------------------------------------------- apply

  private void applyLoop() {
    try {
      while (!nodeSet.await(100, TimeUnit.MILLISECONDS)) { // apply needs the node's incarnation
        if (closed) {
          return;
        }
      }
      while (!closed) {
        Work first = work.poll(100, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        if (first instanceof Transfer t) {
          transfer(t.request());
          continue;
        }
        List<Delivered> cmds = new ArrayList<>(((Batch) first).commands());
        while (cmds.size() < options.maxBatch() && work.peek() instanceof Batch) {
          cmds.addAll(((Batch) work.poll()).commands());
        }
        apply(cmds);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      fatal = e;
      log.error("fatal apply failure; totem replica {} stops", options.memberId(), e);
      try {
        onFatal.accept(e);
      } finally {
        failPending();
      }
    }
  }

  private void apply(List<Delivered> cmds) {
    StateMachine sm = stateMachine;
    long applied = sm.lastApplied();
    int from = 0;
    while (from < cmds.size() && cmds.get(from).position() + 1 <= applied) {
      from++; // already applied (before a restart, or covered by a restored snapshot)
    }
    if (from == cmds.size()) {
      return;
    }
    long firstIndex = cmds.get(from).position() + 1;
    if (firstIndex != applied + 1) {
      throw new IllegalStateException("totem delivered index " + firstIndex
          + " but the state machine is at " + applied + " (gap)");
    }
    long myInc = node.status().incarnation();
    List<byte[]> payloads = new ArrayList<>(cmds.size() - from);
    long[] mine = new long[cmds.size() - from];
    for (int i = from; i < cmds.size(); i++) {
      Delivered d = cmds.get(i);
      ByteBuffer b = ByteBuffer.wrap(d.command());
      long rid = 0;
      byte[] payload = new byte[0];
      if (b.remaining() >= ENVELOPE_HEADER && b.get() == MAGIC) {
        int origin = b.getInt();
        long id = b.getLong();
        payload = new byte[b.remaining()];
        b.get(payload);
        if (origin == options.memberId() && d.sender() == origin && d.incarnation() == myInc) {
          rid = id;
        }
      } else {
        malformedEnvelopes.incrementAndGet();
      }
      payloads.add(payload);
      mine[i - from] = rid;
    }
    // Durable when one of this replica's own writes is waiting: its client is told "done" right
    // after this returns, so the write must survive a crash of the PostgreSQL server too (the
    // census of a whole-cluster restart trusts every member's durable position). Batches of
    // other members' commands and of read-barrier markers commit asynchronously.
    boolean ownWriteWaiting = false;
    for (int i = 0; i < mine.length; i++) {
      if (mine[i] != 0 && payloads.get(i).length > 0 && pending.containsKey(mine[i])) {
        ownWriteWaiting = true;
        break;
      }
    }
    long t0 = System.nanoTime();
    List<byte[]> results = sm.apply(firstIndex, payloads, ownWriteWaiting);
    applyNanos.addAndGet(System.nanoTime() - t0);
    applyBatches.incrementAndGet();
    appliedCommands.addAndGet(payloads.size());
    for (int i = 0; i < mine.length; i++) {
      if (mine[i] != 0) {
        CompletableFuture<byte[]> f = pending.get(mine[i]);
        if (f != null) {
          f.complete(results.get(i));
        }
      }
    }
  }

  /**
   * Copies a donor's state machine: the named member first, then every other one; if none
   * answers, the core is told so and will ask again (with fresh information) later.
   */
  private void transfer(StateTransferNeeded req) {
    List<Integer> donors = new ArrayList<>();
    donors.add(req.from());
    for (int m = 0; m < options.members().size(); m++) {
      if (m != req.from() && m != options.memberId()) {
        donors.add(m);
      }
    }
    for (int donor : donors) {
      if (closed) {
        return;
      }
      try {
        long min = Math.max(req.position(), stateMachine.lastApplied());
        long q = SnapshotTransfer.fetchInto(options.members().get(donor),
            options.clusterKey(), min, stateMachine);
        stateTransfers.incrementAndGet();
        log.info("member {}: state transfer from {} restored position {}",
            options.memberId(), donor, q);
        node.installedState(q);
        return;
      } catch (IOException e) {
        log.warn("member {}: state transfer from {} failed: {}", options.memberId(), donor,
            e.toString());
      }
    }
    node.stateTransferFailed();
  }

  private long[] lastStats = new long[3];

  private void logStats() {
    long[] now = applyStats();
    long cmds = now[0] - lastStats[0];
    if (cmds > 0) {
      long batches = now[1] - lastStats[1];
      TotemNode n = node;
      log.info("member {}: applied {} commands in {} transactions ({} per txn, {} ms/txn) in "
          + "the last 10 s; view {} {}; node {}", options.memberId(), cmds, batches,
          batches == 0 ? 0 : cmds / batches,
          batches == 0 ? 0 : (now[2] - lastStats[2]) / 1_000_000 / batches,
          n.status().view(), n.status().members(), n.counters());
    }
    lastStats = now;
  }

  private void failPending() {
    Throwable why = unavailable();
    if (why == null) {
      why = new ReplicationUnavailableException("replica is closing");
    }
    for (CompletableFuture<byte[]> f : List.copyOf(pending.values())) {
      f.completeExceptionally(why);
    }
  }

  static byte[] envelope(int origin, long requestId, byte[] payload) {
    ByteBuffer b = ByteBuffer.allocate(ENVELOPE_HEADER + payload.length);
    b.put(MAGIC).putInt(origin).putLong(requestId).put(payload);
    return b.array();
  }

  @Override
  public void close() {
    closed = true;
    TotemNode n = node;
    if (n != null) {
      n.close();
    }
    SnapshotTransfer s = snapshots;
    if (s != null) {
      s.close();
    }
    Thread t = applier;
    if (t != null && t != Thread.currentThread()) {
      t.interrupt();
      try {
        t.join(30_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    timer.shutdownNow();
    failPending();
  }
}
