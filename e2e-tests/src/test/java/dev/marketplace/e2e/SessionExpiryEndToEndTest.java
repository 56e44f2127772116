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
import org.junit.jupiter.api.Disabled;
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

  /** Waits, bounded, until {@code token} is rejected; returns after how long (for messages). */
  private static void awaitExpiry(Api api, String path, String token) {
    await().pollDelay(Duration.ofSeconds(TIMEOUT_SECONDS)).pollInterval(Duration.ofMillis(500))
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
    String saver = session(buyer, "/buyers", "exp-b1-" + SFX);
    String dropper = session(buyer, "/buyers", "exp-b2-" + SFX);
    for (String token : List.of(saver, dropper)) {
      assertThat(buyer.post("/cart/items", token, obj("itemId", item, "quantity", 2)).status())
          .isEqualTo(200);
    }
    assertThat(buyer.post("/cart/save", saver, obj()).status()).isIn(204);

    awaitExpiry(seller, "/items", sellerToken);
    assertRejected(seller.get("/me/rating", sellerToken));
    awaitExpiry(buyer, "/cart", dropper);
    awaitExpiry(buyer, "/cart", saver);
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
  void writesKeepASessionAlivePastTheTimeout() {
    String token = session(seller, "/sellers", "exp-w-" + SFX);
    long start = System.nanoTime();
    AtomicInteger writes = new AtomicInteger();
    // One write per second for 3 timeouts: each write refreshes the expiry.
    await().pollInterval(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(TIMEOUT_SECONDS * 6))
        .until(() -> {
          Api.Resp r = seller.post("/items", token, obj("name", "Tick " + writes.get(),
              "category", 1, "keywords", List.of(), "condition", "USED", "price", "1.00",
              "quantity", 1));
          assertThat(r.status()).as("write #" + writes.get() + ": " + r).isEqualTo(201);
          writes.incrementAndGet();
          return System.nanoTime() - start > Duration.ofSeconds(TIMEOUT_SECONDS * 3).toNanos();
        });
    assertThat(seller.get("/items", token).json()).hasSize(writes.get());
    awaitExpiry(seller, "/items", token);
  }

  @Test
  @Disabled("BUG: with SESSION_TIMEOUT_SECONDS below 30 (the fixed refresh coalescing interval), "
      + "a session used only for reads expires SESSION_TIMEOUT_SECONDS after login although "
      + "every request should refresh it")
  void readsKeepASessionAlivePastTheTimeout() {
    String token = session(buyer, "/buyers", "exp-r-" + SFX);
    long start = System.nanoTime();
    await().pollInterval(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(TIMEOUT_SECONDS * 6))
        .until(() -> {
          assertThat(buyer.get("/cart", token).status()).isEqualTo(200);
          return System.nanoTime() - start > Duration.ofSeconds(TIMEOUT_SECONDS * 3).toNanos();
        });
  }
}
