package dev.marketplace.buyerserver;

import static dev.marketplace.rest.testing.HttpTestClient.bearer;
import static dev.marketplace.rest.testing.ProblemAssert.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.marketplace.proto.ItemId;
import dev.marketplace.proto.customer.AccountIdRequest;
import dev.marketplace.proto.customer.CreateAccountRequest;
import dev.marketplace.proto.product.Condition;
import dev.marketplace.proto.product.CreateItemRequest;
import dev.marketplace.proto.product.SetQuantityRequest;
import dev.marketplace.rest.RestServer;
import dev.marketplace.rest.testing.FakeDbs;
import dev.marketplace.rest.testing.HttpTestClient;
import dev.marketplace.rest.testing.HttpTestClient.Response;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every buyer endpoint over real HTTP against in-process fake databases (two replicas each). */
class BuyerApiTest {
  private static final String CARD = "{\"name\":\"Ann Lee\",\"cardNumber\":\"4111111111111111\","
      + "\"expiration\":\"09/29\",\"securityCode\":\"123\"}";

  private FakeDbs dbs;
  private ScriptedPaymentGateway payments;
  private RestServer server;
  private HttpTestClient http;
  private long sellerId;

  @BeforeEach
  void start() {
    dbs = FakeDbs.start(2);
    payments = new ScriptedPaymentGateway();
    server = BuyerServer.start("127.0.0.1", 0, 65536, dbs.customers, dbs.products, payments);
    http = new HttpTestClient(server.port());
    sellerId = dbs.customers.call("CreateSeller", s -> s.createSeller(CreateAccountRequest
        .newBuilder().setUsername("seller").setPassword("secret1").setName("S").build())).getId();
  }

  @AfterEach
  void stop() {
    server.close();
    dbs.close();
  }

  /** Lists an item directly in the product DB; returns its id text. */
  private String listItem(int category, String name, long priceCents, long quantity,
      String... keywords) {
    var item = dbs.products.call("CreateItem", p -> p.createItem(CreateItemRequest.newBuilder()
        .setSellerId(sellerId).setName(name).setCategory(category).addAllKeywords(List.of(keywords))
        .setCondition(Condition.NEW).setPriceCents(priceCents).setQuantity(quantity).build()));
    return item.getId().getCategory() + "-" + item.getId().getNumber();
  }

  private long stock(String id) {
    String[] p = id.split("-");
    return dbs.productReplicas.get(0).state().quantity(ItemId.newBuilder()
        .setCategory(Integer.parseInt(p[0])).setNumber(Long.parseLong(p[1])).build());
  }

  private String buyer(String username) {
    assertThat(http.send("POST", "/buyers", "{\"username\":\"" + username
        + "\",\"password\":\"secret1\",\"name\":\"B\"}").status()).isEqualTo(201);
    return login(username);
  }

  private String login(String username) {
    Response s = http.send("POST", "/sessions", "{\"username\":\"" + username
        + "\",\"password\":\"secret1\"}");
    assertThat(s.status()).isEqualTo(201);
    return s.json().get("token").asText();
  }

  private Response add(String token, String itemId, long qty) {
    return http.send("POST", "/cart/items", "{\"itemId\":\"" + itemId + "\",\"quantity\":" + qty
        + "}", bearer(token));
  }

  private Response buy(String token, String key) {
    return key == null ? http.send("POST", "/purchases", CARD, bearer(token))
        : http.send("POST", "/purchases", CARD, "Authorization", "Bearer " + token,
            "Idempotency-Key", key);
  }

