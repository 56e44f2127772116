package dev.marketplace.productdb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.marketplace.postgres.LocalPostgres;
import dev.marketplace.postgres.SharedLocalPostgres;
import dev.marketplace.proto.ItemId;
import dev.marketplace.proto.product.Condition;
import dev.marketplace.proto.product.CreateItemRequest;
import dev.marketplace.proto.product.GetItemRequest;
import dev.marketplace.proto.product.ProductDbGrpc;
import dev.marketplace.proto.product.SetQuantityRequest;
import dev.marketplace.replica.SingleNodeReplication;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Measures writes/s (SetQuantity through gRPC, single-node replication, durable commit) and
 * reads/s (GetItem) with 1 and 32 concurrent clients, and prints a table. Skipped unless
 * {@code -Dbench=true}; asserts only that every call succeeded, never on speed.
 */
class ProductDbThroughputBench {
  @Test
  void printWritesAndReadsPerSecond() throws Exception {
    Assumptions.assumeTrue(Boolean.getBoolean("bench"), "run with -Dbench=true");
    long seconds = Long.getLong("bench.seconds", 5);
    LocalPostgres pg = SharedLocalPostgres.get();
    String db = SharedLocalPostgres.newDatabase("productdb_bench");
    try (ProductDbServer server = ProductDbServer.start("127.0.0.1", 0, pg.jdbcUrl(db),
        pg.user(), "", new SingleNodeReplication(0, 256, null), Clock.systemUTC())) {
      ManagedChannel ch = ManagedChannelBuilder.forAddress("127.0.0.1", server.port())
          .usePlaintext().build();
      ProductDbGrpc.ProductDbBlockingStub stub = ProductDbGrpc.newBlockingStub(ch);
      ItemId id = stub.createItem(CreateItemRequest.newBuilder().setSellerId(1).setName("bench")
          .setCategory(1).setCondition(Condition.NEW).setPriceCents(100).setQuantity(1).build())
          .getId();
      System.out.println("| clients | op | calls/s | mean latency ms |");
      System.out.println("|---|---|---|---|");
      for (int clients : new int[] {1, 32}) {
        for (String op : new String[] {"write SetQuantity", "read GetItem"}) {
          AtomicLong calls = new AtomicLong();
          AtomicLong failures = new AtomicLong();
          long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
          List<Thread> threads = new ArrayList<>();
          for (int c = 0; c < clients; c++) {
            Thread t = new Thread(() -> {
              long q = 0;
              while (System.nanoTime() < end) {
                try {
                  if (op.startsWith("write")) {
                    stub.setQuantity(SetQuantityRequest.newBuilder().setSellerId(1).setId(id)
                        .setQuantity(++q).build());
                  } else {
                    stub.getItem(GetItemRequest.newBuilder().setId(id).build());
                  }
                  calls.incrementAndGet();
                } catch (RuntimeException e) {
                  failures.incrementAndGet();
                }
              }
            });
            threads.add(t);
            t.start();
          }
          for (Thread t : threads) {
            t.join();
          }
          double perSec = calls.get() / (double) seconds;
          System.out.printf("| %d | %s | %.0f | %.2f |%n", clients, op, perSec,
              clients * 1000.0 / perSec);
          assertThat(failures.get()).isZero();
          assertThat(calls.get()).isPositive();
        }
      }
      ch.shutdownNow();
    }
  }
}
