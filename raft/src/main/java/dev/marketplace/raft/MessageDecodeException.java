package dev.marketplace.raft;

/**
 * Thrown by {@link MessageCodec#decode} when bytes are not a valid message frame: truncated,
 * corrupted (checksum mismatch), an unknown version or type, or out-of-range fields.
 */
public final class MessageDecodeException extends Exception {
  private static final long serialVersionUID = 1L;

  public MessageDecodeException(String message) {
    super(message);
  }

  public MessageDecodeException(String message, Throwable cause) {
    super(message, cause);
  }
}
