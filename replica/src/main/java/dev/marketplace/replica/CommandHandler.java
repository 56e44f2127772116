package dev.marketplace.replica;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/**
 * The domain part of a {@link JdbcStateMachine}: decodes command bytes and applies one command
 * inside the batch transaction. Must be deterministic: no {@code now()}, {@code random()},
 * sequences or anything else that can differ between replicas; every time, id and token comes
 * from the command or from the database state. Every SQL statement is parameterized.
 *
 * <p>Called only from the single apply thread; implementations need not be thread-safe. A handler
 * may keep state between {@link #beginBatch} and {@link #flush} (a read-ahead cache, deferred
 * writes) as long as the transaction after {@link #flush} is exactly what applying each command's
 * writes at once would have produced.
 *
 * @param <C> the decoded command type
 */
public interface CommandHandler<C> {

  /** Decodes a command; malformed bytes are a rejection (INVALID_ARGUMENT), never fatal. */
  C parse(byte[] command) throws CommandRejectedException;

  /**
   * The idempotency key of the command, namespaced by the handler (e.g. {@code "CreateItem/k1"})
   * so results of different command kinds never mix; {@code ""} when the command has none.
   */
  String idempotencyKey(C command);

  /** The command's time (chosen by the service before submit), in epoch milliseconds. */
  long commandTimeMillis(C command);

  /**
   * Applies the command in {@code tx} and returns its result. A thrown {@link
   * CommandRejectedException} rolls the command's changes back and becomes its result; a
   * returned error result keeps the changes (e.g. to remember a first rejection). An {@link
   * SQLException} is fatal for the replica.
   *
   * <p>There is no savepoint around the command on the fast path: when a command throws a
   * rejection, the state machine rolls the whole batch back and runs it again with savepoints
   * from that command on. So a handler that decides a rejection before writing anything should
   * RETURN the error result (same bytes, no second run), and this method may run more than once
   * for the same command (it must not have effects outside {@code tx} and the handler's batch
   * state, which {@link #beginBatch} resets).
   */
  CommandResult apply(Connection tx, C command) throws SQLException, CommandRejectedException;

  /**
   * Called at the start of every run of a batch, in its transaction, before the first {@link
   * #apply}, with the decoded commands of the batch (some may not reach {@link #apply}, e.g. an
   * idempotent replay). A handler may read what they need here in one query, and must drop any
   * state kept from an earlier batch or run. Default: nothing.
   */
  default void beginBatch(Connection tx, List<C> commands) throws SQLException {}

  /**
   * Writes everything the handler deferred, so that {@code tx} holds the effect of every command
   * applied so far. Called before each savepoint (careful mode) and after the last command of a
   * batch, before the state machine's own writes. A command that throws a rejection must leave
   * nothing deferred. Default: nothing.
   */
  default void flush(Connection tx) throws SQLException {}
}
