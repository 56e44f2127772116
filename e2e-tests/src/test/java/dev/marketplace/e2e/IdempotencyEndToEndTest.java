package dev.marketplace.e2e;

import static dev.marketplace.e2e.Api.obj;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The Idempotency-Key contract (API.md) across server replicas: the same key with the same body,
 * sent to DIFFERENT seller/buyer server processes, returns the same response and has one effect.
 * The same key with a different body is a different operation (rest/README.md: the servers keep
 * no state, the databases' idempotency records are keyed by key + a hash of method, path and
 * body), and a key is scoped to its account. Runs on the {@link SharedCluster}; each test uses
 * its own accounts. Not thread-safe (JUnit runs it on one thread).
 */
@ExtendWith(SharedCluster.class)
class IdempotencyEndToEndTest {
  private static final String SFX = Long.toString(System.nanoTime() % 1_000_000_000L, 36);
  private static Api seller0;
  private static Api seller1;
  private static Api buyer0;
  private static Api buyer1;

  @BeforeAll
  static void setUp(ClusterFixture cluster) {
    seller0 = new Api(cluster.sellers.get(0));
    seller1 = new Api(cluster.sellers.get(1));
    buyer0 = new Api(cluster.buyers.get(0));
    buyer1 = new Api(cluster.buyers.get(1));
    for (Api api : List.of(seller0, seller1, buyer0, buyer1)) {
      api.awaitHealthy();
    }
  }

  private static String key() {
    return UUID.randomUUID().toString();
  }

  private static String session(Api api, String accountPath, String user) {
    Api.Resp made = api.post(accountPath, null,
        obj("username", user, "password", "secret1", "name", user));
    assertThat(made.status()).as(made.toString()).isEqualTo(201);
    Api.Resp s = api.post("/sessions", null, obj("username", user, "password", "secret1"));
    assertThat(s.status()).as(s.toString()).isEqualTo(201);
    return s.json().get("token").asText();
  }

  private static Map<String, Object> item(String name, int quantity) {
    return obj("name", name, "category", 8, "keywords", List.of("idem"), "condition", "NEW",
        "price", "4.25", "quantity", quantity);
  }

  private static Map<String, Object> card(String name) {
    return obj("name", name, "cardNumber", "4111111111111111", "expiration", "12/35",
        "securityCode", "123");
  }

  @Test
  void createAccountRetriedOnTheOtherReplicaIsNotAConflict() {
    String k = key();
    Map<String, Object> body = obj("username", "idem-acct-" + SFX, "password", "secret1",
        "name", "Idem");
    Api.Resp first = seller0.post("/sellers", null, body, k);
    Api.Resp retry = seller1.post("/sellers", null, body, k);
    assertThat(first.status()).as(first.toString()).isEqualTo(201);
    assertThat(retry.status()).as("a retry, not 'username taken': " + retry).isEqualTo(201);
    assertThat(retry.body()).isEqualTo(first.body());
    assertThat(seller1.post("/sellers", null, body, key()).status())
        .as("a new key is a new request: username taken").isEqualTo(409);
  }

  @Test
  void createItemTwiceOnTwoReplicasCreatesOneItem() {
    String token = session(seller0, "/sellers", "idem-s1-" + SFX);
    String k = key();
    Api.Resp first = seller0.post("/items", token, item("Kettle", 3), k);
    Api.Resp retry = seller1.post("/items", token, item("Kettle", 3), k);
    assertThat(first.status()).as(first.toString()).isEqualTo(201);
    assertThat(retry.status()).isEqualTo(201);
    assertThat(retry.body()).as("the first response, replayed").isEqualTo(first.body());
    assertThat(seller1.get("/items", token).json()).as("one effect").hasSize(1);

    // The same key with a different body is a different operation: a second item.
    Api.Resp other = seller1.post("/items", token, item("Kettle", 4), k);
    assertThat(other.status()).as(other.toString()).isEqualTo(201);
    assertThat(other.json().get("id").asText()).isNotEqualTo(first.json().get("id").asText());
    assertThat(seller0.get("/items", token).json()).hasSize(2);

    // A key belongs to its account: another seller's same key and body is their own item.
    String otherSeller = session(seller1, "/sellers", "idem-s2-" + SFX);
    Api.Resp theirs = seller0.post("/items", otherSeller, item("Kettle", 3), k);
    assertThat(theirs.status()).isEqualTo(201);
    assertThat(seller0.get("/items", otherSeller).json()).hasSize(1);
    assertThat(seller0.get("/items", token).json()).hasSize(2);
  }

