package dev.marketplace.customerdb.totem;

/**
 * The durable "this replica has started before" flag of a totem member. A replica bootstraps a
 * brand-new cluster (incarnation 0, view 0) only when the flag is absent AND its state machine
 * never applied anything; every later start rejoins as an amnesiac member. {@link #recordStart}
 * runs before the member sends its first datagram, so a crash at any point afterwards can never
 * make the replica bootstrap again (see totem/DESIGN.md, runtime section).
 *
 * <p>Implementations must be safe to call from the thread that starts the replication.
 */
public interface StartMarker {

  /** True when an earlier start of this replica recorded itself durably. */
  boolean startedBefore();

  /** Records durably (on disk when this returns) that this replica has started. Idempotent. */
  void recordStart();
}
