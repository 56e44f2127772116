package dev.marketplace.raft.node;

/**
 * Carries encoded Raft messages between the members of one cluster, so the runtime stays free of
 * any network library. Implementations: {@link InMemoryRaftNetwork} (one JVM, tests and
 * benchmarks) and a gRPC transport in the replica server that uses Raft.
 *
 * <p>Delivery is best effort: a message may be lost, duplicated or reordered (Raft tolerates all
 * three), but never corrupted silently (an implementation that cannot rule corruption out must
 * authenticate or checksum; the message codec also carries a CRC). Implementations are
 * thread-safe; {@link #send} must not block on the network.
 */
public interface RaftTransport extends AutoCloseable {

  /** Receives the messages addressed to this member. Called from transport threads. */
  @FunctionalInterface
  interface Receiver {
    /**
     * One message from member {@code fromPeer} (as authenticated by the transport).
     *
     * @param fromPeer the sender's member id
     * @param message the encoded message (see {@code MessageCodec})
     */
    void receive(int fromPeer, byte[] message);

    /**
     * The transport lost its connection to member {@code peer} (e.g. the peer's process died
     * and its TCP connection was reset). Only a hint, never required and allowed to be wrong:
     * the node stops trusting {@code peer} as its leader at once instead of after an election
     * timeout (see {@code RaftCore.peerUnreachable}).
     */
    default void peerUnreachable(int peer) { }
  }

  /** Starts delivering incoming messages to {@code receiver}. Called once. */
  void start(Receiver receiver);

  /** Sends one encoded message to member {@code peerId}; never blocks, may drop. */
  void send(int peerId, byte[] message);

  /** Stops sending and receiving. */
  @Override
  void close();
}
