package dev.marketplace.sellerserver;

import static dev.marketplace.rest.testing.HttpTestClient.bearer;
import static dev.marketplace.rest.testing.ProblemAssert.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.marketplace.proto.Role;
import dev.marketplace.proto.customer.CreateAccountRequest;
import dev.marketplace.proto.customer.LoginRequest;
import dev.marketplace.rest.RestServer;
import dev.marketplace.rest.testing.FakeDbs;
import dev.marketplace.rest.testing.HttpTestClient;
import dev.marketplace.rest.testing.HttpTestClient.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every seller endpoint over real HTTP against in-process fake databases (two replicas each). */
class SellerApiTest {
  private FakeDbs dbs;
  private RestServer server;
  private HttpTestClient http;

  @BeforeEach
  void start() {
    dbs = FakeDbs.start(2);
    server = SellerServer.start("127.0.0.1", 0, 65536, dbs.customers, dbs.products);
    http = new HttpTestClient(server.port());
  }

  @AfterEach
  void stop() {
    server.close();
    dbs.close();
  }

  private String signUpAndLogin(String username) {
    Response c = http.send("POST", "/sellers",
        "{\"username\":\"" + username + "\",\"password\":\"secret1\",\"name\":\"N\"}");
    assertThat(c.status()).isEqualTo(201);
    Response s = http.send("POST", "/sessions",
        "{\"username\":\"" + username + "\",\"password\":\"secret1\"}");
    assertThat(s.status()).isEqualTo(201);
    return s.json().get("token").asText();
  }

  private static final String LAMP = "{\"name\":\"Lamp\",\"category\":3,\"keywords\":[\"light\","
      + "\"desk\"],\"condition\":\"NEW\",\"price\":\"19.99\",\"quantity\":5}";

  private JsonNode createLamp(String token) {
    Response r = http.send("POST", "/items", LAMP, bearer(token));
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    return r.json();
  }

  @Test
  void signUpLoginRatingLogout() {
    Response c = http.send("POST", "/sellers",
        "{\"username\":\"alice\",\"password\":\"secret1\",\"name\":\"Alice Ü\"}");
    assertThat(c.status()).isEqualTo(201);
    assertThat(c.json().get("id").asLong()).isPositive();
    assertThat(c.json().get("username").asText()).isEqualTo("alice");
    assertThat(c.json().get("name").asText()).isEqualTo("Alice Ü");
    assertThat(c.json().has("password")).isFalse();

    Response s = http.send("POST", "/sessions",
        "{\"username\":\"alice\",\"password\":\"secret1\"}");
    assertThat(s.status()).isEqualTo(201);
    assertThat(s.json().get("sellerId").asLong()).isEqualTo(c.json().get("id").asLong());
    assertThat(s.json().get("expiresInSeconds").asLong()).isPositive();
    String token = s.json().get("token").asText();

    Response rating = http.send("GET", "/me/rating", null, bearer(token));
    assertThat(rating.status()).isEqualTo(200);
    assertThat(rating.json().get("thumbsUp").asLong()).isZero();
    assertThat(rating.json().get("thumbsDown").asLong()).isZero();

    assertThat(http.send("DELETE", "/sessions/current", null, bearer(token)).status())
        .isEqualTo(204);
    assertProblem(http.send("GET", "/me/rating", null, bearer(token)), 401);
  }

  @Test
  void accountInputIsValidated() {
    assertProblem(http.send("POST", "/sellers", "{}"), 400, "username", "password", "name");
    assertProblem(http.send("POST", "/sellers",
        "{\"username\":\"\",\"password\":\"short\",\"name\":\"" + "x".repeat(33) + "\"}"),
        400, "username", "password", "name");
    assertProblem(http.send("POST", "/sellers",
        "{\"username\":5,\"password\":[],\"name\":null}"), 400, "username", "password", "name");
    assertProblem(http.send("POST", "/sellers",
        "{\"username\":\"a\",\"password\":\"secret1\",\"name\":\"n\",\"admin\":true}"),
        400, "admin");
    assertProblem(http.send("POST", "/sellers", "[\"a\"]"), 400);
    assertProblem(http.send("POST", "/sellers", "not json"), 400);
    assertProblem(http.send("POST", "/sellers", null), 415);
    // SQL metacharacters and unicode are data, not code
    Response sql = http.send("POST", "/sellers",
        "{\"username\":\"x'; DROP TABLE s;--\",\"password\":\"secret1\",\"name\":\"日本語\"}");
    assertThat(sql.status()).isEqualTo(201);
    assertThat(sql.json().get("username").asText()).isEqualTo("x'; DROP TABLE s;--");
  }

