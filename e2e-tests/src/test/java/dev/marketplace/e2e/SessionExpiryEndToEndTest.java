package dev.marketplace.e2e;

import static dev.marketplace.e2e.Api.obj;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Sessions across server replicas and their expiry. Visibility (a token is usable through the
 * other replica at once; a logout is seen at once) runs on the {@link SharedCluster}. Expiry
 * needs a short timeout, which is a customer-db setting for the whole cluster, so this class
 * starts its own small cluster (1 customer-db, 1 product-db, 1 seller and 1 buyer server) with
 * {@code SESSION_TIMEOUT_SECONDS=4} and stops it afterwards. Nothing sleeps: the expiry is
 * awaited with a bound, and activity is paced by Awaitility's poll interval. Not thread-safe.
 */
@ExtendWith(SharedCluster.class)
class SessionExpiryEndToEndTest {
  private static final long TIMEOUT_SECONDS = 4;
  private static final String SFX = Long.toString(System.nanoTime() % 1_000_000_000L, 36);
  private static ClusterFixture shared;
  private static ClusterFixture shortSessions;
  private static Api seller;
  private static Api buyer;

  @BeforeAll
  static void setUp(ClusterFixture sharedCluster) throws Exception {
    shared = sharedCluster;
    shortSessions = ClusterFixture.start(1, 1, 1, 1, Map.of("APPROVE_PROBABILITY", "1",
        "SESSION_TIMEOUT_SECONDS", Long.toString(TIMEOUT_SECONDS)));
    seller = new Api(shortSessions.sellers.get(0));
    buyer = new Api(shortSessions.buyers.get(0));
  }

  @AfterAll
  static void tearDown() throws Exception {
    if (shortSessions != null) {
      shortSessions.close(); // throws if anything is left running
    }
  }

  private static String session(Api api, String accountPath, String user) {
    Api.Resp made = api.post(accountPath, null,
        obj("username", user, "password", "secret1", "name", user));
    assertThat(made.status()).as(made.toString()).isEqualTo(201);
    return login(api, user);
  }

  private static String login(Api api, String user) {
    Api.Resp s = api.post("/sessions", null, obj("username", user, "password", "secret1"));
    assertThat(s.status()).as(s.toString()).isEqualTo(201);
    return s.json().get("token").asText();
  }

  private static void assertRejected(Api.Resp r) {
    assertThat(r.status()).as(r.toString()).isEqualTo(401);
    assertThat(r.contentType()).startsWith("application/problem+json");
    assertThat(r.json().get("status").asInt()).isEqualTo(401);
    assertThat(r.headers().get("www-authenticate")).startsWith("Bearer");
  }

  /**
   * Waits, bounded, until {@code token} is rejected. The first poll comes only after the session
   * has been idle for the timeout plus a margin ({@code idleSince}: when the answer to its last
   * request arrived), so polling cannot itself keep the session alive.
   */
  private static void awaitExpiry(Api api, String path, String token, long idleSince) {
    long idleNanos = System.nanoTime() - idleSince;
    Duration delay = Duration.ofSeconds(TIMEOUT_SECONDS).plusMillis(500).minusNanos(idleNanos);
    await().pollDelay(delay.isNegative() ? Duration.ZERO : delay)
        .pollInterval(Duration.ofMillis(500))
        .atMost(Duration.ofSeconds(TIMEOUT_SECONDS + 30))
        .until(() -> api.get(path, token).status() == 401);
  }

  // ---- on the shared cluster: no stale reads between replicas

  @Test
  void aTokenFromOneBuyerServerWorksAtOnceThroughTheOther() {
    Api b0 = new Api(shared.buyers.get(0));
    Api b1 = new Api(shared.buyers.get(1));
    b0.awaitHealthy();
    b1.awaitHealthy();
    assertThat(b0.post("/buyers", null,
        obj("username", "sess-b-" + SFX, "password", "secret1", "name", "S")).status())
        .isEqualTo(201);
    for (int i = 0; i < 10; i++) {
      Api in = i % 2 == 0 ? b0 : b1;
      Api other = i % 2 == 0 ? b1 : b0;
      String token = login(in, "sess-b-" + SFX);
      Api.Resp cart = other.get("/cart", token);
      assertThat(cart.status()).as("login #" + i + " seen by the other replica: " + cart)
          .isEqualTo(200);
      assertThat(other.delete("/sessions/current", token).status()).isEqualTo(204);
      assertRejected(in.get("/cart", token));
    }
  }

