package dev.marketplace.customerdb.totem;

import dev.marketplace.config.ConfigException;
import dev.marketplace.config.HostPort;
import dev.marketplace.replica.Replication;
import dev.marketplace.replica.SingleNodeReplication;
import dev.marketplace.totem.node.TotemNode;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import picocli.CommandLine.Option;

/**
 * The customer-db options that choose and configure replication, as a picocli mixin ({@code
 * @Mixin ReplicationOptions replication;} in {@code CustomerDbMain}); every option also reads the
 * environment variable of the same name through the project's default provider.
 *
 * <ul>
 *   <li>{@code --replication=auto|single|totem} (env {@code REPLICATION}): {@code auto} (default)
 *       uses totem when {@code --customer-db-replicas} lists more than one address, else
 *       single-node.
 *   <li>{@code --totem-port-offset} (env {@code TOTEM_PORT_OFFSET}, default 1000): member i's
 *       totem UDP port (and its TCP state-transfer port) is its gRPC port + offset, on the same
 *       host as in {@code --customer-db-replicas}. One list to configure, no second list to keep
 *       in step.
 *   <li>{@code --cluster-key} (env {@code CLUSTER_KEY}): the shared secret authenticating every
 *       datagram and snapshot request; a development default is used (with a warning) when unset.
 *   <li>{@code --totem-loss-rate} (env {@code TOTEM_LOSS_RATE}, default 0): injected receive loss,
 *       for tests and benchmarks only.
 * </ul>
 *
 * <p>Not thread-safe (filled once by picocli).
 */
public final class ReplicationOptions {
  /** Development cluster key; never use it in production. */
  public static final String DEV_CLUSTER_KEY = "marketplace-dev-cluster-key-change-me";

  @Option(names = "--replication", defaultValue = "auto",
      description = "auto | single | totem (env REPLICATION). auto: totem when more than one "
          + "replica is listed.")
  String mode;

  @Option(names = "--totem-port-offset", defaultValue = "1000",
      description = "Totem UDP (and state-transfer TCP) port = gRPC port + this offset "
          + "(env TOTEM_PORT_OFFSET).")
  int totemPortOffset;

  @Option(names = "--cluster-key", defaultValue = "",
      description = "Shared secret of the totem cluster, at least 16 chars (env CLUSTER_KEY); "
          + "a development default when empty.")
  String clusterKey;

  @Option(names = "--totem-loss-rate", defaultValue = "0",
      description = "Injected datagram loss in [0, 0.5], tests/benchmarks only "
          + "(env TOTEM_LOSS_RATE).")
  double lossRate;

  /** True when these options select totem for {@code replicaCount} listed replicas. */
  public boolean useTotem(int replicaCount) {
    return switch (mode == null ? "auto" : mode) {
      case "auto" -> replicaCount > 1;
      case "totem" -> true;
      case "single" -> false;
      default -> throw new ConfigException("REPLICATION: must be auto, single or totem, got '"
          + mode + "'");
    };
  }

  /**
   * Builds the replication for member {@code memberId} of {@code replicas} (gRPC addresses).
   *
   * @param onFatal called once after a fatal apply failure (e.g. halt the process)
   */
  public Replication create(int memberId, List<HostPort> replicas, int maxBatch,
      Consumer<Throwable> onFatal) {
    if (!useTotem(replicas.size())) {
      return new SingleNodeReplication(memberId, maxBatch, onFatal);
    }
    if (totemPortOffset < -65_535 || totemPortOffset > 65_535) {
      throw new ConfigException("TOTEM_PORT_OFFSET: out of range: " + totemPortOffset);
    }
    if (!(lossRate >= 0 && lossRate <= 0.5)) {
      throw new ConfigException("TOTEM_LOSS_RATE: must be in [0, 0.5], got " + lossRate);
    }
    List<InetSocketAddress> members = totemAddresses(replicas, totemPortOffset);
    byte[] key = clusterKey(clusterKey);
    TotemReplication.Options o = new TotemReplication.Options(memberId, members,
        clusterId(replicas, totemPortOffset), key,
        TotemNode.Settings.defaults().withLoss(lossRate, System.nanoTime()), maxBatch, 5_000);
    return new TotemReplication(o, onFatal);
  }

  /** Member i's totem address: the host of {@code replicas[i]}, port + offset. */
  public static List<InetSocketAddress> totemAddresses(List<HostPort> replicas, int offset) {
    List<InetSocketAddress> out = new ArrayList<>();
    for (HostPort hp : replicas) {
      int port = hp.port() + offset;
      if (port < 1 || port > 65_535) {
        throw new ConfigException("TOTEM_PORT_OFFSET: " + hp + " + " + offset
            + " is not a valid port");
      }
      out.add(new InetSocketAddress(hp.host(), port));
    }
    return out;
  }

  static byte[] clusterKey(String text) {
    if (text == null || text.isEmpty()) {
      org.slf4j.LoggerFactory.getLogger(ReplicationOptions.class)
          .warn("CLUSTER_KEY not set: using the development key (anyone can join this cluster)");
      text = DEV_CLUSTER_KEY;
    }
    byte[] key = text.getBytes(StandardCharsets.UTF_8);
    if (key.length < 16) {
      throw new ConfigException("CLUSTER_KEY: must have at least 16 bytes, got " + key.length);
    }
    return key;
  }

  /** A cluster id derived from the member list, so differently configured clusters never mix. */
  static long clusterId(List<HostPort> replicas, int offset) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      md.update((HostPort.format(replicas) + "+" + offset).getBytes(StandardCharsets.UTF_8));
      byte[] h = md.digest();
      long id = 0;
      for (int i = 0; i < 8; i++) {
        id = (id << 8) | (h[i] & 0xff);
      }
      return id;
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
