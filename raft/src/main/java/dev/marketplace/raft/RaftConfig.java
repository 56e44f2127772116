package dev.marketplace.raft;

/**
 * Static configuration of one {@link RaftCore}. Immutable and thread-safe. Members are the ids
 * {@code 0 .. clusterSize-1}; membership never changes.
 *
 * @param id this node's id, in {@code [0, clusterSize)}
 * @param clusterSize number of voting members (ids 0..n-1)
 * @param electionTicks base election timeout in ticks; the randomized timeout is drawn from
 *     {@code [electionTicks, 2*electionTicks)}; also the check-quorum period of a leader
 * @param heartbeatTicks ticks between leader heartbeats; must be below {@code electionTicks}
 * @param maxAppendBytes max entry payload bytes per AppendEntries message (at least one entry
 *     is always sent)
 * @param maxInflight max number of AppendEntries in flight to one follower when pipelining
 * @param snapshotChunkBytes size of one InstallSnapshot chunk
 * @param preVote run a pre-vote round before incrementing the term
 * @param checkQuorum leader steps down when it has not heard from a majority within an election
 *     timeout, and nodes that heard from a leader recently ignore (pre)vote requests
 */
public record RaftConfig(
    int id,
    int clusterSize,
    int electionTicks,
    int heartbeatTicks,
    long maxAppendBytes,
    int maxInflight,
    int snapshotChunkBytes,
    boolean preVote,
    boolean checkQuorum) {

  /** A config with sensible defaults: election 10 ticks, heartbeat 1, 64 KiB appends. */
  public static RaftConfig defaults(int id, int clusterSize) {
    return new RaftConfig(id, clusterSize, 10, 1, 64 * 1024, 64, 64 * 1024, true, true);
  }

  /** Returns a copy with other election/heartbeat ticks. */
  public RaftConfig withTicks(int election, int heartbeat) {
    return new RaftConfig(id, clusterSize, election, heartbeat, maxAppendBytes, maxInflight,
        snapshotChunkBytes, preVote, checkQuorum);
  }

  /** Returns a copy with other batching/pipelining/chunk limits. */
  public RaftConfig withLimits(long appendBytes, int inflight, int chunkBytes) {
    return new RaftConfig(id, clusterSize, electionTicks, heartbeatTicks, appendBytes, inflight,
        chunkBytes, preVote, checkQuorum);
  }

  /** Returns a copy with pre-vote and check-quorum switched. */
  public RaftConfig withFlags(boolean preVote, boolean checkQuorum) {
    return new RaftConfig(id, clusterSize, electionTicks, heartbeatTicks, maxAppendBytes,
        maxInflight, snapshotChunkBytes, preVote, checkQuorum);
  }

  /** Throws {@link IllegalArgumentException} naming the first invalid field. */
  public RaftConfig validate() {
    if (clusterSize < 1) throw new IllegalArgumentException("clusterSize must be >= 1");
    if (id < 0 || id >= clusterSize) {
      throw new IllegalArgumentException("id must be in [0," + clusterSize + "): " + id);
    }
    if (heartbeatTicks < 1) throw new IllegalArgumentException("heartbeatTicks must be >= 1");
    if (electionTicks <= heartbeatTicks) {
      throw new IllegalArgumentException("electionTicks must be > heartbeatTicks");
    }
    if (maxAppendBytes < 1) throw new IllegalArgumentException("maxAppendBytes must be >= 1");
    if (maxInflight < 1) throw new IllegalArgumentException("maxInflight must be >= 1");
    if (snapshotChunkBytes < 1) {
      throw new IllegalArgumentException("snapshotChunkBytes must be >= 1");
    }
    return this;
  }

  /** Number of votes/acks that form a majority. */
  public int quorum() {
    return clusterSize / 2 + 1;
  }
}
