package dev.marketplace.rest.testing;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Helpers shared by the in-memory database fakes (test scope only; the real databases are another
 * module's). Each fake replica can be switched "down" (every call UNAVAILABLE) and counts calls.
 */
final class Fakes {
  private static final Pattern KEY = Pattern.compile("[A-Za-z0-9_:-]{1,80}");

  private Fakes() {}

  /** Per-replica switches and counters. */
  static final class ReplicaControl {
    final AtomicBoolean down = new AtomicBoolean();
    final AtomicInteger calls = new AtomicInteger();
  }

  /** Runs one rpc: UNAVAILABLE when down, else the body under the state's lock. */
  static <T> void run(ReplicaControl control, Object lock, StreamObserver<T> out,
      Supplier<T> body) {
    control.calls.incrementAndGet();
    if (control.down.get()) {
      out.onError(Status.UNAVAILABLE.withDescription("fake replica down").asRuntimeException());
      return;
    }
    T result;
    try {
      synchronized (lock) {
        result = body.get();
      }
    } catch (StatusRuntimeException e) {
      out.onError(e);
      return;
    }
    out.onNext(result);
    out.onCompleted();
  }

  /** Replays the first result of an idempotency key, like the real databases. */
  @SuppressWarnings("unchecked")
  static <T> T idempotent(Map<String, Object> applied, String key, Supplier<T> body) {
    if (key.isEmpty()) {
      return body.get();
    }
    if (!KEY.matcher(key).matches()) {
      throw invalid("bad idempotency_key " + key);
    }
    if (applied.containsKey(key)) {
      return (T) applied.get(key);
    }
    T result = body.get();
    applied.put(key, result);
    return result;
  }

  static StatusRuntimeException invalid(String msg) {
    return Status.INVALID_ARGUMENT.withDescription(msg).asRuntimeException();
  }

  static StatusRuntimeException status(Status.Code code, String msg) {
    return Status.fromCode(code).withDescription(msg).asRuntimeException();
  }

  static Map<String, Object> newAppliedMap() {
    return new HashMap<>();
  }
}