  @Test
  void accountsAndSessions() {
    Response c = http.send("POST", "/buyers",
        "{\"username\":\"ann\",\"password\":\"secret1\",\"name\":\"Ann ❤\"}");
    assertThat(c.status()).isEqualTo(201);
    assertThat(c.json().get("name").asText()).isEqualTo("Ann ❤");
    assertProblem(http.send("POST", "/buyers",
        "{\"username\":\"ann\",\"password\":\"secret1\",\"name\":\"A\"}"), 409);
    assertProblem(http.send("POST", "/buyers", "{\"username\":\"x\"}"), 400, "password", "name");
    assertProblem(http.send("POST", "/buyers",
        "{\"username\":\"x\",\"password\":\"12345\",\"name\":\"A\"}"), 400, "password");
    Response s = http.send("POST", "/sessions", "{\"username\":\"ann\",\"password\":\"secret1\"}");
    assertThat(s.status()).isEqualTo(201);
    assertThat(s.json().get("buyerId").asLong()).isEqualTo(c.json().get("id").asLong());
    assertThat(s.json().get("expiresInSeconds").asLong()).isPositive();
    assertProblem(http.send("POST", "/sessions", "{\"username\":\"ann\",\"password\":\"nope12\"}"),
        401);
    // a seller account is not a buyer account
    assertProblem(http.send("POST", "/sessions",
        "{\"username\":\"seller\",\"password\":\"secret1\"}"), 401);
    String token = s.json().get("token").asText();
    assertThat(http.send("DELETE", "/sessions/current", null, bearer(token)).status())
        .isEqualTo(204);
    assertProblem(http.send("GET", "/cart", null, bearer(token)), 401);
    assertProblem(http.send("DELETE", "/sessions/current", null), 401);
  }

  @Test
  void searchAndGetItem() {
    String a = listItem(2, "Red mug", 500, 3, "red", "mug");
    String b = listItem(2, "Blue mug", 600, 1, "blue", "mug");
    listItem(2, "Sold out", 700, 0, "red", "mug");
    listItem(4, "Other", 700, 5, "red");
    Response all = http.send("GET", "/items?category=2", null);
    assertThat(all.status()).isEqualTo(200);
    assertThat(all.json()).hasSize(2);
    Response ranked = http.send("GET", "/items?category=2&keywords=blue,mug", null);
    assertThat(ranked.json().get(0).get("id").asText()).isEqualTo(b);
    assertThat(ranked.json().get(1).get("id").asText()).isEqualTo(a);
    assertThat(http.send("GET", "/items?category=2&keywords=none", null).json()).isEmpty();
    Response one = http.send("GET", "/items/" + a, null);
    assertThat(one.status()).isEqualTo(200);
    assertThat(one.json().get("price").asText()).isEqualTo("5.00");
    assertThat(one.json().get("sellerId").asLong()).isEqualTo(sellerId);

    for (String q : new String[] {"", "?category=", "?category=10", "?category=-1",
        "?category=abc", "?category=1.5", "?category=2&keywords=a,b,c,d,e,f",
        "?category=2&keywords=waytoolong", "?category=2&keywords=a,,b",
        "?category=2%27%20OR%201=1"}) {
      Response r = http.send("GET", "/items" + q, null);
      assertProblem(r, 400);
    }
    assertProblem(http.send("GET", "/items/2-999", null), 404);
    assertProblem(http.send("GET", "/items/mug", null), 400, "itemId");
    assertProblem(http.send("GET", "/items?category=2", null, bearer("forged")), 401);
  }

  @Test
  void cartAddRemoveClearAndStockLimit() {
    String item = listItem(1, "Pen", 150, 5, "pen");
    String token = buyer("bea");
    Response r = add(token, item, 2);
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    JsonNode line = r.json().get("items").get(0);
    assertThat(line.get("itemId").asText()).isEqualTo(item);
    assertThat(line.get("name").asText()).isEqualTo("Pen");
    assertThat(line.get("quantity").asLong()).isEqualTo(2);
    assertThat(line.get("unitPrice").asText()).isEqualTo("1.50");
    assertThat(line.get("lineTotal").asText()).isEqualTo("3.00");
    assertThat(r.json().get("total").asText()).isEqualTo("3.00");
    assertProblem(add(token, item, 4), 409);
    assertThat(add(token, item, 3).json().get("items").get(0).get("quantity").asLong())
        .isEqualTo(5);
    Response removed = http.send("POST", "/cart/removals", "{\"itemId\":\"" + item
        + "\",\"quantity\":4}", bearer(token));
    assertThat(removed.json().get("items").get(0).get("quantity").asLong()).isEqualTo(1);
    Response get = http.send("GET", "/cart", null, bearer(token));
    assertThat(get.status()).isEqualTo(200);
    assertThat(get.json().get("total").asText()).isEqualTo("1.50");
    assertThat(http.send("DELETE", "/cart", null, bearer(token)).status()).isEqualTo(204);
    Response empty = http.send("GET", "/cart", null, bearer(token));
    assertThat(empty.json().get("items")).isEmpty();
    assertThat(empty.json().get("total").asText()).isEqualTo("0.00");

    assertProblem(add(token, "1-999", 1), 404);
    assertProblem(add(token, item, 0), 400, "quantity");
    assertProblem(add(token, item, -1), 400, "quantity");
    assertProblem(http.send("POST", "/cart/items", "{\"itemId\":\"" + item
        + "\",\"quantity\":\"1\"}", bearer(token)), 400, "quantity");
    assertProblem(http.send("POST", "/cart/items", "{\"itemId\":\"" + item
        + "\",\"quantity\":1.5}", bearer(token)), 400, "quantity");
    assertProblem(http.send("POST", "/cart/items", "{\"quantity\":1}", bearer(token)), 400,
        "itemId");
    assertProblem(http.send("POST", "/cart/items", "{\"itemId\":\"pen\",\"quantity\":1}",
        bearer(token)), 400, "itemId");
    assertProblem(http.send("POST", "/cart/items", "{\"itemId\":3,\"quantity\":1}",
        bearer(token)), 400, "itemId");
    assertProblem(add("forged", item, 1), 401);
  }

