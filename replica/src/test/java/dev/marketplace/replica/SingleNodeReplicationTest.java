package dev.marketplace.replica;

import static dev.marketplace.replica.KvHandler.cmd;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.marketplace.postgres.SharedLocalPostgres;
import dev.marketplace.proto.ReplicaStatus;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class SingleNodeReplicationTest {
  static final long T0 = JdbcStateMachineTest.T0;

  @Test
  void concurrentSubmitsAreAllAppliedOnceInOneOrder() throws Exception {
    String db = SharedLocalPostgres.newDatabase("snr");
    try (JdbcStateMachine<String[]> sm = JdbcStateMachineTest.open(db);
        SingleNodeReplication r = new SingleNodeReplication(3, 16, null)) {
      r.start(sm);
      List<CompletableFuture<byte[]>> fs = new ArrayList<>();
      List<Thread> threads = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        Thread th = new Thread(() -> {
          for (int i = 0; i < 25; i++) {
            CompletableFuture<byte[]> f = r.submit(cmd("", T0, "add:c"));
            synchronized (fs) {
              fs.add(f);
            }
          }
        });
        threads.add(th);
        th.start();
      }
      for (Thread th : threads) {
        th.join();
      }
      Set<String> values = new HashSet<>();
      for (CompletableFuture<byte[]> f : fs) {
        values.add(JdbcStateMachineTest.text(f.get(30, TimeUnit.SECONDS)));
      }
      // each of the 200 increments saw a distinct counter value 1..200
      assertThat(values).hasSize(200).contains("1", "200");
      r.readBarrier().get(5, TimeUnit.SECONDS);
      ReplicaStatus st = r.status();
      assertThat(st.getAppliedIndex()).isEqualTo(200);
      assertThat(st.getRole()).isEqualTo("SINGLE");
      assertThat(st.getMemberId()).isEqualTo(3);
      assertThat(st.getHasQuorum()).isTrue();
    }
    // restart on the same database continues the positions
    try (JdbcStateMachine<String[]> sm = JdbcStateMachineTest.open(db);
        SingleNodeReplication r = new SingleNodeReplication()) {
      r.start(sm);
      assertThat(JdbcStateMachineTest.text(r.submit(cmd("", T0, "add:c")).get(30,
          TimeUnit.SECONDS))).isEqualTo("201");
      assertThat(r.status().getAppliedIndex()).isEqualTo(201);
    }
  }

  @Test
  void notStartedClosedOrFailedReplicasAnswerUnavailable() throws Exception {
    SingleNodeReplication idle = new SingleNodeReplication();
    assertThatThrownBy(() -> idle.submit(cmd("", T0, "add:c")).get())
        .isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(ReplicationUnavailableException.class);
    idle.close();

    String db = SharedLocalPostgres.newDatabase("snr_fail");
    AtomicReference<Throwable> fatal = new AtomicReference<>();
    try (JdbcStateMachine<String[]> sm = JdbcStateMachineTest.open(db);
        SingleNodeReplication r = new SingleNodeReplication(0, 8, fatal::set)) {
      r.start(sm);
      assertThatThrownBy(() -> r.submit(cmd("", T0, "boom")).get(30, TimeUnit.SECONDS))
          .hasCauseInstanceOf(ReplicationUnavailableException.class);
      assertThat(fatal.get()).isInstanceOf(StateMachineFailedException.class);
      assertThat(r.status().getHasQuorum()).isFalse();
      assertThatThrownBy(() -> r.submit(cmd("", T0, "add:c")).get(30, TimeUnit.SECONDS))
          .hasCauseInstanceOf(ReplicationUnavailableException.class);
      assertThatThrownBy(() -> r.readBarrier().get(30, TimeUnit.SECONDS))
          .hasCauseInstanceOf(ReplicationUnavailableException.class);
      assertThat(GrpcErrors.of(new ExecutionException(new ReplicationUnavailableException("x")))
          .getStatus().getCode()).isEqualTo(io.grpc.Status.Code.UNAVAILABLE);
    }
  }
}
