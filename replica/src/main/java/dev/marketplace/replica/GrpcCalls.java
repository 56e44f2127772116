package dev.marketplace.replica;

import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.stub.StreamObserver;
import java.sql.SQLException;
import java.util.concurrent.Executor;

/**
 * The two shapes of a replica rpc, shared by both databases: a write submits a command and maps
 * its {@link CommandResult} to the reply or a status; a read waits for the read barrier, then runs
 * a query on the given executor. Every failure becomes a gRPC status via {@link GrpcErrors}.
 * Stateless; thread-safe.
 */
public final class GrpcCalls {
  private GrpcCalls() {}

  /** Parses a success payload into the reply message. */
  @FunctionalInterface
  public interface PayloadParser<T> {
    T parse(byte[] payload) throws InvalidProtocolBufferException;
  }

  /** A read against the replica's database. */
  @FunctionalInterface
  public interface Read<T> {
    T run() throws SQLException, CommandRejectedException;
  }

  /** Submits {@code command} and answers {@code out} with the parsed result or its status. */
  public static <T> void write(Replication replication, byte[] command, PayloadParser<T> parser,
      StreamObserver<T> out) {
    replication.submit(command).whenComplete((bytes, err) -> {
      if (err != null) {
        out.onError(GrpcErrors.of(err));
        return;
      }
      try {
        CommandResult r = CommandResult.decode(bytes);
        if (!r.isOk()) {
          out.onError(GrpcErrors.of(r));
          return;
        }
        T reply = parser.parse(r.payload());
        out.onNext(reply);
        out.onCompleted();
      } catch (InvalidProtocolBufferException | RuntimeException e) {
        out.onError(GrpcErrors.of(e));
      }
    });
  }

  /** Waits for the read barrier, runs {@code read} on {@code executor} and answers {@code out}. */
  public static <T> void read(Replication replication, Executor executor, Read<T> read,
      StreamObserver<T> out) {
    replication.readBarrier().whenCompleteAsync((ignored, err) -> {
      if (err != null) {
        out.onError(GrpcErrors.of(err));
        return;
      }
      T reply;
      try {
        reply = read.run();
      } catch (CommandRejectedException e) {
        out.onError(GrpcErrors.of(e));
        return;
      } catch (SQLException | RuntimeException e) {
        out.onError(GrpcErrors.of(e));
        return;
      }
      out.onNext(reply);
      out.onCompleted();
    }, executor);
  }

  /** Answers {@code out} with a validation failure. */
  public static void reject(CommandRejectedException e, StreamObserver<?> out) {
    out.onError(GrpcErrors.of(e));
  }
}
