package dev.marketplace.replica;

import com.google.protobuf.MessageLite;
import dev.marketplace.proto.ReplicaStatus;
import io.grpc.stub.StreamObserver;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.Executor;
import javax.sql.DataSource;

/**
 * The rpc plumbing of one replica's gRPC service, bound to its {@link Replication}, database and
 * read executor, so that each rpc method only validates and says what to do: a write validates
 * its request and builds a command, which is submitted and its result mapped to the reply or a
 * status ({@link GrpcCalls#write}); a read validates its request on the calling thread, then runs
 * one query on a pooled connection after the read barrier ({@link GrpcCalls#read}). A rejected
 * request is answered with its status without touching the replication. Both databases' services
 * use it. Immutable; thread-safe.
 */
public final class ReplicaCalls {
  /** Validates a write request and returns the command to submit. */
  @FunctionalInterface
  public interface Command {
    /** The command, not yet built; its serialized form is what gets submitted. */
    MessageLite.Builder build() throws CommandRejectedException;
  }

  /** Validates a read request; returns what the query needs (e.g. the checked id). */
  @FunctionalInterface
  public interface Check<A> {
    A get() throws CommandRejectedException;
  }

  /** A query against this replica's database, given the checked request value. */
  @FunctionalInterface
  public interface Query<A, T> {
    T run(Connection c, A checked) throws SQLException, CommandRejectedException;
  }

  private final Replication replication;
  private final DataSource db;
  private final Executor readExecutor;

  /**
   * @param readExecutor runs the queries (blocking JDBC), never the gRPC transport's threads
   */
  public ReplicaCalls(Replication replication, DataSource db, Executor readExecutor) {
    this.replication = replication;
    this.db = db;
    this.readExecutor = readExecutor;
  }

  /** Validates and builds the command; answers {@code out} with the parsed result or a status. */
  public <T> void write(StreamObserver<T> out, GrpcCalls.PayloadParser<T> parser,
      Command command) {
    byte[] bytes;
    try {
      bytes = command.build().build().toByteArray();
    } catch (CommandRejectedException e) {
      GrpcCalls.reject(e, out);
      return;
    }
    GrpcCalls.write(replication, bytes, parser, out);
  }

  /**
   * Runs {@code check} now; then, after the read barrier and on the read executor, {@code query}
   * on a connection of its own, and answers {@code out} with its result or a status.
   */
  public <A, T> void read(StreamObserver<T> out, Check<A> check, Query<A, T> query) {
    A checked;
    try {
      checked = check.get();
    } catch (CommandRejectedException e) {
      GrpcCalls.reject(e, out);
      return;
    }
    GrpcCalls.read(replication, readExecutor, () -> {
      try (Connection c = db.getConnection()) {
        return query.run(c, checked);
      }
    }, out);
  }

  /** Answers {@code out} with this replica's replication status. */
  public void status(StreamObserver<ReplicaStatus> out) {
    out.onNext(replication.status());
    out.onCompleted();
  }
}
