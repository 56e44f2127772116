package dev.marketplace.totem;

/** Protocol status of a member, carried in every header. Immutable enum, thread-safe. */
public enum MemberStatus {
  /** Installed in its view with the complete start log: sequences, acks, delivers. */
  NORMAL,
  /** Installed in its view but still fetching the view's start log; does not ack or deliver. */
  RECOVERING,
  /** Between views: collecting/sending view-change reports; nothing is ordered or delivered. */
  VIEW_CHANGE
}
