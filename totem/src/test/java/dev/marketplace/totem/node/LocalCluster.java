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
  private final List<InetSocketAddress> addresses;
  private final TotemNode.Settings settings;
  private final boolean record;
  private final ConcurrentHashMap<Integer, BiConsumer<Integer, List<Delivered>>> listeners =
      new ConcurrentHashMap<>();

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
    }
    for (int i = 0; i < n; i++) {
      int id = i;
      TotemConfig cfg = TotemNode.tunedConfig(n, i, 42, KEY);
      c.nodes.add(TotemNode.start(cfg, addresses, channels.get(i), -1,
          batch -> c.onDelivered(id, batch), settings));
    }
    return c;
  }

  private void onDelivered(int member, List<Delivered> batch) {
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
