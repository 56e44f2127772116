package dev.marketplace.totem.node;

import dev.marketplace.totem.Delivered;
import dev.marketplace.totem.TotemConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;

/**
 * N {@link TotemNode}s in one JVM over real UDP on loopback, on ephemeral ports; records every
 * member's delivered sequence. For tests and the benchmark. Thread-safe.
 */
public final class LocalCluster implements AutoCloseable {
  /** Test cluster key (development only). */
  public static final byte[] KEY = "local-cluster-test-key-0123456789".getBytes(
      StandardCharsets.UTF_8);

  private final List<TotemNode> nodes = new CopyOnWriteArrayList<>();
  private final List<List<Delivered>> delivered = new ArrayList<>();
  private final List<java.util.concurrent.atomic.AtomicLong> deliveredCount = new ArrayList<>();
  private final List<InetSocketAddress> addresses;
  private final TotemNode.Settings settings;
  private final boolean record;
  private final ConcurrentHashMap<Integer, BiConsumer<Integer, List<Delivered>>> listeners =
      new ConcurrentHashMap<>();

  /**
   * When &gt; 0, overrides {@code tunedConfig}'s {@code ackTicks} for clusters started afterwards
   * (benchmarks compare ack policies in one build). Set before starting; not for tests.
   */
  public static volatile int ackTicksOverride = 0;

  private static TotemConfig config(int n, int i) {
    TotemConfig cfg = TotemNode.tunedConfig(n, i, 42, KEY);
    return ackTicksOverride > 0 ? cfg.withAckTicks(ackTicksOverride) : cfg;
  }

  private LocalCluster(List<InetSocketAddress> addresses, TotemNode.Settings settings,
      boolean record) {
    this.addresses = addresses;
    this.settings = settings;
    this.record = record;
  }

  /** Starts {@code n} bootstrapped members; {@code record} keeps every delivered command. */
  public static LocalCluster start(int n, TotemNode.Settings settings, boolean record)
      throws IOException {
    List<DatagramChannel> channels = new ArrayList<>();
    List<InetSocketAddress> addresses = new ArrayList<>();
    InetAddress lo = InetAddress.getLoopbackAddress();
    for (int i = 0; i < n; i++) {
      DatagramChannel ch = TotemNode.bind(new InetSocketAddress(lo, 0),
          settings.socketBufferBytes());
      channels.add(ch);
      addresses.add((InetSocketAddress) ch.getLocalAddress());
    }
    LocalCluster c = new LocalCluster(List.copyOf(addresses), settings, record);
    for (int i = 0; i < n; i++) {
      c.delivered.add(new CopyOnWriteArrayList<>());
      c.deliveredCount.add(new java.util.concurrent.atomic.AtomicLong());
    }
    for (int i = 0; i < n; i++) {
      int id = i;
      TotemConfig cfg = config(n, i);
      c.nodes.add(TotemNode.start(cfg, addresses, channels.get(i), -1, c.handler(id),
          settings));
    }
    return c;
  }

  /**
   * Delivery goes to the recorders; a state transfer (this cluster has no state machine: its
   * "state" is the delivered count) installs the donor's delivered position. The recorded list
   * of that member then has a gap (fine for benchmarks; tests that compare lists do not restart).
   */
  private TotemNode.Handler handler(int id) {
    return new TotemNode.Handler() {
      @Override
      public void delivered(List<Delivered> batch) {
        onDelivered(id, batch);
      }

      @Override
      public void stateTransferNeeded(dev.marketplace.totem.StateTransferNeeded request) {
        long q = nodes.get(request.from()).status().deliveredPos();
        TotemNode self = nodes.get(id);
        deliveredCount.get(id).set(Math.max(q, request.position()));
        self.installedState(Math.max(q, request.position()));
      }
    };
  }

  private void onDelivered(int member, List<Delivered> batch) {
    deliveredCount.get(member).addAndGet(batch.size());
    if (record) {
      delivered.get(member).addAll(batch);
    }
    BiConsumer<Integer, List<Delivered>> l = listeners.get(member);
    if (l != null) {
      l.accept(member, batch);
    }
  }

  /** Registers a delivery listener of one member (called on its loop thread). */
  public void onDelivered(int member, BiConsumer<Integer, List<Delivered>> listener) {
    listeners.put(member, listener);
  }

  /**
   * Closes member {@code i} (if running) and starts it again as a restarted (amnesiac) member on
   * the same address, at the number of commands it delivered so far.
   */
  public synchronized TotemNode restart(int i) throws IOException {
    nodes.get(i).close();
    TotemConfig cfg = config(addresses.size(), i);
    TotemNode node = TotemNode.start(cfg, addresses, null, deliveredCount.get(i).get(),
        handler(i), settings);
    nodes.set(i, node);
    return node;
  }

  /** How many commands member {@code i} delivered (over all its runs). */
  public long deliveredCount(int i) {
    return deliveredCount.get(i).get();
  }

  /** Member {@code i}'s node. */
  public TotemNode node(int i) {
    return nodes.get(i);
  }

  /** Number of members. */
  public int size() {
    return nodes.size();
  }

  /** Member {@code i}'s delivered commands so far (live view). */
  public List<Delivered> delivered(int i) {
    return delivered.get(i);
  }

  /** The members' addresses. */
  public List<InetSocketAddress> addresses() {
    return addresses;
  }

  @Override
  public void close() {
    for (TotemNode n : nodes) {
      n.close();
    }
  }
}
