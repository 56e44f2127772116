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
 * @param snapshotEvery take a state machine snapshot and compact the log after this many applied
 *     entries (0 = never)
 * @param maxApplyBatch most commands handed to one {@link RaftStateMachine#apply} call
 * @param requestTimeoutMillis a proposal or read whose outcome is still unknown after this long
 *     fails with {@link RaftUnavailableException}
 * @param maxAppendBytes max entry bytes per AppendEntries message
 * @param maxInflight max AppendEntries in flight per follower
 */
public record RaftNodeOptions(int id, int clusterSize, int tickMillis, int electionTicks,
    int heartbeatTicks, long snapshotEvery, int maxApplyBatch, long requestTimeoutMillis,
    long maxAppendBytes, int maxInflight) {

  /** 30 ms ticks, election 10 ticks (300-600 ms), heartbeat every 2 ticks, snapshot every 10k. */
  public static RaftNodeOptions defaults(int id, int clusterSize) {
    return new RaftNodeOptions(id, clusterSize, 30, 10, 2, 10_000, 512, 10_000, 256 * 1024, 256);
  }

  /** A copy with another snapshot interval. */
  public RaftNodeOptions withSnapshotEvery(long n) {
    return new RaftNodeOptions(id, clusterSize, tickMillis, electionTicks, heartbeatTicks, n,
        maxApplyBatch, requestTimeoutMillis, maxAppendBytes, maxInflight);
  }

  /** A copy with another tick length and election/heartbeat ticks. */
  public RaftNodeOptions withTiming(int tickMs, int election, int heartbeat) {
    return new RaftNodeOptions(id, clusterSize, tickMs, election, heartbeat, snapshotEvery,
        maxApplyBatch, requestTimeoutMillis, maxAppendBytes, maxInflight);
  }

  /** Throws {@link IllegalArgumentException} naming the first invalid field. */
  public RaftNodeOptions validate() {
    if (tickMillis < 1) throw new IllegalArgumentException("tickMillis must be >= 1");
    if (snapshotEvery < 0) throw new IllegalArgumentException("snapshotEvery must be >= 0");
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
