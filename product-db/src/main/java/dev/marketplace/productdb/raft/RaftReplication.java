package dev.marketplace.productdb.raft;

import dev.marketplace.proto.ReplicaStatus;
import dev.marketplace.raft.LogStorage;
import dev.marketplace.raft.node.NodeStatus;
import dev.marketplace.raft.node.RaftNode;
import dev.marketplace.raft.node.RaftNodeOptions;
import dev.marketplace.raft.node.RaftStateMachine;
import dev.marketplace.raft.node.RaftTransport;
import dev.marketplace.raft.node.RaftUnavailableException;
import dev.marketplace.replica.Replication;
import dev.marketplace.replica.ReplicationUnavailableException;
import dev.marketplace.replica.StateMachine;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;
import java.util.function.IntFunction;

/**
 * {@link Replication} on Raft ({@link RaftNode}): {@link #submit} proposes (a follower forwards
 * the proposal to the leader through Raft; with no leader known it fails fast with {@link
 * ReplicationUnavailableException} naming the leader hint), {@link #readBarrier} is a ReadIndex
 * read, committed entries are applied to the {@link StateMachine} in consecutive batches with
 * {@code durable = false} (the Raft log is the durable record, replayed after a crash), and
 * snapshots use {@link StateMachine#snapshot} (on the node's snapshot thread, concurrently with
 * apply) and {@link StateMachine#restore}. Thread-safe.
 */
public final class RaftReplication implements Replication {
  private final RaftNodeOptions options;
  private final LogStorage storage;
  private final RaftTransport transport;
  private final Consumer<Throwable> onFatal;
  private final IntFunction<String> describeMember;
  private volatile RaftNode node;

  /**
   * @param options node options (id, cluster size, timing, snapshot interval)
   * @param storage this member's Raft log (owned from here on)
   * @param transport the peer transport (owned from here on)
   * @param onFatal called once after a storage or apply failure (e.g. exit the process)
   * @param describeMember names a member in leader hints (e.g. its client address)
   */
  public RaftReplication(RaftNodeOptions options, LogStorage storage, RaftTransport transport,
      Consumer<Throwable> onFatal, IntFunction<String> describeMember) {
    this.options = options.validate();
    this.storage = storage;
    this.transport = transport;
    this.onFatal = onFatal;
    this.describeMember = describeMember == null ? i -> "member " + i : describeMember;
  }

  @Override
  public synchronized void start(StateMachine stateMachine) {
    if (node != null) throw new IllegalStateException("already started");
    RaftNode n = new RaftNode(options, storage, transport, adapt(stateMachine), onFatal);
    try {
      n.start();
    } catch (IOException e) {
      n.close();
      throw new UncheckedIOException("cannot recover the Raft log", e);
    } catch (RuntimeException e) {
      n.close();
      throw e;
    }
    node = n;
  }

  private static RaftStateMachine adapt(StateMachine sm) {
    return new RaftStateMachine() {
      /** Initial buffer size: a little above the last snapshot's (only the snapshot thread). */
      private int lastSize = 64 * 1024;

      @Override
      public long lastApplied() {
        return sm.lastApplied();
      }

      @Override
      public List<byte[]> apply(long firstIndex, List<byte[]> commands) {
        return sm.apply(firstIndex, commands, false);
      }

      @Override
      public StateSnapshot snapshot() {
        // Runs on the node's snapshot thread while apply goes on. StateMachine.snapshot returns a
        // position that is already durable (JdbcStateMachine flushes the WAL after fixing its
        // REPEATABLE READ view), so a crash never leaves the database behind the log's snapshot
        // once the log is compacted to it (were it so, RaftNode.start would restore the log's
        // snapshot: correct, but costly). The bytes stream into one buffer, copied once to size.
        ByteArrayOutputStream out = new ByteArrayOutputStream(lastSize);
        try {
          long pos = sm.snapshot(out);
          lastSize = (int) Math.min(Integer.MAX_VALUE - 16, out.size() + out.size() / 8L + 32);
          return new StateSnapshot(pos, out.toByteArray());
        } catch (IOException e) {
          throw new UncheckedIOException("snapshot failed", e);
        }
      }

      @Override
      public long restore(byte[] data) {
        try {
          return sm.restore(new ByteArrayInputStream(data));
        } catch (IOException e) {
          throw new UncheckedIOException("restore failed", e);
        }
      }
    };
  }

  @Override
  public CompletableFuture<byte[]> submit(byte[] command) {
    RaftNode n = node;
    if (n == null) {
      return CompletableFuture.failedFuture(new ReplicationUnavailableException("not started"));
    }
    return mapErrors(n.propose(command));
  }

  @Override
  public CompletableFuture<Void> readBarrier() {
    RaftNode n = node;
    if (n == null) {
      return CompletableFuture.failedFuture(new ReplicationUnavailableException("not started"));
    }
    return mapErrors(n.readIndex()).thenApply(i -> null);
  }

  private <T> CompletableFuture<T> mapErrors(CompletableFuture<T> f) {
    CompletableFuture<T> out = new CompletableFuture<>();
    f.whenComplete((v, err) -> {
      if (err == null) {
        out.complete(v);
        return;
      }
      Throwable c = err instanceof CompletionException && err.getCause() != null
          ? err.getCause() : err;
      if (c instanceof RaftUnavailableException r) {
        String hint = r.leaderHint() >= 0
            ? "; leader is probably " + describeMember.apply(r.leaderHint()) : "";
        out.completeExceptionally(new ReplicationUnavailableException(
            "raft: " + c.getMessage() + hint, c));
      } else {
        out.completeExceptionally(c);
      }
    });
    return out;
  }

  @Override
  public ReplicaStatus status() {
    RaftNode n = node;
    if (n == null) {
      return ReplicaStatus.newBuilder().setMemberId(options.id()).setRole("FOLLOWER")
          .setLeaderId(-1).build();
    }
    NodeStatus s = n.status();
    String role = switch (s.role()) {
      case LEADER -> "LEADER";
      case FOLLOWER -> "FOLLOWER";
      case CANDIDATE, PRE_CANDIDATE -> "CANDIDATE";
    };
    ReplicaStatus.Builder b = ReplicaStatus.newBuilder()
        .setMemberId(s.id())
        .setRole(role)
        .setTerm(s.term())
        .setLeaderId(s.leader())
        .setCommitIndex(s.commit())
        .setAppliedIndex(s.applied())
        .setHasQuorum(s.leader() >= 0 && !s.fatal())
        .setLogEntries(s.logEntries())
        .setSnapshotIndex(s.snapshotIndex());
    for (int i = 0; i < options.clusterSize(); i++) b.addMembers(i);
    return b.build();
  }

  /** The node's own status (more detail than {@link #status()}), or null before start. */
  public NodeStatus nodeStatus() {
    RaftNode n = node;
    return n == null ? null : n.status();
  }

  @Override
  public void close() {
    RaftNode n = node;
    if (n != null) n.close();
  }
}