  @Test
  void savedCartSurvivesLogoutUnsavedDoesNot() {
    String item = listItem(1, "Pen", 150, 5);
    String token = buyer("cal");
    add(token, item, 2);
    assertThat(http.send("POST", "/cart/save", null, bearer(token)).status()).isEqualTo(204);
    http.send("DELETE", "/sessions/current", null, bearer(token));
    String again = login("cal");
    assertThat(http.send("GET", "/cart", null, bearer(again)).json().get("items")).hasSize(1);

    String other = buyer("dee");
    add(other, item, 1);
    http.send("DELETE", "/sessions/current", null, bearer(other));
    assertThat(http.send("GET", "/cart", null, bearer(login("dee"))).json().get("items"))
        .isEmpty();
  }

  @Test
  void approvedPurchaseTakesStockRecordsAndEmptiesCart() {
    String pen = listItem(1, "Pen", 150, 5);
    String ink = listItem(1, "Ink", 1999, 2);
    String token = buyer("eve");
    add(token, pen, 2);
    add(token, ink, 1);
    Response r = buy(token, "buy-1");
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    JsonNode p = r.json();
    assertThat(p.get("id").asText()).isNotBlank();
    assertThat(p.get("total").asText()).isEqualTo("22.99");
    assertThat(p.get("items")).hasSize(2);
    assertThat(Instant.parse(p.get("purchasedAt").asText())).isNotNull();
    assertThat(payments.charges()).containsExactly(2299L);
    assertThat(stock(pen)).isEqualTo(3);
    assertThat(stock(ink)).isEqualTo(1);
    assertThat(http.send("GET", "/cart", null, bearer(token)).json().get("items")).isEmpty();
    Response list = http.send("GET", "/purchases", null, bearer(token));
    assertThat(list.status()).isEqualTo(200);
    assertThat(list.json()).hasSize(1);
    assertThat(list.json().get(0).get("id").asText()).isEqualTo(p.get("id").asText());
    assertThat(dbs.customers.call("GetSeller", s -> s.getSeller(AccountIdRequest.newBuilder()
        .setAccountId(sellerId).build())).getItemsSold()).isEqualTo(3);

    // a retry with the same key and body answers the same purchase and changes nothing
    Response retry = buy(token, "buy-1");
    assertThat(retry.status()).isEqualTo(201);
    assertThat(retry.json().get("id").asText()).isEqualTo(p.get("id").asText());
    assertThat(payments.charges()).hasSize(1);
    assertThat(stock(pen)).isEqualTo(3);
    assertThat(http.send("GET", "/purchases", null, bearer(token)).json()).hasSize(1);
  }

