package dev.marketplace.replica;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * The domain part of a {@link JdbcStateMachine}: decodes command bytes and applies one command
 * inside the batch transaction. Must be deterministic: no {@code now()}, {@code random()},
 * sequences or anything else that can differ between replicas; every time, id and token comes
 * from the command or from the database state. Every SQL statement is parameterized.
 *
 * <p>Called only from the single apply thread; implementations need not be thread-safe for apply
 * but are usually stateless.
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
   * Applies the command in {@code tx} (inside a savepoint) and returns its result. A thrown
   * {@link CommandRejectedException} rolls the command's changes back and becomes its result; a
   * returned error result keeps the changes (e.g. to remember a first rejection). An {@link
   * SQLException} is fatal for the replica.
   */
  CommandResult apply(Connection tx, C command) throws SQLException, CommandRejectedException;
}
