package dev.marketplace.replica;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;

/**
 * A deterministic state machine fed by a {@link Replication}: the same commands at the same
 * positions produce the same state and the same results on every replica.
 *
 * <p>Only one thread applies at a time; {@link #snapshot} and {@link #lastApplied} may run
 * concurrently with apply. Implementations are thread-safe in that sense.
 */
public interface StateMachine {

  /** The position of the last applied command (0 when nothing was ever applied). Durable. */
  long lastApplied();

  /**
   * Applies {@code commands}, which occupy positions {@code firstIndex, firstIndex + 1, ...}, with
   * {@code firstIndex == lastApplied() + 1}, atomically (all or none), and returns one result per
   * command, in order. An empty command is a no-op with an empty result. Business rejections are
   * results (see {@link CommandResult}), not exceptions.
   *
   * @param durable true when the caller keeps no durable log of its own (single node), so the
   *     change must be on disk before this returns; false when the caller's log is durable and can
   *     replay anything lost in a crash
   * @throws StateMachineFailedException when the commands cannot be applied (a database error, a
   *     position gap): the replica must stop, never skip a command
   */
  List<byte[]> apply(long firstIndex, List<byte[]> commands, boolean durable);

  /**
   * Makes every change applied so far durable (applies made with {@code durable = false} may be
   * lost in a crash, after which {@link #lastApplied()} is lower and the caller replays from its
   * log or restores a snapshot) and returns the position now durable. (A log that compacts to a
   * {@link #snapshot} needs no call: its position is durable.)
   */
  long syncApplied();

  /**
   * Writes the whole state, consistent at one applied position, to {@code out} and returns that
   * position, which is durable when this returns (a log may drop its entries up to it). May run
   * concurrently with {@link #apply}, so the position may be behind {@link #lastApplied()}. Does
   * not close {@code out}.
   */
  long snapshot(OutputStream out) throws IOException;

  /**
   * Replaces the whole state with a snapshot written by {@link #snapshot} (on any replica of the
   * same kind), atomically, and returns its position, which becomes {@link #lastApplied()}.
   * Does not close {@code in}.
   */
  long restore(InputStream in) throws IOException;
}