  @Test
  void aRetriedKeyedPurchaseAnswersTheFirstResultWithoutASecondCharge() {
    String pen = listItem(1, "Pen", 150, 5);
    String token = buyer("ola");
    add(token, pen, 2);
    Response first = buy(token, "retry-1");
    assertThat(first.status()).as(first.body()).isEqualTo(201);
    int paymentCalls = payments.calls();
    int lookups = dbs.calls("GetPurchase");
    int takes = dbs.calls("TakeStock");
    add(token, pen, 1); // a refilled cart must not turn the retry into a second purchase

    Response retry = buy(token, "retry-1");
    assertThat(retry.status()).as(retry.body()).isEqualTo(201);
    assertThat(retry.json()).isEqualTo(first.json());
    assertThat(payments.calls()).as("the payment service is not asked again")
        .isEqualTo(paymentCalls);
    assertThat(payments.charges()).containsExactly(300L);
    assertThat(dbs.calls("TakeStock")).isEqualTo(takes);
    assertThat(stock(pen)).isEqualTo(3);
    assertThat(dbs.calls("GetPurchase")).as("one lookup by id").isEqualTo(lookups + 1);
    assertThat(dbs.calls("ListPurchases")).as("the history is not read").isZero();
    assertThat(http.send("GET", "/cart", null, bearer(token)).json().get("items")).hasSize(1);

    // the same key from another buyer is another purchase
    String other = buyer("pia");
    add(other, pen, 1);
    Response theirs = buy(other, "retry-1");
    assertThat(theirs.status()).as(theirs.body()).isEqualTo(201);
    assertThat(theirs.json().get("id").asText()).isNotEqualTo(first.json().get("id").asText());
    assertThat(payments.charges()).containsExactly(300L, 150L);
  }

  @Test
  void declinedPaymentLeavesStockCartAndHistoryUnchanged() {
    String pen = listItem(1, "Pen", 150, 5);
    String token = buyer("fin");
    add(token, pen, 2);
    payments.mode(ScriptedPaymentGateway.Mode.DECLINE);
    assertProblem(buy(token, "k-decline"), 402);
    assertThat(stock(pen)).isEqualTo(5);
    assertThat(http.send("GET", "/cart", null, bearer(token)).json().get("items")).hasSize(1);
    assertThat(http.send("GET", "/purchases", null, bearer(token)).json()).isEmpty();
    assertThat(payments.charges()).isEmpty();
    // the same key again: the same answer, no effect
    assertProblem(buy(token, "k-decline"), 402);
    assertThat(stock(pen)).isEqualTo(5);
    // a new attempt may succeed
    payments.mode(ScriptedPaymentGateway.Mode.APPROVE);
    assertThat(buy(token, "k-second").status()).isEqualTo(201);
    assertThat(stock(pen)).isEqualTo(3);
  }

  @Test
  void paymentOutageIs503AndARetryWithTheSameKeyCompletesOnce() {
    String pen = listItem(1, "Pen", 150, 5);
    String token = buyer("gil");
    add(token, pen, 2);
    payments.mode(ScriptedPaymentGateway.Mode.UNAVAILABLE);
    Response r = buy(token, null);
    assertProblem(r, 503);
    assertThat(r.header("Retry-After")).isEqualTo("1");
    assertThat(stock(pen)).as("no key: the reservation is returned").isEqualTo(5);

    Response keyed = buy(token, "k-outage");
    assertProblem(keyed, 503);
    assertThat(stock(pen)).as("with a key: held for the retry").isEqualTo(3);
    payments.mode(ScriptedPaymentGateway.Mode.APPROVE);
    assertThat(buy(token, "k-outage").status()).isEqualTo(201);
    assertThat(stock(pen)).isEqualTo(3);
    assertThat(payments.charges()).hasSize(1);
  }

