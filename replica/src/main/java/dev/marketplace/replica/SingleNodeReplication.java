package dev.marketplace.replica;

import dev.marketplace.proto.ReplicaStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link Replication} for a single member: commands are ordered by arrival. One apply thread takes
 * whatever has been submitted (up to {@code maxBatch} commands) and applies it as one batch, in
 * ONE transaction, with {@code durable = true} (PostgreSQL is the durable log here), before
 * completing the futures. Positions continue from {@link StateMachine#lastApplied()} after a
 * restart. Every committed command is applied before its future completes, so {@link
 * #readBarrier()} completes at once while running.
 *
 * <p>A fatal apply failure stops the replica: pending and later calls fail with {@link
 * ReplicationUnavailableException}, {@code has_quorum} turns false and the {@code onFatal}
 * callback (e.g. exit the process) runs once. Thread-safe.
 */
public final class SingleNodeReplication implements Replication {
  private static final Logger log = LoggerFactory.getLogger(SingleNodeReplication.class);

  private record Pending(byte[] command, CompletableFuture<byte[]> result) {}

  private final int memberId;
  private final int maxBatch;
  private final Consumer<Throwable> onFatal;
  private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
  private volatile StateMachine stateMachine;
  private volatile Thread applier;
  private volatile boolean closed;
  private volatile Throwable fatal;

  /**
   * @param memberId this replica's id (for status)
   * @param maxBatch the most commands applied in one transaction (>= 1)
   * @param onFatal called once, from the apply thread, after a fatal apply failure
   *     (before the affected futures fail)
   */
  public SingleNodeReplication(int memberId, int maxBatch, Consumer<Throwable> onFatal) {
    if (maxBatch < 1) {
      throw new IllegalArgumentException("maxBatch must be >= 1: " + maxBatch);
    }
    this.memberId = memberId;
    this.maxBatch = maxBatch;
    this.onFatal = onFatal == null ? t -> { } : onFatal;
  }

  /** A replica with member id 0, batches of up to 256 and no fatal callback. */
  public SingleNodeReplication() {
    this(0, 256, null);
  }

  @Override
  public synchronized void start(StateMachine sm) {
    if (stateMachine != null) {
      throw new IllegalStateException("already started");
    }
    stateMachine = sm;
    Thread t = new Thread(this::run, "single-node-apply-" + memberId);
    t.setDaemon(true);
    applier = t;
    t.start();
  }

  @Override
  public CompletableFuture<byte[]> submit(byte[] command) {
    CompletableFuture<byte[]> f = new CompletableFuture<>();
    Throwable why = unavailable();
    if (why != null) {
      f.completeExceptionally(why);
      return f;
    }
    queue.add(new Pending(command.clone(), f));
    if (closed || fatal != null) { // raced with close/fatal: the drain may have missed us
      drainFailing();
    }
    return f;
  }

  @Override
  public CompletableFuture<Void> readBarrier() {
    Throwable why = unavailable();
    return why == null ? CompletableFuture.completedFuture(null)
        : CompletableFuture.failedFuture(why);
  }

  private Throwable unavailable() {
    if (fatal != null) {
      return new ReplicationUnavailableException("replica stopped after a fatal error", fatal);
    }
    if (closed) {
      return new ReplicationUnavailableException("replica is closing");
    }
    if (stateMachine == null) {
      return new ReplicationUnavailableException("replica not started");
    }
    return null;
  }

  @Override
  public ReplicaStatus status() {
    StateMachine sm = stateMachine;
    long applied = sm == null ? 0 : sm.lastApplied();
    return ReplicaStatus.newBuilder()
        .setMemberId(memberId)
        .setRole("SINGLE")
        .setTerm(0)
        .setLeaderId(memberId)
        .setCommitIndex(applied)
        .setAppliedIndex(applied)
        .setHasQuorum(sm != null && !closed && fatal == null)
        .addMembers(memberId)
        .setLogEntries(0)
        .setSnapshotIndex(0)
        .build();
  }

  private void run() {
    List<Pending> batch = new ArrayList<>(maxBatch);
    List<byte[]> commands = new ArrayList<>(maxBatch);
    while (!closed) {
      try {
        Pending first = queue.poll(100, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        batch.clear();
        batch.add(first);
        queue.drainTo(batch, maxBatch - 1);
        commands.clear();
        for (Pending p : batch) {
          commands.add(p.command());
        }
        long firstIndex = stateMachine.lastApplied() + 1;
        List<byte[]> results;
        try {
          results = stateMachine.apply(firstIndex, commands, true);
        } catch (RuntimeException e) {
          fatal = e;
          log.error("fatal apply failure; replica {} stops", memberId, e);
          try {
            onFatal.accept(e);
          } finally {
            ReplicationUnavailableException ue =
                new ReplicationUnavailableException("replica stopped after a fatal error", e);
            for (Pending p : batch) {
              p.result().completeExceptionally(ue);
            }
            drainFailing();
          }
          return;
        }
        for (int i = 0; i < batch.size(); i++) {
          batch.get(i).result().complete(results.get(i));
        }
      } catch (InterruptedException e) {
        break;
      }
    }
    drainFailing();
  }

  private void drainFailing() {
    List<Pending> rest = new ArrayList<>();
    queue.drainTo(rest);
    Throwable why = unavailable();
    for (Pending p : rest) {
      p.result().completeExceptionally(why != null ? why
          : new ReplicationUnavailableException("replica is closing"));
    }
  }

  /** Stops the apply thread after its current batch; queued commands fail. */
  @Override
  public void close() {
    closed = true;
    Thread t = applier;
    if (t != null && t != Thread.currentThread()) {
      try {
        t.join(30_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    drainFailing();
  }
}
