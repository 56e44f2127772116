package dev.marketplace.productdb.raft;

import dev.marketplace.proto.ItemId;
import dev.marketplace.proto.product.Condition;
import dev.marketplace.proto.product.CreateItemRequest;
import dev.marketplace.proto.product.Item;
import dev.marketplace.proto.product.ProductDbGrpc;
import dev.marketplace.proto.product.SetQuantityRequest;
import io.grpc.ManagedChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Closed-loop write clients against product-db replicas: each client creates an item, then sets
 * its quantity a few times, each write retried (same idempotency key, next replica) until it is
 * acknowledged, so every write is eventually acknowledged exactly once and the last acknowledged
 * quantity of an item is its final quantity. Records what was acknowledged for later checks.
 * Thread-safe.
 */
final class WriteLoad implements AutoCloseable {
  /** An acknowledged CreateItem. */
  record Created(ItemId id, String name, long sellerId) {}

  private final ManagedChannel[] channels;
  private final List<Thread> threads = new ArrayList<>();
  private volatile boolean stop;
  final AtomicLong acked = new AtomicLong();
  final AtomicLong failedAttempts = new AtomicLong();
  final Map<String, Created> created = new ConcurrentHashMap<>();
  final Map<ItemId, Long> lastQuantity = new ConcurrentHashMap<>();
  /** Receives the latency of every acknowledged write and the replica that acknowledged it. */
  @FunctionalInterface
  interface Recorder {
    void record(int replica, long nanos);
  }

  private final Recorder latencyNanos;
  private final int setsPerItem;
  private final String runId;

  /**
   * @param latencyNanos receives the latency of every acknowledged write, retries included, with
   *     the replica that acknowledged it
   * @param setsPerItem SetQuantity writes after each CreateItem
   */
  WriteLoad(ManagedChannel[] channels, String runId, int setsPerItem, Recorder latencyNanos) {
    this.channels = channels;
    this.runId = runId;
    this.setsPerItem = setsPerItem;
    this.latencyNanos = latencyNanos == null ? (r, x) -> { } : latencyNanos;
  }

  void start(int clients) {
    for (int c = 0; c < clients; c++) {
      int client = c;
      Thread t = new Thread(() -> run(client), "writer-" + c);
      t.setDaemon(true);
      threads.add(t);
      t.start();
    }
  }

  private void run(int client) {
    long seller = 1000 + client;
    int replica = Integer.getInteger("bench.firstReplica", -1) >= 0
        ? Integer.getInteger("bench.firstReplica") : client % channels.length;
    for (long k = 0; !stop; k++) {
      String name = "i" + client + "-" + k;
      String key = runId + "-c-" + client + "-" + k;
      CreateItemRequest req = CreateItemRequest.newBuilder().setSellerId(seller)
          .setName(name).setCategory((int) (k % 10)).addKeywords("k" + (k % 7))
          .setCondition(Condition.NEW).setPriceCents(100 + k).setQuantity(1)
          .setIdempotencyKey(key).build();
      Item item = null;
      long t0 = System.nanoTime();
      int tries = 0;
      while (item == null && !stop) {
        try {
          item = stub(replica).createItem(req);
        } catch (RuntimeException e) {
          failedAttempts.incrementAndGet();
          replica = (replica + 1) % channels.length;
          if (++tries % channels.length == 0) LockSupport.parkNanos(20_000_000);
        }
      }
      if (item == null) return;
      latencyNanos.record(replica, System.nanoTime() - t0);
      created.put(key, new Created(item.getId(), name, seller));
      acked.incrementAndGet();
      for (int s = 1; s <= setsPerItem && !stop; s++) {
        long qty = s * 10L + client;
        SetQuantityRequest sq = SetQuantityRequest.newBuilder().setSellerId(seller)
            .setId(item.getId()).setQuantity(qty).setIdempotencyKey(key + "-q" + s).build();
        boolean done = false;
        t0 = System.nanoTime();
        tries = 0;
        while (!done && !stop) {
          try {
            stub(replica).setQuantity(sq);
            done = true;
          } catch (RuntimeException e) {
            failedAttempts.incrementAndGet();
            replica = (replica + 1) % channels.length;
            if (++tries % channels.length == 0) LockSupport.parkNanos(20_000_000);
          }
        }
        if (!done) return;
        latencyNanos.record(replica, System.nanoTime() - t0);
        lastQuantity.put(item.getId(), qty);
        acked.incrementAndGet();
      }
    }
  }

  private ProductDbGrpc.ProductDbBlockingStub stub(int replica) {
    return ProductDbGrpc.newBlockingStub(channels[replica]).withDeadlineAfter(3, TimeUnit.SECONDS);
  }

  /** Stops the clients after their current write and waits for them. */
  @Override
  public void close() throws InterruptedException {
    stop = true;
    for (Thread t : threads) t.join(10_000);
  }
}
