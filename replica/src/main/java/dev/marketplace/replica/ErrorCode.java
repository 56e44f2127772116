package dev.marketplace.replica;

import io.grpc.Status;

/**
 * Error codes a command or read can end with, each with a stable wire id (used in {@link
 * CommandResult} bytes, which are stored in idempotency records, so ids must never change) and the
 * gRPC status code it maps to. Immutable.
 */
public enum ErrorCode {
  INVALID_ARGUMENT(1, Status.Code.INVALID_ARGUMENT),
  NOT_FOUND(2, Status.Code.NOT_FOUND),
  PERMISSION_DENIED(3, Status.Code.PERMISSION_DENIED),
  ALREADY_EXISTS(4, Status.Code.ALREADY_EXISTS),
  FAILED_PRECONDITION(5, Status.Code.FAILED_PRECONDITION),
  UNAUTHENTICATED(6, Status.Code.UNAUTHENTICATED),
  UNAVAILABLE(7, Status.Code.UNAVAILABLE);

  private final int wireId;
  private final Status.Code grpcCode;

  ErrorCode(int wireId, Status.Code grpcCode) {
    this.wireId = wireId;
    this.grpcCode = grpcCode;
  }

  /** The stable id written into result bytes (1..127). */
  public int wireId() {
    return wireId;
  }

  /** The gRPC status code clients see. */
  public Status.Code grpcCode() {
    return grpcCode;
  }

  /** The code with {@code wireId}, or null. */
  public static ErrorCode fromWireId(int wireId) {
    for (ErrorCode c : values()) {
      if (c.wireId == wireId) {
        return c;
      }
    }
    return null;
  }
}