  @Test
  void purchaseConflictsAndValidation() {
    String pen = listItem(1, "Pen", 150, 5);
    String token = buyer("hob");
    assertProblem(buy(token, null), 409);
    add(token, pen, 4);
    var id = dbs.products.call("GetItem", p -> p.getItem(
        dev.marketplace.proto.product.GetItemRequest.newBuilder().setId(ItemId.newBuilder()
            .setCategory(1).setNumber(Long.parseLong(pen.split("-")[1]))).build())).getId();
    dbs.products.call("SetQuantity", p -> p.setQuantity(SetQuantityRequest.newBuilder()
        .setSellerId(sellerId).setId(id).setQuantity(3).build()));
    assertProblem(buy(token, null), 409);
    assertThat(payments.calls()).isZero();
    assertThat(stock(pen)).isEqualTo(3);

    String[][] bad = {
        {"{\"name\":\"\",\"cardNumber\":\"4111111111111111\",\"expiration\":\"09/29\"}", "name"},
        {"{\"name\":\"A\",\"cardNumber\":\"4111\",\"expiration\":\"09/29\"}", "cardNumber"},
        {"{\"name\":\"A\",\"cardNumber\":\"41111111111111111111\",\"expiration\":\"09/29\"}",
            "cardNumber"},
        {"{\"name\":\"A\",\"cardNumber\":\"4111-1111-1111\",\"expiration\":\"09/29\"}",
            "cardNumber"},
        {"{\"name\":\"A\",\"cardNumber\":4111111111111111,\"expiration\":\"09/29\"}",
            "cardNumber"},
        {"{\"name\":\"A\",\"cardNumber\":\"4111111111111111\",\"expiration\":\"13/29\"}",
            "expiration"},
        {"{\"name\":\"A\",\"cardNumber\":\"4111111111111111\",\"expiration\":\"9/29\"}",
            "expiration"},
        {"{\"name\":\"A\",\"cardNumber\":\"4111111111111111\",\"expiration\":\"09/29\","
            + "\"securityCode\":\"12\"}", "securityCode"},
        {"{\"name\":\"A\",\"cardNumber\":\"4111111111111111\",\"expiration\":\"09/29\","
            + "\"securityCode\":\"12345\"}", "securityCode"},
        {"{\"name\":\"A\",\"cardNumber\":\"4111111111111111\"}", "expiration"},
        {"{\"name\":\"A\",\"cardNumber\":\"4111111111111111\",\"expiration\":\"09/29\","
            + "\"amount\":\"0.01\"}", "amount"},
    };
    for (String[] c : bad) {
      assertProblem(http.send("POST", "/purchases", c[0], bearer(token)), 400, c[1]);
    }
    assertProblem(http.send("POST", "/purchases", CARD), 401);
    // securityCode is optional
    dbs.products.call("SetQuantity", p -> p.setQuantity(SetQuantityRequest.newBuilder()
        .setSellerId(sellerId).setId(id).setQuantity(10).build()));
    assertThat(http.send("POST", "/purchases", "{\"name\":\"A\",\"cardNumber\":"
        + "\"4111111111111111\",\"expiration\":\"09/29\"}", bearer(token)).status())
        .isEqualTo(201);
  }

  @Test
  void feedbackOncePerPurchasedItemAndRatings() {
    String pen = listItem(1, "Pen", 150, 5);
    String token = buyer("ida");
    String vote = "{\"itemId\":\"" + pen + "\",\"vote\":\"UP\"}";
    assertProblem(http.send("POST", "/feedback", vote, bearer(token)), 409);
    add(token, pen, 1);
    assertThat(buy(token, null).status()).isEqualTo(201);
    assertThat(http.send("POST", "/feedback", vote, bearer(token)).status()).isEqualTo(204);
    assertProblem(http.send("POST", "/feedback", vote.replace("UP", "DOWN"), bearer(token)),
        409);
    JsonNode item = http.send("GET", "/items/" + pen, null).json();
    assertThat(item.get("thumbsUp").asLong()).isEqualTo(1);
    assertThat(item.get("thumbsDown").asLong()).isZero();
    Response rating = http.send("GET", "/sellers/" + sellerId + "/rating", null);
    assertThat(rating.status()).isEqualTo(200);
    assertThat(rating.json().get("thumbsUp").asLong()).isEqualTo(1);
    assertThat(rating.json().get("thumbsDown").asLong()).isZero();

    // another buyer who never bought it
    String other = buyer("joe");
    assertProblem(http.send("POST", "/feedback", vote, bearer(other)), 409);
    assertProblem(http.send("POST", "/feedback", "{\"itemId\":\"" + pen
        + "\",\"vote\":\"MAYBE\"}", bearer(token)), 400, "vote");
    assertProblem(http.send("POST", "/feedback", "{\"itemId\":\"1-999\",\"vote\":\"UP\"}",
        bearer(token)), 404);
    assertProblem(http.send("POST", "/feedback", "{\"vote\":\"UP\"}", bearer(token)), 400,
        "itemId");
    assertProblem(http.send("GET", "/sellers/999/rating", null), 404);
    assertProblem(http.send("GET", "/sellers/abc/rating", null), 400, "sellerId");
    assertProblem(http.send("GET", "/sellers/0/rating", null), 400, "sellerId");
    assertProblem(http.send("GET", "/sellers/99999999999999999999/rating", null), 400,
        "sellerId");
  }

