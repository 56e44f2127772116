package dev.marketplace.totem;

import java.util.List;

/**
 * Everything the core produced since the previous {@link TotemCore#ready()}: what the runtime
 * must do now, in this order: send datagrams (no durability barrier is needed: the core keeps
 * nothing durable), apply delivered commands in order, act on view changes and a state-transfer
 * request. Immutable, thread-safe.
 *
 * @param datagrams encoded datagrams to send
 * @param delivered commands in total order, positions contiguous
 * @param views views installed (membership changes), in order
 * @param stateTransfer non-null when a state transfer must be started
 */
public record Ready(List<Outbound> datagrams, List<Delivered> delivered,
    List<ViewInstalled> views, StateTransferNeeded stateTransfer) {

  /** True when there is nothing to do. */
  public boolean isEmpty() {
    return datagrams.isEmpty() && delivered.isEmpty() && views.isEmpty() && stateTransfer == null;
  }
}
