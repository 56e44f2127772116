package dev.marketplace.raft.node;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An in-JVM network for a cluster of {@link RaftNode}s (tests, benchmarks): {@link
 * #transport(int)} gives each member a {@link RaftTransport}; messages are handed to the
 * receiver's handler directly on the sender's thread (the node only queues them). Members can be
 * isolated (every message to or from them is dropped) and healed. Thread-safe.
 */
public final class InMemoryRaftNetwork {
  private final ConcurrentHashMap<Integer, RaftTransport.Receiver> receivers =
      new ConcurrentHashMap<>();
  private final Set<Integer> isolated = ConcurrentHashMap.newKeySet();
  private final AtomicLong delivered = new AtomicLong();
  private final AtomicLong dropped = new AtomicLong();

  /** A transport for member {@code id}; a new one replaces the old (a restarted member). */
  public RaftTransport transport(int id) {
    return new RaftTransport() {
      private volatile boolean open = true;
      private volatile RaftTransport.Receiver mine;

      @Override
      public void start(Receiver receiver) {
        mine = receiver;
        receivers.put(id, receiver);
      }

      @Override
      public void send(int peerId, byte[] message) {
        RaftTransport.Receiver r = receivers.get(peerId);
        if (!open || r == null || isolated.contains(id) || isolated.contains(peerId)) {
          dropped.incrementAndGet();
          return;
        }
        delivered.incrementAndGet();
        r.receive(id, message);
      }

      @Override
      public void close() {
        open = false;
        if (mine != null) receivers.remove(id, mine);
      }
    };
  }

  /** Drops every message to or from {@code id} until {@link #heal}. */
  public void isolate(int id) {
    isolated.add(id);
  }

  /** Ends the isolation of {@code id}. */
  public void heal(int id) {
    isolated.remove(id);
  }

  /** Messages handed to a receiver so far. */
  public long delivered() {
    return delivered.get();
  }

  /** Messages dropped (isolated, or no receiver) so far. */
  public long dropped() {
    return dropped.get();
  }
}