  @Test
  void databaseOutagesAndFailover() {
    String pen = listItem(1, "Pen", 150, 5);
    String token = buyer("kim");
    dbs.customerReplicas.get(0).setDown(true);
    dbs.productReplicas.get(0).setDown(true);
    assertThat(add(token, pen, 1).status()).isEqualTo(200);
    assertThat(buy(token, "fo-1").status()).isEqualTo(201);
    assertThat(dbs.customerReplicas.get(1).calls()).isPositive();
    dbs.setAllDown(true);
    Response r = http.send("GET", "/items?category=1", null);
    assertProblem(r, 503);
    assertThat(r.header("Retry-After")).isEqualTo("1");
    assertProblem(add(token, pen, 1), 503);
    Response health = http.send("GET", "/health", null);
    assertThat(health.status()).isEqualTo(503);
    assertThat(health.json().get("status").asText()).isEqualTo("DOWN");
  }

  @Test
  void buyersCartsAreTheirOwn() {
    String pen = listItem(1, "Pen", 150, 5);
    String a = buyer("lea");
    String b = buyer("max");
    add(a, pen, 2);
    assertThat(http.send("GET", "/cart", null, bearer(b)).json().get("items")).isEmpty();
    assertThat(buy(b, null).status()).isEqualTo(409);
    assertThat(stock(pen)).isEqualTo(5);
  }

  @Test
  void concurrentPurchasesOfTheLastUnitsNeverOversell() throws Exception {
    String pen = listItem(1, "Pen", 150, 3);
    int buyers = 6;
    List<String> tokens = new ArrayList<>();
    for (int i = 0; i < buyers; i++) {
      String t = buyer("racer" + i);
      assertThat(add(t, pen, 1).status()).isEqualTo(200);
      tokens.add(t);
    }
    var pool = java.util.concurrent.Executors.newFixedThreadPool(buyers);
    try {
      List<java.util.concurrent.Future<Integer>> results = new ArrayList<>();
      for (String t : tokens) {
        results.add(pool.submit(() -> buy(t, "race").status()));
      }
      int created = 0;
      int conflicts = 0;
      for (var f : results) {
        int status = f.get(30, java.util.concurrent.TimeUnit.SECONDS);
        if (status == 201) {
          created++;
        } else if (status == 409) {
          conflicts++;
        }
      }
      assertThat(created).isEqualTo(3);
      assertThat(conflicts).isEqualTo(3);
      assertThat(stock(pen)).isZero();
      assertThat(payments.charges()).hasSize(3);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void everyEndpointRejectsMissingOrForgedTokensAndUnreadableBodies() {
    String token = buyer("nia");
    String[][] authed = {{"GET", "/cart"}, {"POST", "/cart/items"}, {"POST", "/cart/removals"},
        {"DELETE", "/cart"}, {"POST", "/cart/save"}, {"POST", "/purchases"},
        {"GET", "/purchases"}, {"POST", "/feedback"}};
    for (String[] r : authed) {
      assertProblem(http.send(r[0], r[1], null), 401);
      assertProblem(http.send(r[0], r[1], null, bearer("forged")), 401);
    }
    String[] bodies = {"/buyers", "/sessions", "/cart/items", "/cart/removals", "/purchases",
        "/feedback"};
    for (String path : bodies) {
      assertProblem(http.send("POST", path, "{", bearer(token)), 400);
      assertProblem(http.send("POST", path, "", bearer(token)), 400);
      assertProblem(http.send("POST", path, "{}", "Content-Type", "text/plain",
          "Authorization", "Bearer " + token), 415);
      assertProblem(http.send("POST", path, "{\"x\":\"" + "y".repeat(70_000) + "\"}",
          bearer(token)), 413);
      assertProblem(http.send("POST", path, "{\"unexpected\":1}", bearer(token)), 400,
          "unexpected");
    }
    assertProblem(http.send("PUT", "/cart", "{}", bearer(token)), 405);
    assertProblem(http.send("GET", "/nowhere", null), 404);
  }
}