  @Test
  void duplicateUsernameIs409AndWrongPasswordIs401() {
    signUpAndLogin("bob");
    assertProblem(http.send("POST", "/sellers",
        "{\"username\":\"bob\",\"password\":\"secret1\",\"name\":\"N\"}"), 409);
    assertProblem(http.send("POST", "/sessions",
        "{\"username\":\"bob\",\"password\":\"wrong!!\"}"), 401);
    assertProblem(http.send("POST", "/sessions",
        "{\"username\":\"nobody\",\"password\":\"secret1\"}"), 401);
    assertProblem(http.send("POST", "/sessions", "{\"username\":\"bob\"}"), 400, "password");
  }

  @Test
  void tokensAreChecked() {
    String token = signUpAndLogin("carol");
    assertProblem(http.send("GET", "/items", null), 401);
    assertProblem(http.send("GET", "/items", null, "Authorization", "Basic abc"), 401);
    assertProblem(http.send("GET", "/items", null, bearer("forged-token")), 401);
    assertProblem(http.send("GET", "/items", null, bearer("bad token with spaces")), 401);
    Response r = http.send("GET", "/items", null, bearer("x"));
    assertThat(r.header("WWW-Authenticate")).isEqualTo("Bearer");
    dbs.customerReplicas.get(0).state().expire(token);
    assertProblem(http.send("GET", "/items", null, bearer(token)), 401);
    // a buyer's token is not a seller session
    dbs.customers.call("CreateBuyer", s -> s.createBuyer(CreateAccountRequest.newBuilder()
        .setUsername("dan").setPassword("secret1").setName("D").build()));
    String buyerToken = dbs.customers.call("Login", s -> s.login(LoginRequest.newBuilder()
        .setRole(Role.BUYER).setUsername("dan").setPassword("secret1").build())).getToken();
    assertProblem(http.send("GET", "/items", null, bearer(buyerToken)), 401);
  }

  @Test
  void itemLifecycle() {
    String token = signUpAndLogin("erin");
    JsonNode item = createLamp(token);
    assertThat(item.get("id").asText()).isEqualTo("3-1");
    assertThat(item.get("name").asText()).isEqualTo("Lamp");
    assertThat(item.get("category").asInt()).isEqualTo(3);
    assertThat(item.get("keywords")).hasSize(2);
    assertThat(item.get("condition").asText()).isEqualTo("NEW");
    assertThat(item.get("price").isTextual()).isTrue();
    assertThat(item.get("price").asText()).isEqualTo("19.99");
    assertThat(item.get("quantity").asLong()).isEqualTo(5);
    assertThat(item.get("thumbsUp").asLong()).isZero();
    assertThat(item.get("thumbsDown").asLong()).isZero();
    assertThat(item.get("sellerId").asLong()).isPositive();

    Response list = http.send("GET", "/items", null, bearer(token));
    assertThat(list.status()).isEqualTo(200);
    assertThat(list.json()).hasSize(1);

    Response price = http.send("PUT", "/items/3-1/price", "{\"price\":\"5\"}", bearer(token));
    assertThat(price.status()).isEqualTo(200);
    assertThat(price.json().get("price").asText()).isEqualTo("5.00");

    Response qty = http.send("PUT", "/items/3-1/quantity", "{\"quantity\":7}", bearer(token));
    assertThat(qty.status()).isEqualTo(200);
    assertThat(qty.json().get("quantity").asLong()).isEqualTo(7);

    Response rm = http.send("POST", "/items/3-1/removals", "{\"quantity\":2}", bearer(token));
    assertThat(rm.status()).isEqualTo(200);
    assertThat(rm.json().get("quantity").asLong()).isEqualTo(5);
    assertProblem(http.send("POST", "/items/3-1/removals", "{\"quantity\":6}", bearer(token)),
        409);
    assertThat(http.send("PUT", "/items/3-1/quantity", "{\"quantity\":0}", bearer(token))
        .json().get("quantity").asLong()).isZero();
  }

