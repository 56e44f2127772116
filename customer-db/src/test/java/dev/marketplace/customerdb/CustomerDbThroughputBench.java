package dev.marketplace.customerdb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.marketplace.postgres.LocalPostgres;
import dev.marketplace.postgres.SharedLocalPostgres;
import dev.marketplace.proto.ItemId;
import dev.marketplace.proto.Role;
import dev.marketplace.proto.customer.CartChangeRequest;
import dev.marketplace.proto.customer.CreateAccountRequest;
import dev.marketplace.proto.customer.CustomerDbGrpc;
import dev.marketplace.proto.customer.LoginRequest;
import dev.marketplace.proto.customer.Session;
import dev.marketplace.proto.customer.TokenRequest;
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
 * Measures writes/s (AddToCart/RemoveFromCart, single-node replication, durable commit) and
 * reads/s (Authenticate, coalesced: a pure read) with 1 and 32 concurrent clients, each with its
 * own buyer session, and prints a table. Skipped unless {@code -Dbench=true}; asserts only that
 * every call succeeded, never on speed.
 */
class CustomerDbThroughputBench {
  @Test
  void printWritesAndReadsPerSecond() throws Exception {
    Assumptions.assumeTrue(Boolean.getBoolean("bench"), "run with -Dbench=true");
    long seconds = Long.getLong("bench.seconds", 5);
    LocalPostgres pg = SharedLocalPostgres.get();
    String db = SharedLocalPostgres.newDatabase("customerdb_bench");
    try (CustomerDbServer server = CustomerDbServer.start("127.0.0.1", 0, pg.jdbcUrl(db),
        pg.user(), "", new SingleNodeReplication(0, 256, null), Clock.systemUTC(), 300, 1000)) {
      ManagedChannel ch = ManagedChannelBuilder.forAddress("127.0.0.1", server.port())
          .usePlaintext().build();
      CustomerDbGrpc.CustomerDbBlockingStub stub = CustomerDbGrpc.newBlockingStub(ch);
      List<Session> sessions = new ArrayList<>();
      for (int i = 0; i < 32; i++) {
        stub.createBuyer(CreateAccountRequest.newBuilder().setUsername("b" + i)
            .setPassword("secret1").setName("B").build());
        sessions.add(stub.login(LoginRequest.newBuilder().setRole(Role.BUYER)
            .setUsername("b" + i).setPassword("secret1").build()));
      }
      ItemId item = ItemId.newBuilder().setCategory(1).setNumber(1).build();
      System.out.println("| clients | op | calls/s | mean latency ms |");
      System.out.println("|---|---|---|---|");
      for (int clients : new int[] {1, 32}) {
        for (String op : new String[] {"write Add/RemoveFromCart", "read Authenticate"}) {
          AtomicLong calls = new AtomicLong();
          AtomicLong failures = new AtomicLong();
          long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
          List<Thread> threads = new ArrayList<>();
          for (int c = 0; c < clients; c++) {
            Session s = sessions.get(c);
            Thread t = new Thread(() -> {
              boolean add = true;
              while (System.nanoTime() < end) {
                try {
                  if (op.startsWith("write")) {
                    CartChangeRequest r = CartChangeRequest.newBuilder().setToken(s.getToken())
                        .setItemId(item).setQuantity(1).setAvailable(10).build();
                    if (add) {
                      stub.addToCart(r);
                    } else {
                      stub.removeFromCart(r);
                    }
                    add = !add;
                  } else {
                    stub.authenticate(TokenRequest.newBuilder().setToken(s.getToken())
                        .setRole(Role.BUYER).build());
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
