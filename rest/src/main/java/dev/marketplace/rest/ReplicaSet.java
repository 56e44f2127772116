package dev.marketplace.rest;

import dev.marketplace.config.HostPort;
import dev.marketplace.proto.ReplicaStatus;
import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.AbstractStub;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client side of one replicated database: one gRPC channel per replica, calls with a
 * deadline, and failover. A call that fails with UNAVAILABLE or DEADLINE_EXCEEDED (which includes
 * connection failures) is sent again, unchanged (so with the same idempotency key), to the next
 * replica, round-robin with a short back-off after each full round, until it succeeds, fails with
 * another status, or the retry budget is spent; then it fails with UNAVAILABLE (mapped to 503).
 * The replica that answered last is tried first next time.
 *
 * <p>Thread-safe; close it to shut the channels down.
 *
 * @param <S> the blocking stub type
 */
public final class ReplicaSet<S extends AbstractStub<S>> implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ReplicaSet.class);

  /** One replica: its address (for logs and /health), channel and stub. */
  public record Replica<S>(String address, ManagedChannel channel, S stub) {}

  /** What one replica answered to a Status probe; {@code status} null when unreachable. */
  public record Probe(String address, ReplicaStatus status, String error) {}

  private final String name;
  private final List<Replica<S>> replicas;
  private final DbSettings settings;
  private final AtomicInteger preferred = new AtomicInteger();

  /** Uses the given channels (named by address); they are shut down on {@link #close()}. */
  public ReplicaSet(String name, List<String> addresses, List<ManagedChannel> channels,
      Function<Channel, S> stubFactory, DbSettings settings) {
    if (addresses.isEmpty() || addresses.size() != channels.size()) {
      throw new IllegalArgumentException("need one address per channel, at least one");
    }
    this.name = name;
    this.settings = settings;
    List<Replica<S>> list = new ArrayList<>();
    for (int i = 0; i < channels.size(); i++) {
      list.add(new Replica<>(addresses.get(i), channels.get(i),
          stubFactory.apply(channels.get(i))));
    }
    this.replicas = List.copyOf(list);
  }

  /** Opens a plaintext Netty channel to every address. */
  public static <S extends AbstractStub<S>> ReplicaSet<S> connect(String name,
      List<HostPort> addresses, Function<Channel, S> stubFactory, DbSettings settings) {
    List<String> names = new ArrayList<>();
    List<ManagedChannel> channels = new ArrayList<>();
    for (HostPort hp : addresses) {
      names.add(hp.toString());
      channels.add(NettyChannelBuilder.forAddress(hp.host(), hp.port()).usePlaintext()
          .maxInboundMessageSize(16 * 1024 * 1024).build());
    }
    return new ReplicaSet<>(name, names, channels, stubFactory, settings);
  }

  /** The database's name (for messages). */
  public String name() {
    return name;
  }

  /** The replicas, in configuration order. */
  public List<Replica<S>> replicas() {
    return replicas;
  }

  /**
   * Runs {@code rpc} against a replica with the call deadline, failing over as described above.
   *
   * @throws StatusRuntimeException the database's own non-retryable status, or UNAVAILABLE
   */
  public <R> R call(String method, Function<S, R> rpc) {
    long start = System.nanoTime();
    long budget = settings.retryBudget().toNanos();
    int n = replicas.size();
    int first = Math.floorMod(preferred.get(), n);
    StatusRuntimeException last = null;
    for (int attempt = 0; ; attempt++) {
      int index = (first + attempt) % n;
      Replica<S> replica = replicas.get(index);
      try {
        R result = rpc.apply(replica.stub().withDeadlineAfter(
            settings.callDeadline().toMillis(), TimeUnit.MILLISECONDS));
        preferred.set(index);
        return result;
      } catch (StatusRuntimeException e) {
        Status.Code code = e.getStatus().getCode();
        if (code != Status.Code.UNAVAILABLE && code != Status.Code.DEADLINE_EXCEEDED) {
          preferred.set(index);
          throw e;
        }
        last = e;
        LOG.debug("{} {} on {} failed with {}; trying the next replica", name, method,
            replica.address(), code);
      }
      long elapsed = System.nanoTime() - start;
      if (elapsed >= budget) {
        break;
      }
      if ((attempt + 1) % n == 0) {
        long round = (attempt + 1) / n;
        long pauseMs = Math.min(500, 25L << Math.min(round, 5));
        long pauseNanos = Math.min(TimeUnit.MILLISECONDS.toNanos(pauseMs), budget - elapsed);
        try {
          TimeUnit.NANOSECONDS.sleep(pauseNanos);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
    }
    throw Status.UNAVAILABLE
        .withDescription(name + " has no reachable replica with a quorum (last: "
            + (last == null ? "none" : last.getStatus().getCode()) + ")")
        .asRuntimeException();
  }

  /** Asks every replica for its status (no failover), each with {@code timeout}. */
  public List<Probe> probe(Function<S, ReplicaStatus> statusRpc, Duration timeout) {
    List<Probe> out = new ArrayList<>();
    for (Replica<S> r : replicas) {
      try {
        ReplicaStatus st = statusRpc.apply(r.stub().withDeadlineAfter(timeout.toMillis(),
            TimeUnit.MILLISECONDS));
        out.add(new Probe(r.address(), st, null));
      } catch (StatusRuntimeException e) {
        out.add(new Probe(r.address(), null, e.getStatus().getCode().toString()));
      }
    }
    return out;
  }

  @Override
  public void close() {
    for (Replica<S> r : replicas) {
      r.channel().shutdownNow();
    }
    for (Replica<S> r : replicas) {
      try {
        r.channel().awaitTermination(2, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