  @Test
  void itemInputIsValidated() {
    String token = signUpAndLogin("fay");
    String[][] cases = {
        {"{\"name\":\"\",\"category\":3,\"condition\":\"NEW\",\"price\":\"1\",\"quantity\":1}",
            "name"},
        {"{\"name\":\"" + "n".repeat(33) + "\",\"category\":3,\"condition\":\"NEW\","
            + "\"price\":\"1\",\"quantity\":1}", "name"},
        {"{\"name\":\"a\",\"category\":10,\"condition\":\"NEW\",\"price\":\"1\",\"quantity\":1}",
            "category"},
        {"{\"name\":\"a\",\"category\":-1,\"condition\":\"NEW\",\"price\":\"1\",\"quantity\":1}",
            "category"},
        {"{\"name\":\"a\",\"category\":\"3\",\"condition\":\"NEW\",\"price\":\"1\","
            + "\"quantity\":1}", "category"},
        {"{\"name\":\"a\",\"category\":3,\"condition\":\"BROKEN\",\"price\":\"1\","
            + "\"quantity\":1}", "condition"},
        {"{\"name\":\"a\",\"category\":3,\"condition\":\"NEW\",\"price\":19.99,\"quantity\":1}",
            "price"},
        {"{\"name\":\"a\",\"category\":3,\"condition\":\"NEW\",\"price\":\"0.00\","
            + "\"quantity\":1}", "price"},
        {"{\"name\":\"a\",\"category\":3,\"condition\":\"NEW\",\"price\":\"-1\",\"quantity\":1}",
            "price"},
        {"{\"name\":\"a\",\"category\":3,\"condition\":\"NEW\",\"price\":\"1.999\","
            + "\"quantity\":1}", "price"},
        {"{\"name\":\"a\",\"category\":3,\"condition\":\"NEW\",\"price\":\"1000000.01\","
            + "\"quantity\":1}", "price"},
        {"{\"name\":\"a\",\"category\":3,\"condition\":\"NEW\",\"price\":\"1\",\"quantity\":-1}",
            "quantity"},
        {"{\"name\":\"a\",\"category\":3,\"condition\":\"NEW\",\"price\":\"1\",\"quantity\":1.5}",
            "quantity"},
        {"{\"name\":\"a\",\"category\":3,\"condition\":\"NEW\",\"price\":\"1\","
            + "\"quantity\":100000000000000000000}", "quantity"},
        {"{\"name\":\"a\",\"category\":3,\"condition\":\"NEW\",\"price\":\"1\",\"quantity\":1,"
            + "\"keywords\":[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\"]}", "keywords"},
        {"{\"name\":\"a\",\"category\":3,\"condition\":\"NEW\",\"price\":\"1\",\"quantity\":1,"
            + "\"keywords\":[\"waytoolong\"]}", "keywords[0]"},
        {"{\"name\":\"a\",\"category\":3,\"condition\":\"NEW\",\"price\":\"1\",\"quantity\":1,"
            + "\"keywords\":[\"\"]}", "keywords[0]"},
    };
    for (String[] c : cases) {
      assertProblem(http.send("POST", "/items", c[0], bearer(token)), 400, c[1]);
    }
    assertThat(http.send("GET", "/items", null, bearer(token)).json()).isEmpty();
  }

  @Test
  void otherSellersItemsAndUnknownIds() {
    String owner = signUpAndLogin("gus");
    String other = signUpAndLogin("hal");
    createLamp(owner);
    assertProblem(http.send("PUT", "/items/3-1/price", "{\"price\":\"1.00\"}", bearer(other)),
        403);
    assertProblem(http.send("PUT", "/items/3-1/quantity", "{\"quantity\":1}", bearer(other)),
        403);
    assertProblem(http.send("POST", "/items/3-1/removals", "{\"quantity\":1}", bearer(other)),
        403);
    assertProblem(http.send("PUT", "/items/3-99/price", "{\"price\":\"1.00\"}", bearer(owner)),
        404);
    for (String bad : new String[] {"abc", "3-0", "10-1", "3-01", "-3-1",
        "3-99999999999999999999", "3-1%27%20OR%201=1"}) {
      assertProblem(http.send("PUT", "/items/" + bad + "/price", "{\"price\":\"1.00\"}",
          bearer(owner)), 400, "itemId");
    }
    assertProblem(http.send("PUT", "/items/3-1/quantity", "{\"quantity\":-5}", bearer(owner)),
        400, "quantity");
    assertProblem(http.send("POST", "/items/3-1/removals", "{\"quantity\":0}", bearer(owner)),
        400, "quantity");
    assertProblem(http.send("PUT", "/items/3-1/price", "{}", bearer(owner)), 400, "price");
  }

