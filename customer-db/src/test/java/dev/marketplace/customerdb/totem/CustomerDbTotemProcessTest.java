package dev.marketplace.customerdb.totem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.marketplace.proto.ItemId;
import dev.marketplace.proto.ReplicaStatus;
import dev.marketplace.proto.Role;
import dev.marketplace.proto.customer.Account;
import dev.marketplace.proto.customer.AuthInfo;
import dev.marketplace.proto.customer.Cart;
import dev.marketplace.proto.customer.CartChangeRequest;
import dev.marketplace.proto.customer.CreateAccountRequest;
import dev.marketplace.proto.customer.LoginRequest;
import dev.marketplace.proto.customer.Session;
import dev.marketplace.proto.customer.TokenRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Five real customer-db processes replicated by totem over UDP with 5% injected datagram loss:
 * continuous CreateBuyer / Login / Authenticate / AddToCart, each step on the next replica (so a
 * login acknowledged by one replica must be usable through another at once), while the member
 * whose sequencing turn is next is killed with SIGKILL, then another; both restart. Then all
 * five are killed with SIGKILL at once and started again on the same databases (a cold start:
 * totem/DESIGN.md, census), and the writes must resume. Nothing acknowledged is lost and, after
 * quiescence, the five databases are identical.
 */
class CustomerDbTotemProcessTest {
  private static final Duration DEADLINE = Duration.ofSeconds(60);

  /** One acknowledged CreateBuyer + Login + AddToCart. */
  private record Acked(String username, long buyerId, String token, int category, long number) {}

  @Test
  void fiveProcessesSurviveKillNinesAndAWholeClusterRestartAndConverge() throws Exception {
    long t0 = System.nanoTime();
    try (CustomerDbProcesses cluster = CustomerDbProcesses.start(5, 0.05, true)) {
      // Five JVMs starting at once on a busy 2-core machine: allow them time.
      await().atMost(Duration.ofSeconds(150)).pollInterval(Duration.ofMillis(200)).until(cluster::allUp);
      phase(t0, "5 processes up");

      ConcurrentLinkedQueue<Acked> acked = new ConcurrentLinkedQueue<>();
      ConcurrentLinkedQueue<String> violations = new ConcurrentLinkedQueue<>();
      AtomicBoolean stop = new AtomicBoolean();
      AtomicInteger retries = new AtomicInteger();
      List<Thread> writers = new ArrayList<>();
      for (int w = 0; w < 4; w++) {
        int writer = w;
        Thread t = new Thread(() -> writeLoop(cluster, writer, stop, acked, violations, retries),
            "writer-" + w);
        t.setDaemon(true);
        writers.add(t);
        t.start();
      }
      await().atMost(DEADLINE).until(() -> acked.size() >= 20);

      // Kill -9 the member whose turn is next, then (once writes continue) another one.
      List<Integer> killed = new ArrayList<>();
      for (int round = 0; round < 2; round++) {
        int victim = nextSequencer(cluster, killed);
        cluster.kill9(victim);
        killed.add(victim);
        phase(t0, "killed member " + victim + " (next sequencer)");
        int before = acked.size();
        await().atMost(DEADLINE).until(() -> acked.size() >= before + 20);
        phase(t0, "writes continue after killing " + victim);
      }
      for (int k : killed) {
        cluster.restart(k);
      }
      await().atMost(DEADLINE).pollInterval(Duration.ofMillis(200)).until(cluster::allUp);
      phase(t0, "both restarted and back in a 5-member view");
      int afterRestart = acked.size();
      await().atMost(DEADLINE).until(() -> acked.size() >= afterRestart + 20);

      // Whole-cluster restart: kill -9 all five while the writers go on, start all five again
      // on the same databases. They come back amnesiac and must form a census view.
      for (int i = 0; i < 5; i++) {
        cluster.kill9(i);
      }
      phase(t0, "killed all five (" + acked.size() + " rounds acknowledged)");
      long restartAt = System.nanoTime();
      for (int i = 0; i < 5; i++) {
        cluster.restart(i);
      }
      int beforeCold = acked.size();
      await().atMost(Duration.ofSeconds(150)).pollInterval(Duration.ofMillis(200))
          .until(cluster::allUp);
      phase(t0, "all five back in a 5-member view after the whole-cluster restart");
      await().atMost(DEADLINE).until(() -> acked.size() >= beforeCold + 20);
      phase(t0, String.format("writes resumed, %.1f s after starting the five processes",
          (System.nanoTime() - restartAt) / 1e9));

      stop.set(true);
      for (Thread t : writers) {
        t.join(DEADLINE.toMillis());
      }
      phase(t0, "writers stopped");
      assertThat(violations).isEmpty();

      // Quiescence: every member applied the same position.
      await().atMost(DEADLINE).pollInterval(Duration.ofMillis(200)).until(() -> {
        long applied = -1;
        for (int i = 0; i < 5; i++) {
          ReplicaStatus s = cluster.status(i);
          if (s == null || (applied >= 0 && s.getAppliedIndex() != applied)
              || s.getAppliedIndex() != s.getCommitIndex()) {
            return false;
          }
          applied = s.getAppliedIndex();
        }
        return true;
      });
      phase(t0, "quiescent");
      String reference = cluster.dump(0);
      for (int i = 1; i < 5; i++) {
        assertThat(cluster.dump(i)).as("database of member " + i).isEqualTo(reference);
      }
      // Nothing acknowledged is lost.
      for (Acked a : acked) {
        assertThat(cluster.queryLong(0, "SELECT count(*) FROM buyers WHERE id = " + a.buyerId()
            + " AND username = '" + a.username() + "'")).as(a.username()).isEqualTo(1);
        assertThat(cluster.queryLong(0, "SELECT count(*) FROM cart_lines WHERE token = '"
            + a.token() + "' AND category = " + a.category() + " AND number = " + a.number()))
            .as("cart of " + a.username()).isEqualTo(1);
      }
      System.out.printf("process test: %d acknowledged buyer+login+cart rounds, %d retries, "
          + "killed %s, logs in %s%n", acked.size(), retries.get(), killed, cluster.logDir());
    }
  }

