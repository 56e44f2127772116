package dev.marketplace.raft.node;

import dev.marketplace.raft.RaftConfig;

/**
 * Runtime settings of one {@link RaftNode}. Immutable and thread-safe.
 *
 * @param id this member's id, in {@code [0, clusterSize)}
 * @param clusterSize number of members (ids 0..n-1)
 * @param tickMillis wall-clock length of one core tick
 * @param electionTicks base election timeout in ticks (randomized in [t, 2t))
 * @param heartbeatTicks ticks between leader heartbeats
 * @param snapshotEvery the minimum number of entries applied since the last snapshot before the
 *     next one is taken (0 = never snapshot)
 * @param maxApplyBatch most commands handed to one {@link RaftStateMachine#apply} call
 * @param requestTimeoutMillis a proposal or read whose outcome is still unknown after this long
 *     fails with {@link RaftUnavailableException}
 * @param maxAppendBytes max entry bytes per AppendEntries message
 * @param maxInflight max AppendEntries in flight per follower
 * @param snapshotRatio a snapshot is taken only once the entry bytes applied since the last
 *     snapshot (taken or installed) reach this multiple of that snapshot's size, so snapshot work
 *     is at most about {@code 1 / snapshotRatio} of the bytes written to the log and the log
 *     stays within {@code snapshotRatio} x the state size (0 = the entry count alone decides);
 *     see raft/RUNTIME.md, "Snapshot policy"
 */
public record RaftNodeOptions(int id, int clusterSize, int tickMillis, int electionTicks,
    int heartbeatTicks, long snapshotEvery, int maxApplyBatch, long requestTimeoutMillis,
    long maxAppendBytes, int maxInflight, double snapshotRatio) {

  /**
   * 30 ms ticks, election 10 ticks (300-600 ms), heartbeat every 2 ticks, a snapshot after at
   * least 10k entries and at least as many entry bytes as the last snapshot's size (ratio 1).
   */
  public static RaftNodeOptions defaults(int id, int clusterSize) {
    return new RaftNodeOptions(id, clusterSize, 30, 10, 2, 10_000, 512, 10_000, 256 * 1024, 256,
        1.0);
  }

  /** A copy with another snapshot interval. */
  public RaftNodeOptions withSnapshotEvery(long n) {
    return new RaftNodeOptions(id, clusterSize, tickMillis, electionTicks, heartbeatTicks, n,
        maxApplyBatch, requestTimeoutMillis, maxAppendBytes, maxInflight, snapshotRatio);
  }

  /** A copy with another snapshot size ratio (0 = the entry count alone decides). */
  public RaftNodeOptions withSnapshotRatio(double ratio) {
    return new RaftNodeOptions(id, clusterSize, tickMillis, electionTicks, heartbeatTicks,
        snapshotEvery, maxApplyBatch, requestTimeoutMillis, maxAppendBytes, maxInflight, ratio);
  }

  /** A copy with another apply batch limit. */
  public RaftNodeOptions withMaxApplyBatch(int n) {
    return new RaftNodeOptions(id, clusterSize, tickMillis, electionTicks, heartbeatTicks,
        snapshotEvery, n, requestTimeoutMillis, maxAppendBytes, maxInflight, snapshotRatio);
  }

  /** A copy with another tick length and election/heartbeat ticks. */
  public RaftNodeOptions withTiming(int tickMs, int election, int heartbeat) {
    return new RaftNodeOptions(id, clusterSize, tickMs, election, heartbeat, snapshotEvery,
        maxApplyBatch, requestTimeoutMillis, maxAppendBytes, maxInflight, snapshotRatio);
  }

  /** Throws {@link IllegalArgumentException} naming the first invalid field. */
  public RaftNodeOptions validate() {
    if (tickMillis < 1) throw new IllegalArgumentException("tickMillis must be >= 1");
    if (snapshotEvery < 0) throw new IllegalArgumentException("snapshotEvery must be >= 0");
    if (!(snapshotRatio >= 0) || Double.isInfinite(snapshotRatio)) {
      throw new IllegalArgumentException("snapshotRatio must be a finite number >= 0");
    }
    if (maxApplyBatch < 1) throw new IllegalArgumentException("maxApplyBatch must be >= 1");
    if (requestTimeoutMillis < 1) {
      throw new IllegalArgumentException("requestTimeoutMillis must be >= 1");
    }
    raftConfig().validate();
    return this;
  }

  /** The core configuration these options imply. */
  public RaftConfig raftConfig() {
    return RaftConfig.defaults(id, clusterSize).withTicks(electionTicks, heartbeatTicks)
        .withLimits(maxAppendBytes, maxInflight, 64 * 1024);
  }
}
