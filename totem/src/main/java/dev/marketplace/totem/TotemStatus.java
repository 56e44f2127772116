package dev.marketplace.totem;

import java.util.List;

/**
 * Snapshot of a member's protocol state and counters, for metrics and tests. Immutable,
 * thread-safe.
 *
 * @param self member id
 * @param incarnation this run's incarnation
 * @param view current view number (-1: none yet after restart)
 * @param status status in that view
 * @param lastNormalView last view this member was NORMAL in (-1: amnesiac)
 * @param members members of the last installed view
 * @param logSlots complete contiguous log slots
 * @param logPos position after the last complete slot
 * @param deliveredPos commands delivered (next position to deliver)
 * @param trimPos first position still retained for retransmission
 * @param ownUndelivered own broadcast commands not yet delivered
 * @param counters drop and event counters
 */
public record TotemStatus(int self, long incarnation, long view, MemberStatus status,
    long lastNormalView, List<Integer> members, long logSlots, long logPos, long deliveredPos,
    long trimPos, int ownUndelivered, Counters counters) {

  /**
   * Monotonic counters.
   *
   * @param datagramsIn datagrams given to receive
   * @param datagramsOut datagrams emitted
   * @param droppedMalformed undecodable or truncated datagrams
   * @param droppedWrongVersion datagrams of another wire version
   * @param droppedForeignCluster datagrams of another cluster id
   * @param droppedBadTag datagrams whose HMAC tag did not verify (forged/corrupted)
   * @param droppedBadSender authentic datagrams naming an impossible or mismatching sender
   * @param protocolViolations authentic messages contradicting the protocol (dropped)
   * @param viewChangesStarted view changes this member started or joined
   * @param viewsInstalled views this member became NORMAL in
   * @param stateTransfers state transfers requested
   * @param censusViews census (cold start) START_VIEWs this member sent as coordinator
   * @param voluntaryAmnesia times this member gave up its log because no normal view could form
   * @param staleIgnored authentic messages ignored because their sender incarnation is not the
   *     one listed in the current view (or the START_VIEW's coordinator is not the bound one)
   */
  public record Counters(long datagramsIn, long datagramsOut, long droppedMalformed,
      long droppedWrongVersion, long droppedForeignCluster, long droppedBadTag,
      long droppedBadSender, long protocolViolations, long viewChangesStarted,
      long viewsInstalled, long stateTransfers, long censusViews, long voluntaryAmnesia,
      long staleIgnored) {

    /** All dropped datagrams. */
    public long droppedTotal() {
      return droppedMalformed + droppedWrongVersion + droppedForeignCluster + droppedBadTag
          + droppedBadSender;
    }
  }
}