  @Test
  void idempotencyKeyReplaysTheSameWrite() {
    String token = signUpAndLogin("ivy");
    Response a = http.send("POST", "/items", LAMP, "Idempotency-Key", "create-1",
        "Authorization", "Bearer " + token);
    Response b = http.send("POST", "/items", LAMP, "Idempotency-Key", "create-1",
        "Authorization", "Bearer " + token);
    assertThat(a.status()).isEqualTo(201);
    assertThat(b.status()).isEqualTo(201);
    assertThat(b.json().get("id")).isEqualTo(a.json().get("id"));
    assertThat(http.send("GET", "/items", null, bearer(token)).json()).hasSize(1);
    // same key, different body: a different operation
    Response c = http.send("POST", "/items", LAMP.replace("Lamp", "Desk"), "Idempotency-Key",
        "create-1", "Authorization", "Bearer " + token);
    assertThat(c.json().get("id").asText()).isNotEqualTo(a.json().get("id").asText());
    assertProblem(http.send("POST", "/items", LAMP, "Idempotency-Key", "bad key!",
        "Authorization", "Bearer " + token), 400, "Idempotency-Key");
    assertProblem(http.send("POST", "/items", LAMP, "Idempotency-Key", "k".repeat(65),
        "Authorization", "Bearer " + token), 400, "Idempotency-Key");
  }

  @Test
  void databaseDownIs503AndOneReplicaDownFailsOver() {
    String token = signUpAndLogin("jay");
    dbs.customerReplicas.get(0).setDown(true);
    dbs.productReplicas.get(0).setDown(true);
    assertThat(http.send("POST", "/items", LAMP, bearer(token)).status()).isEqualTo(201);
    assertThat(dbs.productReplicas.get(1).calls()).isPositive();
    dbs.setAllDown(true);
    Response r = http.send("GET", "/items", null, bearer(token));
    assertProblem(r, 503);
    assertThat(r.header("Retry-After")).isEqualTo("1");
    assertProblem(http.send("POST", "/sellers",
        "{\"username\":\"z\",\"password\":\"secret1\",\"name\":\"N\"}"), 503);
  }

  @Test
  void everyEndpointRejectsMissingOrForgedTokensAndUnreadableBodies() {
    String token = signUpAndLogin("kai");
    createLamp(token);
    String[][] authed = {{"GET", "/me/rating"}, {"POST", "/items"}, {"GET", "/items"},
        {"PUT", "/items/3-1/price"}, {"PUT", "/items/3-1/quantity"},
        {"POST", "/items/3-1/removals"}, {"DELETE", "/sessions/current"}};
    for (String[] r : authed) {
      assertProblem(http.send(r[0], r[1], null), 401);
      if (!r[1].equals("/sessions/current")) {
        assertProblem(http.send(r[0], r[1], null, bearer("forged")), 401);
      }
    }
    String[][] bodies = {{"POST", "/sellers"}, {"POST", "/sessions"}, {"POST", "/items"},
        {"PUT", "/items/3-1/price"}, {"PUT", "/items/3-1/quantity"},
        {"POST", "/items/3-1/removals"}};
    for (String[] r : bodies) {
      assertProblem(http.send(r[0], r[1], "{", bearer(token)), 400);
      assertProblem(http.send(r[0], r[1], "", bearer(token)), 400);
      assertProblem(http.send(r[0], r[1], "{}", "Content-Type", "text/plain",
          "Authorization", "Bearer " + token), 415);
      assertProblem(http.send(r[0], r[1], "{\"x\":\"" + "y".repeat(70_000) + "\"}",
          bearer(token)), 413);
      assertProblem(http.send(r[0], r[1], "{\"unexpected\":1}", bearer(token)), 400,
          "unexpected");
    }
    assertProblem(http.send("PATCH", "/items", "{}", bearer(token)), 405);
  }
}
