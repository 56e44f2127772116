package dev.marketplace.replica;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Maps results and failures of the replica layers to gRPC statuses, the same way in both
 * databases: {@link CommandRejectedException} and error {@link CommandResult}s to their {@link
 * ErrorCode}, {@link ReplicationUnavailableException} and {@link StateMachineFailedException} to
 * UNAVAILABLE (the client retries elsewhere), anything else to INTERNAL (logged). Stateless;
 * thread-safe.
 */
public final class GrpcErrors {
  private static final Logger log = LoggerFactory.getLogger(GrpcErrors.class);

  private GrpcErrors() {}

  /** The status exception for an error code and message. */
  public static StatusRuntimeException of(ErrorCode code, String message) {
    return Status.fromCode(code.grpcCode()).withDescription(message).asRuntimeException();
  }

  /** The status exception for an error result (must not be ok). */
  public static StatusRuntimeException of(CommandResult result) {
    if (result.isOk()) {
      throw new IllegalArgumentException("not an error: " + result);
    }
    return of(result.errorCode(), result.message());
  }

  /** The status exception for any failure. */
  public static StatusRuntimeException of(Throwable t) {
    Throwable c = t;
    while ((c instanceof CompletionException || c instanceof ExecutionException)
        && c.getCause() != null) {
      c = c.getCause();
    }
    if (c instanceof StatusRuntimeException sre) {
      return sre;
    }
    if (c instanceof CommandRejectedException r) {
      return of(r.code(), r.getMessage());
    }
    if (c instanceof ReplicationUnavailableException || c instanceof StateMachineFailedException) {
      return Status.UNAVAILABLE.withDescription(c.getMessage()).asRuntimeException();
    }
    log.error("unexpected failure", c);
    return Status.INTERNAL.withDescription("internal error: " + c).asRuntimeException();
  }
}
