package dev.marketplace.replica;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The result of applying one command, and its byte encoding shared by both databases: byte 0 is
 * {@code 0} for success followed by the payload (usually a serialized proto message), or an
 * {@link ErrorCode#wireId()} followed by a UTF-8 message. Immutable; thread-safe.
 */
public final class CommandResult {
  private static final byte OK = 0;
  private final ErrorCode error;
  private final byte[] payload;
  private final String message;

  private CommandResult(ErrorCode error, byte[] payload, String message) {
    this.error = error;
    this.payload = payload;
    this.message = message;
  }

  /** A success carrying {@code payload}. */
  public static CommandResult ok(byte[] payload) {
    return new CommandResult(null, payload.clone(), "");
  }

  /** A rejection. */
  public static CommandResult error(ErrorCode code, String message) {
    return new CommandResult(code, new byte[0], message == null ? "" : message);
  }

  /** True for success. */
  public boolean isOk() {
    return error == null;
  }

  /** The error code, or null on success. */
  public ErrorCode errorCode() {
    return error;
  }

  /** The error message ("" on success). */
  public String message() {
    return message;
  }

  /** The success payload (empty for errors). */
  public byte[] payload() {
    return payload.clone();
  }

  /** The wire form. */
  public byte[] encode() {
    if (error == null) {
      byte[] out = new byte[payload.length + 1];
      out[0] = OK;
      System.arraycopy(payload, 0, out, 1, payload.length);
      return out;
    }
    byte[] m = message.getBytes(StandardCharsets.UTF_8);
    byte[] out = new byte[m.length + 1];
    out[0] = (byte) error.wireId();
    System.arraycopy(m, 0, out, 1, m.length);
    return out;
  }

  /** Parses the wire form; malformed bytes are an {@link IllegalArgumentException}. */
  public static CommandResult decode(byte[] bytes) {
    if (bytes == null || bytes.length == 0) {
      throw new IllegalArgumentException("empty result");
    }
    if (bytes[0] == OK) {
      return new CommandResult(null, Arrays.copyOfRange(bytes, 1, bytes.length), "");
    }
    ErrorCode code = ErrorCode.fromWireId(bytes[0]);
    if (code == null) {
      throw new IllegalArgumentException("unknown result code " + bytes[0]);
    }
    return new CommandResult(
        code, new byte[0], new String(bytes, 1, bytes.length - 1, StandardCharsets.UTF_8));
  }

  @Override
  public String toString() {
    return isOk() ? "ok(" + payload.length + " bytes)" : error + ": " + message;
  }
}
