package dev.marketplace.replica;

import dev.marketplace.proto.ReplicaStatus;
import java.util.concurrent.CompletableFuture;

/**
 * The replication layer as a replica's service sees it: agrees on one total order of commands and
 * applies them, in that order, to this replica's {@link StateMachine}. Implementations: {@link
 * SingleNodeReplication} (one member, PostgreSQL is the durable log), Raft (product-db) and the
 * rotating sequencer (customer-db).
 *
 * <p>Contract for implementations:
 *
 * <ul>
 *   <li>{@link #start} is called once, before any other method, with a state machine whose
 *       {@link StateMachine#lastApplied()} tells where this replica is; entries are handed to
 *       {@link StateMachine#apply} strictly consecutively from {@code lastApplied() + 1}, from one
 *       thread at a time. A position that must carry no command (a Raft leader's no-op, a totem
 *       membership marker) is applied as an empty byte array, which the state machine treats as a
 *       no-op that still advances {@code lastApplied}.
 *   <li>A snapshot-capable log asks {@link StateMachine#snapshot} for the state at its applied
 *       position and, on a replica that fell too far behind, calls {@link StateMachine#restore}
 *       with a snapshot received from another replica, then continues applying after the
 *       snapshot's position. A state transfer (rotating sequencer) uses the same two calls.
 *   <li>If {@link StateMachine#apply} throws, the replica must stop applying for good (never
 *       skip a command): fail pending and later futures with {@link
 *       ReplicationUnavailableException} and report {@code has_quorum = false}.
 * </ul>
 *
 * <p>Implementations are thread-safe: any thread may call any method.
 */
public interface Replication extends AutoCloseable {

  /** Starts replicating into {@code stateMachine}. Called once. */
  void start(StateMachine stateMachine);

  /**
   * Proposes {@code command} for the total order. The future completes with the state machine's
   * result bytes once the command is applied on THIS replica, or fails with {@link
   * ReplicationUnavailableException} when it cannot be committed now (no quorum, not started,
   * closing; the caller may retry, e.g. with the same idempotency key). A command may be applied
   * even when its future fails (e.g. leader lost after replication); idempotency keys make the
   * retry safe.
   */
  CompletableFuture<byte[]> submit(byte[] command);

  /**
   * Completes once this replica has applied every command committed before the call, so a read
   * issued afterwards never observes an older state than any write acknowledged before it
   * started, on any replica. Fails with {@link ReplicationUnavailableException} when that cannot
   * be established now.
   */
  CompletableFuture<Void> readBarrier();

  /** A snapshot of this replica's replication status (cheap; never blocks on the network). */
  ReplicaStatus status();

  /** Stops replicating; pending futures fail with {@link ReplicationUnavailableException}. */
  @Override
  void close();
}