  @Test
  void aTokenFromOneSellerServerWorksAtOnceThroughTheOther() {
    Api s0 = new Api(shared.sellers.get(0));
    Api s1 = new Api(shared.sellers.get(1));
    s0.awaitHealthy();
    s1.awaitHealthy();
    String token = session(s1, "/sellers", "sess-s-" + SFX);
    assertThat(s0.get("/me/rating", token).status()).isEqualTo(200);
    assertThat(s0.delete("/sessions/current", token).status()).isEqualTo(204);
    assertRejected(s1.get("/items", token));
  }

  // ---- on the short-session cluster

  @Test
  void anIdleSessionExpiresOnBothServersAndOnlyTheSavedCartSurvives() {
    String sellerToken = session(seller, "/sellers", "exp-s-" + SFX);
    String item = seller.post("/items", sellerToken, obj("name", "Clock", "category", 2,
        "keywords", List.of("clock"), "condition", "NEW", "price", "3.00", "quantity", 9))
        .json().get("id").asText();
    long sellerIdle = System.nanoTime();
    String saver = session(buyer, "/buyers", "exp-b1-" + SFX);
    String dropper = session(buyer, "/buyers", "exp-b2-" + SFX);
    for (String token : List.of(saver, dropper)) {
      assertThat(buyer.post("/cart/items", token, obj("itemId", item, "quantity", 2)).status())
          .isEqualTo(200);
    }
    assertThat(buyer.post("/cart/save", saver).status()).isEqualTo(204);
    long buyersIdle = System.nanoTime();

    awaitExpiry(seller, "/items", sellerToken, sellerIdle);
    assertRejected(seller.get("/me/rating", sellerToken));
    awaitExpiry(buyer, "/cart", dropper, buyersIdle);
    awaitExpiry(buyer, "/cart", saver, buyersIdle);
    assertRejected(buyer.post("/cart/items", saver, obj("itemId", item, "quantity", 1)));
    assertRejected(buyer.get("/items?category=2", saver)); // public, but a sent token is checked

    String again = login(buyer, "exp-b1-" + SFX);
    assertThat(buyer.get("/cart", again).json().get("items").get(0).get("quantity").asInt())
        .as("a saved cart survives the session").isEqualTo(2);
    String dropperAgain = login(buyer, "exp-b2-" + SFX);
    assertThat(buyer.get("/cart", dropperAgain).json().get("items"))
        .as("an unsaved cart ends with its session").isEmpty();
    assertThat(buyer.get("/items/" + item, null).json().get("quantity").asInt())
        .as("carts never held stock").isEqualTo(9);
  }

  @Test
  void cartWritesKeepASessionAlivePastTheTimeout() {
    String token = session(buyer, "/buyers", "exp-w-" + SFX);
    long start = System.nanoTime();
    AtomicInteger writes = new AtomicInteger();
    // One cart write per second for 2 timeouts: each write refreshes the expiry.
    await().pollInterval(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(TIMEOUT_SECONDS * 6))
        .until(() -> {
          Api.Resp r = buyer.post("/cart/save", token);
          assertThat(r.status()).as("write #" + writes.get() + ": " + r).isEqualTo(204);
          writes.incrementAndGet();
          return System.nanoTime() - start > Duration.ofSeconds(TIMEOUT_SECONDS * 2).toNanos();
        });
    long idle = System.nanoTime();
    awaitExpiry(buyer, "/cart", token, idle);
  }

  /**
   * API.md: "every authenticated request refreshes it (the refresh may be coalesced, e.g. written
   * at most once every 30 s)". The customer-db coalesces with a fixed 30 s, so below a 30 s
   * timeout only cart/session writes refresh: reads and product writes (POST /items) do not.
   */
  @Test
  void readsAndItemWritesKeepASessionAlivePastTheTimeout() {
    String buyerToken = session(buyer, "/buyers", "exp-r-" + SFX);
    String sellerToken = session(seller, "/sellers", "exp-r-" + SFX);
    long start = System.nanoTime();
    AtomicInteger n = new AtomicInteger();
    await().pollInterval(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(TIMEOUT_SECONDS * 6))
        .until(() -> {
          assertThat(buyer.get("/cart", buyerToken).status()).as("buyer read").isEqualTo(200);
          assertThat(seller.post("/items", sellerToken, obj("name", "Tick " + n.incrementAndGet(),
              "category", 1, "keywords", List.of(), "condition", "USED", "price", "1.00",
              "quantity", 1)).status()).as("item write").isEqualTo(201);
          return System.nanoTime() - start > Duration.ofSeconds(TIMEOUT_SECONDS * 2).toNanos();
        });
  }
}
