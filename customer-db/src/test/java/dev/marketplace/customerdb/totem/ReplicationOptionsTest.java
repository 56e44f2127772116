package dev.marketplace.customerdb.totem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.marketplace.config.ConfigException;
import dev.marketplace.config.HostPort;
import dev.marketplace.replica.Replication;
import dev.marketplace.replica.SingleNodeReplication;
import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Choice and validation of the replication options (no sockets are opened). */
class ReplicationOptionsTest {
  private static final List<HostPort> ONE = List.of(new HostPort("127.0.0.1", 21051));
  private static final List<HostPort> FIVE = HostPort.parseList("CUSTOMER_DB_REPLICAS",
      "10.0.0.1:21051,10.0.0.2:21051,10.0.0.3:21051,10.0.0.4:21051,10.0.0.5:21051");

  private static ReplicationOptions parse(String... args) {
    ReplicationOptions o = new ReplicationOptions();
    new CommandLine(o).parseArgs(args);
    return o;
  }

  @Test
  void autoPicksTotemOnlyForSeveralReplicasAndTheModeCanBeForced() {
    assertThat(parse().useTotem(1)).isFalse();
    assertThat(parse().useTotem(5)).isTrue();
    assertThat(parse("--replication=single").useTotem(5)).isFalse();
    assertThat(parse("--replication=totem").useTotem(1)).isTrue();
    assertThatThrownBy(() -> parse("--replication=raft").useTotem(5))
        .isInstanceOf(ConfigException.class).hasMessageContaining("REPLICATION");
    try (Replication r = parse().create(0, ONE, 16, null)) {
      assertThat(r).isInstanceOf(SingleNodeReplication.class);
    }
    try (Replication r = parse().create(2, FIVE, 16, null)) { // not started: no socket yet
      assertThat(r).isInstanceOf(TotemReplication.class);
    }
  }

  @Test
  void totemAddressesAreTheGrpcHostsWithThePortOffset() {
    assertThat(ReplicationOptions.totemAddresses(FIVE, 1000)).first()
        .isEqualTo(new InetSocketAddress("10.0.0.1", 22051));
    assertThatThrownBy(() -> ReplicationOptions.totemAddresses(FIVE, 50_000))
        .isInstanceOf(ConfigException.class).hasMessageContaining("TOTEM_PORT_OFFSET");
    assertThat(ReplicationOptions.clusterId(FIVE, 1000))
        .isEqualTo(ReplicationOptions.clusterId(FIVE, 1000))
        .isNotEqualTo(ReplicationOptions.clusterId(FIVE, 2000));
  }

  @Test
  void clusterKeyHasADevelopmentDefaultAndAMinimumLength() {
    assertThat(ReplicationOptions.clusterKey(""))
        .isEqualTo(ReplicationOptions.DEV_CLUSTER_KEY.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    assertThatThrownBy(() -> ReplicationOptions.clusterKey("short"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("CLUSTER_KEY");
    assertThatThrownBy(() -> parse("--totem-loss-rate=0.9").create(0, FIVE, 16, null))
        .isInstanceOf(ConfigException.class).hasMessageContaining("TOTEM_LOSS_RATE");
  }
}
