package dev.marketplace.raft.node;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The wrapping of every proposal in the log: {@code [origin member id (4 bytes), request id
 * (8 bytes), payload]}, big-endian. The member that accepted the client's call completes its
 * future when it applies the entry carrying its own id and the request id, even when the proposal
 * travelled to the leader as a forwarded message. Immutable; do not modify {@code payload}.
 *
 * @param origin member id of the node that accepted the proposal
 * @param requestId request id, unique per node incarnation
 * @param payload the command bytes handed to the state machine
 */
public record ProposalEnvelope(int origin, long requestId, byte[] payload) {
  /** Bytes before the payload. */
  public static final int HEADER = 12;

  /** Encodes origin, request id and payload. */
  public static byte[] encode(int origin, long requestId, byte[] payload) {
    ByteBuffer b = ByteBuffer.allocate(HEADER + payload.length);
    b.putInt(origin).putLong(requestId).put(payload);
    return b.array();
  }

  /** Decodes an entry's data, or returns null when it is too short to be an envelope. */
  public static ProposalEnvelope decode(byte[] data) {
    if (data.length < HEADER) return null;
    ByteBuffer b = ByteBuffer.wrap(data);
    int origin = b.getInt();
    long id = b.getLong();
    return new ProposalEnvelope(origin, id, Arrays.copyOfRange(data, HEADER, data.length));
  }
}