  private static void phase(long t0, String what) {
    System.out.printf("process test %6.1f s: %s%n", (System.nanoTime() - t0) / 1e9, what);
  }

  /** The member whose turn is next, as reported by a live member's Status (leader_id). */
  private static int nextSequencer(CustomerDbProcesses cluster, List<Integer> dead) {
    int[] found = {-1};
    await().atMost(DEADLINE).until(() -> {
      for (int i = 0; i < cluster.size(); i++) {
        if (dead.contains(i)) {
          continue;
        }
        ReplicaStatus s = cluster.status(i);
        if (s != null && s.getHasQuorum() && s.getLeaderId() >= 0
            && !dead.contains(s.getLeaderId())) {
          found[0] = s.getLeaderId();
          return true;
        }
      }
      return false;
    });
    return found[0];
  }

  private static void writeLoop(CustomerDbProcesses cluster, int writer, AtomicBoolean stop,
      ConcurrentLinkedQueue<Acked> acked, ConcurrentLinkedQueue<String> violations,
      AtomicInteger retries) {
    int replica = writer;
    for (int k = 0; !stop.get(); k++) {
      String user = "w" + writer + "u" + k;
      String key = "w" + writer + "-" + k;
      // Each step goes to the next replica: a write acknowledged by one must be usable on another.
      replica = (replica + 1) % 5;
      int kk = k;
      Account account = call(cluster, replica, retries, stop, s -> s.createBuyer(
          CreateAccountRequest.newBuilder().setUsername(user).setPassword("secret-" + kk)
              .setName("buyer " + kk).setIdempotencyKey("cb-" + key).build()));
      if (account == null) {
        return;
      }
      replica = (replica + 1) % 5;
      Session session;
      try {
        session = call(cluster, replica, retries, stop, s -> s.login(LoginRequest.newBuilder()
            .setRole(Role.BUYER).setUsername(user).setPassword("secret-" + kk)
            .setIdempotencyKey("li-" + key).build()));
      } catch (StatusRuntimeException e) {
        violations.add("login of " + user + " after an acknowledged CreateBuyer: " + e);
        return;
      }
      if (session == null) {
        return;
      }
      // A login acknowledged by one replica is immediately usable through any other: the
      // Authenticate read on the next replica goes through its read barrier.
      replica = (replica + 1) % 5;
      try {
        AuthInfo auth = call(cluster, replica, retries, stop, s -> s.authenticate(
            TokenRequest.newBuilder().setToken(session.getToken()).setRole(Role.BUYER).build()));
        if (auth != null && auth.getAccountId() != account.getId()) {
          violations.add("Authenticate of " + user + " returned account " + auth.getAccountId());
        }
      } catch (StatusRuntimeException e) {
        violations.add("Authenticate on another replica right after Login of " + user + ": "
            + e);
        return;
      }
      replica = (replica + 1) % 5;
      ItemId item = ItemId.newBuilder().setCategory(kk % 10).setNumber(kk + 1).build();
      Cart cart;
      try {
        cart = call(cluster, replica, retries, stop, s -> s.addToCart(
            CartChangeRequest.newBuilder().setToken(session.getToken()).setItemId(item)
                .setQuantity(1).setAvailable(100).setIdempotencyKey("ac-" + key).build()));
      } catch (StatusRuntimeException e) {
        violations.add("AddToCart with a token acknowledged elsewhere: " + e);
        return;
      }
      if (cart == null) {
        return;
      }
      acked.add(new Acked(user, account.getId(), session.getToken(), item.getCategory(),
          item.getNumber()));
    }
  }

  /**
   * Calls {@code op} on {@code first}, then on the following replicas, retrying (same request,
   * same idempotency key) while the answer is UNAVAILABLE or DEADLINE_EXCEEDED; other errors are
   * thrown. Null when stopped.
   */
  private static <T> T call(CustomerDbProcesses cluster, int first, AtomicInteger retries,
      AtomicBoolean stop,
      Function<dev.marketplace.proto.customer.CustomerDbGrpc.CustomerDbBlockingStub, T> op) {
    for (int attempt = 0; ; attempt++) {
      int r = (first + attempt) % cluster.size();
      try {
        // After a full round of fast failures (e.g. every process down), wait for a connection
        // (bounded by the deadline) instead of spinning on "connection refused".
        var stub = cluster.stub(r, 3_000);
        return op.apply(attempt >= cluster.size() ? stub.withWaitForReady() : stub);
      } catch (StatusRuntimeException e) {
        Status.Code c = e.getStatus().getCode();
        if (c != Status.Code.UNAVAILABLE && c != Status.Code.DEADLINE_EXCEEDED) {
          throw e;
        }
        cluster.resetBackoff(r);
        retries.incrementAndGet();
        if (stop.get() && attempt > 50) {
          return null;
        }
      }
    }
  }
}
