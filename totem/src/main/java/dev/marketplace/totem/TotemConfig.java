package dev.marketplace.totem;

import java.util.Arrays;

/**
 * Immutable configuration of one {@link TotemCore} member. Built once at the edge by the runtime;
 * {@link #validate()} is called by the compact constructor so an invalid config never exists.
 * Thread-safe (immutable; the key array is copied in and out).
 *
 * @param memberCount size N of the fixed universe of members {@code 0..N-1}
 * @param selfId this member's id
 * @param clusterId identifies the cluster on the wire; datagrams of another cluster are dropped
 * @param clusterKey shared HMAC-SHA256 key (at least 16 bytes)
 * @param maxDatagramBytes upper bound of every encoded datagram (default 1400)
 * @param heartbeatTicks idle interval between progress/heartbeat messages
 * @param suspectTicks ticks of silence after which a view member is suspected
 * @param viewChangeTicks ticks a view change or recovery may go without progress before retrying
 * @param resendTicks interval at which own unsequenced requests are re-sent to members lacking them
 * @param fetchBatch how many log entries one FETCH answer carries at most
 * @param maxPendingOwn how many own undelivered commands {@code broadcast} accepts (backpressure)
 * @param ackTicks when this member's ack advanced and it is not one of the quorum-1 members that
 *     follow the slot's sequencer in the rotation (the "eager" ackers, who ack at the next tick),
 *     the least number of ticks since its last message to all before it sends an ack-only
 *     progress message; 1 = every member acks at the next tick (the behaviour before this
 *     parameter existed), at most {@code heartbeatTicks}
 */