  @Test
  void concurrentDuplicatesOnBothReplicasCreateOneItem() throws Exception {
    String token = session(seller0, "/sellers", "idem-s3-" + SFX);
    for (int round = 0; round < 5; round++) {
      String k = key();
      Map<String, Object> body = item("Race " + round, 1);
      List<CompletableFuture<Api.Resp>> sent = new ArrayList<>();
      for (Api api : List.of(seller0, seller1, seller0, seller1)) {
        sent.add(CompletableFuture.supplyAsync(() -> api.post("/items", token, body, k)));
      }
      List<String> bodies = new ArrayList<>();
      for (CompletableFuture<Api.Resp> f : sent) {
        Api.Resp r = f.get();
        assertThat(r.status()).as(r.toString()).isEqualTo(201);
        bodies.add(r.body());
      }
      assertThat(bodies).as("every duplicate gets the first response").containsOnly(bodies.get(0));
    }
    assertThat(seller0.get("/items", token).json()).as("5 keys, 5 items").hasSize(5);
  }

  @Test
  void addToCartTwiceOnTwoReplicasAddsOnce() {
    String sellerToken = session(seller0, "/sellers", "idem-s4-" + SFX);
    String itemId = seller0.post("/items", sellerToken, item("Cup", 10)).json().get("id").asText();
    String token = session(buyer0, "/buyers", "idem-b1-" + SFX);
    String k = key();
    Map<String, Object> add = obj("itemId", itemId, "quantity", 2);
    Api.Resp first = buyer0.post("/cart/items", token, add, k);
    Api.Resp retry = buyer1.post("/cart/items", token, add, k);
    assertThat(first.status()).as(first.toString()).isEqualTo(200);
    assertThat(retry.status()).isEqualTo(200);
    assertThat(retry.body()).isEqualTo(first.body());
    assertThat(quantityInCart(buyer1, token, itemId)).as("added once").isEqualTo(2);

    // Same key, different body: a different operation, it adds too.
    Api.Resp other = buyer1.post("/cart/items", token, obj("itemId", itemId, "quantity", 1), k);
    assertThat(other.status()).as(other.toString()).isEqualTo(200);
    assertThat(quantityInCart(buyer0, token, itemId)).isEqualTo(3);
  }

  private static long quantityInCart(Api api, String token, String itemId) {
    JsonNode cart = api.get("/cart", token).json();
    for (JsonNode line : cart.get("items")) {
      if (line.get("itemId").asText().equals(itemId)) {
        return line.get("quantity").asLong();
      }
    }
    return 0;
  }

  @Test
  void purchaseRetriedOnTheOtherReplicaChargesAndTakesStockOnce() {
    String sellerToken = session(seller0, "/sellers", "idem-s5-" + SFX);
    String itemId = seller0.post("/items", sellerToken, item("Teapot", 5)).json().get("id")
        .asText();
    String token = session(buyer0, "/buyers", "idem-b2-" + SFX);
    assertThat(buyer0.post("/cart/items", token, obj("itemId", itemId, "quantity", 2)).status())
        .isEqualTo(200);
    String k = key();
    Api.Resp first = buyer0.post("/purchases", token, card("Idem Buyer"), k);
    Api.Resp retry = buyer1.post("/purchases", token, card("Idem Buyer"), k);
    assertThat(first.status()).as(first.toString()).isEqualTo(201);
    assertThat(retry.status()).as(retry.toString()).isEqualTo(201);
    assertThat(retry.json()).as("the same purchase").isEqualTo(first.json());
    assertThat(first.json().get("total").asText()).isEqualTo("8.50");
    assertThat(buyer1.get("/purchases", token).json()).as("recorded (charged) once").hasSize(1);
    assertThat(buyer0.get("/items/" + itemId, null).json().get("quantity").asLong())
        .as("stock taken once").isEqualTo(3);
    assertThat(buyer1.get("/cart", token).json().get("items")).isEmpty();

    // Same key, different body: a different purchase attempt; the cart is now empty -> 409.
    Api.Resp other = buyer1.post("/purchases", token, card("Someone Else"), k);
    assertThat(other.status()).as(other.toString()).isEqualTo(409);
    assertThat(buyer0.get("/purchases", token).json()).hasSize(1);
    assertThat(buyer0.get("/items/" + itemId, null).json().get("quantity").asLong()).isEqualTo(3);
  }
}
