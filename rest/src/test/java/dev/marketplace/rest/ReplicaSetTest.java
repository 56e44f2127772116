package dev.marketplace.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.marketplace.proto.StatusRequest;
import dev.marketplace.proto.customer.CustomerDbGrpc;
import dev.marketplace.proto.customer.CustomerDbGrpc.CustomerDbBlockingStub;
import dev.marketplace.rest.testing.FakeCustomerDb;
import dev.marketplace.rest.testing.FakeDbs;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Failover of the database client across replicas, including a refused TCP connection. */
class ReplicaSetTest {
  private static int closedPort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @Test
  void refusedConnectionFailsOverToTheNextReplicaAndRemembersIt() throws Exception {
    FakeCustomerDb live = new FakeCustomerDb(newState());
    String name = InProcessServerBuilder.generateName();
    Server server = InProcessServerBuilder.forName(name).directExecutor().addService(live)
        .build().start();
    int port = closedPort();
    ManagedChannel dead = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext()
        .build();
    ManagedChannel ok = InProcessChannelBuilder.forName(name).directExecutor().build();
    try (ReplicaSet<CustomerDbBlockingStub> set = new ReplicaSet<>("customer-db",
        List.of("127.0.0.1:" + port, name), List.of(dead, ok), CustomerDbGrpc::newBlockingStub,
        new DbSettings(Duration.ofSeconds(2), Duration.ofSeconds(5)))) {
      assertThat(set.call("Status", s -> s.status(StatusRequest.getDefaultInstance()))
          .getHasQuorum()).isTrue();
      assertThat(set.call("Status", s -> s.status(StatusRequest.getDefaultInstance()))
          .getHasQuorum()).isTrue();
      assertThat(live.calls()).isEqualTo(2);
      List<ReplicaSet.Probe> probes = set.probe(s -> s.status(StatusRequest.getDefaultInstance()),
          Duration.ofSeconds(1));
      assertThat(probes.get(0).status()).isNull();
      assertThat(probes.get(1).status()).isNotNull();
      assertThat(HealthCheck.summarize(probes).get("status")).isEqualTo("DOWN");
    } finally {
      server.shutdownNow();
    }
  }

  @Test
  void nonRetryableStatusesAreNotRetried() {
    try (FakeDbs dbs = FakeDbs.start(2)) {
      assertThatThrownBy(() -> dbs.customers.call("GetSeller", s -> s.getSeller(
          dev.marketplace.proto.customer.AccountIdRequest.newBuilder().setAccountId(42)
              .build())))
          .isInstanceOfSatisfying(StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
      assertThat(dbs.customerReplicas.get(0).calls() + dbs.customerReplicas.get(1).calls())
          .isEqualTo(1);
    }
  }

  @Test
  void exhaustedBudgetIsUnavailable() {
    try (FakeDbs dbs = FakeDbs.start(2)) {
      dbs.setAllDown(true);
      assertThatThrownBy(() -> dbs.customers.call("Status", s -> s.status(
          StatusRequest.getDefaultInstance())))
          .isInstanceOfSatisfying(StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
      assertThat(dbs.customerReplicas.get(0).calls()).isGreaterThanOrEqualTo(1);
      assertThat(dbs.customerReplicas.get(1).calls()).isGreaterThanOrEqualTo(1);
    }
  }

  private static FakeCustomerDb.State newState() {
    return FakeCustomerDb.newState();
  }
}