public record TotemConfig(
    int memberCount,
    int selfId,
    long clusterId,
    byte[] clusterKey,
    int maxDatagramBytes,
    int heartbeatTicks,
    int suspectTicks,
    int viewChangeTicks,
    int resendTicks,
    int fetchBatch,
    int maxPendingOwn,
    int ackTicks) {

  /** Default datagram budget: safely under a 1500-byte Ethernet MTU with IP/UDP headers. */
  public static final int DEFAULT_MAX_DATAGRAM = 1400;

  /** Bytes reserved for the header, batch framing and the tag; see {@link #maxCommandBytes()}. */
  static final int FIXED_OVERHEAD = 160;

  /** Per-member bytes of the piggybacked receive vector reserved in every header. */
  static final int PER_MEMBER_OVERHEAD = 12;

  /** Per-member bytes a START_VIEW/VIEW_CHANGE needs (member list + stream positions). */
  static final int VIEW_BYTES_PER_MEMBER = 44;

  public TotemConfig {
    clusterKey = clusterKey == null ? null : clusterKey.clone();
    validateFields(memberCount, selfId, clusterKey, maxDatagramBytes, heartbeatTicks,
        suspectTicks, viewChangeTicks, resendTicks, fetchBatch, maxPendingOwn, ackTicks);
  }

  /** The configuration without {@code ackTicks}: every member acks at the next tick (1). */
  public TotemConfig(int memberCount, int selfId, long clusterId, byte[] clusterKey,
      int maxDatagramBytes, int heartbeatTicks, int suspectTicks, int viewChangeTicks,
      int resendTicks, int fetchBatch, int maxPendingOwn) {
    this(memberCount, selfId, clusterId, clusterKey, maxDatagramBytes, heartbeatTicks,
        suspectTicks, viewChangeTicks, resendTicks, fetchBatch, maxPendingOwn, 1);
  }

  /**
   * Defaults for a member of an N-member cluster: 1400-byte datagrams, heartbeat every 2 ticks,
   * non-eager acks at most every 2 ticks.
   */
  public static TotemConfig defaults(int memberCount, int selfId, long clusterId, byte[] key) {
    return new TotemConfig(memberCount, selfId, clusterId, key, DEFAULT_MAX_DATAGRAM, 2, 20, 30, 4,
        16, 10_000, 2);
  }

  /** A copy with another member id (same cluster settings). */
  public TotemConfig withSelf(int self) {
    return new TotemConfig(memberCount, self, clusterId, clusterKey, maxDatagramBytes,
        heartbeatTicks, suspectTicks, viewChangeTicks, resendTicks, fetchBatch, maxPendingOwn,
        ackTicks);
  }

  /** A copy with another datagram budget. */
  public TotemConfig withMaxDatagramBytes(int bytes) {
    return new TotemConfig(memberCount, selfId, clusterId, clusterKey, bytes, heartbeatTicks,
        suspectTicks, viewChangeTicks, resendTicks, fetchBatch, maxPendingOwn, ackTicks);
  }

  /** A copy with another {@code ackTicks} (1 .. heartbeatTicks). */
  public TotemConfig withAckTicks(int ticks) {
    return new TotemConfig(memberCount, selfId, clusterId, clusterKey, maxDatagramBytes,
        heartbeatTicks, suspectTicks, viewChangeTicks, resendTicks, fetchBatch, maxPendingOwn,
        ticks);
  }

  @Override
  public byte[] clusterKey() {
    return clusterKey.clone();
  }

  /** Quorum of the fixed universe: floor(N/2)+1. */
  public int quorum() {
    return memberCount / 2 + 1;
  }

  /**
   * Largest command {@link TotemCore#broadcast} accepts: a whole ordered batch must fit one ENTRY
   * datagram, so one command must too. Bigger commands are rejected, not fragmented.
   */
  public int maxCommandBytes() {
    return maxDatagramBytes - FIXED_OVERHEAD - PER_MEMBER_OVERHEAD * memberCount;
  }

  /** Re-checks every field; throws {@link IllegalArgumentException} naming the bad one. */
  public void validate() {
    validateFields(memberCount, selfId, clusterKey, maxDatagramBytes, heartbeatTicks,
        suspectTicks, viewChangeTicks, resendTicks, fetchBatch, maxPendingOwn, ackTicks);
  }

  private static void validateFields(int n, int self, byte[] key, int maxDatagram, int hb,
      int suspect, int vc, int resend, int fetchBatch, int maxPending, int ackTicks) {
    require(n >= 1 && n <= 255, "memberCount must be 1..255, was " + n);
    // (the datagram budget bounds N further: about 28 members at 1400 bytes, see below)
    require(self >= 0 && self < n, "selfId must be in 0.." + (n - 1) + ", was " + self);
    require(key != null && key.length >= 16, "clusterKey must have at least 16 bytes");
    require(maxDatagram >= 512 && maxDatagram <= 65_000,
        "maxDatagramBytes must be 512..65000, was " + maxDatagram);
    require(maxDatagram - FIXED_OVERHEAD - PER_MEMBER_OVERHEAD * n >= 64,
        "maxDatagramBytes too small for " + n + " members");
    require(FIXED_OVERHEAD + VIEW_BYTES_PER_MEMBER * n <= maxDatagram,
        "maxDatagramBytes " + maxDatagram + " cannot carry a view of " + n
            + " members (needs " + (FIXED_OVERHEAD + VIEW_BYTES_PER_MEMBER * n) + ")");
    require(hb >= 1, "heartbeatTicks must be >= 1, was " + hb);
    require(suspect > 2 * hb, "suspectTicks must exceed 2*heartbeatTicks, was " + suspect);
    require(vc > hb, "viewChangeTicks must exceed heartbeatTicks, was " + vc);
    require(resend >= 1, "resendTicks must be >= 1, was " + resend);
    require(fetchBatch >= 1, "fetchBatch must be >= 1, was " + fetchBatch);
    require(maxPending >= 1, "maxPendingOwn must be >= 1, was " + maxPending);
    require(ackTicks >= 1 && ackTicks <= hb,
        "ackTicks must be 1..heartbeatTicks (" + hb + "), was " + ackTicks);
  }

  private static void require(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException("invalid TotemConfig: " + message);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TotemConfig c && memberCount == c.memberCount && selfId == c.selfId
        && clusterId == c.clusterId && Arrays.equals(clusterKey, c.clusterKey)
        && maxDatagramBytes == c.maxDatagramBytes && heartbeatTicks == c.heartbeatTicks
        && suspectTicks == c.suspectTicks && viewChangeTicks == c.viewChangeTicks
        && resendTicks == c.resendTicks && fetchBatch == c.fetchBatch
        && maxPendingOwn == c.maxPendingOwn && ackTicks == c.ackTicks;
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(clusterKey) * 31 + memberCount * 7 + selfId;
  }

  @Override
  public String toString() {
    return "TotemConfig[n=" + memberCount + ", self=" + selfId + ", cluster=" + clusterId
        + ", maxDatagram=" + maxDatagramBytes + ", hb=" + heartbeatTicks + ", suspect="
        + suspectTicks + ", viewChange=" + viewChangeTicks + ", resend=" + resendTicks + ", ack="
        + ackTicks + "]";
  }
}
