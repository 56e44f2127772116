package dev.marketplace.buyerclient;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.marketplace.cli.CliHarness;
import dev.marketplace.cli.CliHarness.Result;
import dev.marketplace.cli.ClientTestBase;
import dev.marketplace.cli.Json;
import dev.marketplace.cli.SessionStore;
import dev.marketplace.cli.StubServer;
import dev.marketplace.cli.StubServer.Recorded;
import dev.marketplace.cli.StubServer.Reply;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BuyerClientTest extends ClientTestBase {
  static final String ITEM = "{\"id\":\"3-17\",\"name\":\"Desk lamp\",\"category\":3,"
      + "\"keywords\":[\"desk\",\"light\"],\"condition\":\"NEW\",\"price\":\"19.90\","
      + "\"quantity\":5,\"sellerId\":\"s1\",\"thumbsUp\":2,\"thumbsDown\":0}";
  static final String CART = "{\"items\":[{\"itemId\":\"3-17\",\"name\":\"Desk lamp\","
      + "\"quantity\":2,\"unitPrice\":\"19.90\",\"lineTotal\":\"39.80\"},{\"itemId\":\"1-2\","
      + "\"name\":\"Pen\",\"quantity\":10,\"unitPrice\":\"1.50\",\"lineTotal\":\"15.00\"}],"
      + "\"total\":\"54.80\"}";
  static final String PURCHASE = "{\"id\":\"p7\",\"items\":[{\"itemId\":\"3-17\",\"name\":"
      + "\"Desk lamp\",\"quantity\":2,\"unitPrice\":\"19.90\",\"lineTotal\":\"39.80\"}],"
      + "\"total\":\"39.80\",\"purchasedAt\":\"2026-11-25T12:00:00Z\"}";

  @Override
  protected Path sessionFileIn(Path dir) {
    return dir.resolve("buyer-session");
  }

  @Override
  protected CliHarness cli(String serverList) {
    return new CliHarness(BuyerClientMain::run, Map.of("BUYER_SERVERS", serverList,
        "BUYER_SESSION_FILE", sessionFile.toString()));
  }

  void loggedIn() throws Exception {
    new SessionStore(sessionFile).save(new SessionStore.Session("buyer", "btok", "b1", 300));
  }

  static JsonNode json(String s) {
    return Json.parseOrNull(s);
  }

  @Test
  void accountAndLoginUseTheBuyerPathsAndStoreABuyerSession() throws Exception {
    routes.put("POST /buyers", Reply.json(201,
        "{\"id\":\"b1\",\"username\":\"bob\",\"name\":\"Bob\"}"));
    routes.put("POST /sessions", Reply.json(201,
        "{\"token\":\"btok\",\"buyerId\":\"b1\",\"expiresInSeconds\":300}"));
    assertThat(run("create-account", "--username", "bob", "--password", "secret1", "--name",
        "Bob").exitCode()).isZero();
    Result login = run("login", "--username", "bob", "--password", "secret1");
    assertThat(login.exitCode()).as(login.toString()).isZero();
    assertThat(login.out()).contains("buyer id b1");
    assertThat(server.requests()).extracting(Recorded::path)
        .containsExactly("/buyers", "/sessions");
    assertThat(new SessionStore(sessionFile).load("buyer").orElseThrow().token())
        .isEqualTo("btok");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(sessionFile)))
        .isEqualTo("rw-------");
    routes.put("DELETE /sessions/current", Reply.empty(204));
    assertThat(run("logout").exitCode()).isZero();
    assertThat(Files.exists(sessionFile)).isFalse();
  }

  @Test
  void searchBuildsTheQueryAndWorksWithOrWithoutASession() throws Exception {
    routes.put("GET /items?category=3&keywords=desk,lamp", Reply.json(200, "[" + ITEM + "]"));
    routes.put("GET /items?category=4", Reply.json(200, "[]"));
    Result found = run("search", "--category", "3", "--keywords", "desk,lamp");
    assertThat(found.exitCode()).as(found.toString()).isZero();
    assertThat(found.out()).contains("3-17  Desk lamp");
    assertThat(server.requests().get(0).header("Authorization")).isNull();
    loggedIn();
    Result none = run("search", "--category", "4");
    assertThat(none.out()).contains("No items found.");
    assertThat(server.requests().get(1).header("Authorization")).isEqualTo("Bearer btok");
  }

  @Test
  void itemShowsOneItem() {
    routes.put("GET /items/3-17", Reply.json(200, ITEM));
    Result r = run("item", "3-17");
    assertThat(r.exitCode()).isZero();
    assertThat(r.out()).contains("3-17  Desk lamp    3  NEW   19.90    5  desk,light  s1");
    Result json = run("item", "3-17", "--json");
    assertThat(json.out().strip()).isEqualTo(ITEM);
    routes.put("GET /items/9-1", Reply.problem(404, "Not Found", "no item 9-1"));
    Result missing = run("item", "9-1");
    assertThat(missing.exitCode()).isEqualTo(5);
    assertThat(missing.err()).contains("Not Found (HTTP 404): no item 9-1");
  }

  @Test
  void cartCommandsSendTheirRequestsAndShowTheCart() throws Exception {
    loggedIn();
    routes.put("GET /cart", Reply.json(200, CART));
    routes.put("POST /cart/items", Reply.json(200, CART));
    routes.put("POST /cart/removals", Reply.json(200, CART));
    routes.put("DELETE /cart", Reply.empty(204));
    routes.put("POST /cart/save", Reply.empty(204));
    Result cart = run("cart");
    String nl = System.lineSeparator();
    assertThat(cart.out()).isEqualTo(
        "ITEM  NAME       QTY  UNIT PRICE  LINE TOTAL" + nl
        + "----  ---------  ---  ----------  ----------" + nl
        + "3-17  Desk lamp    2       19.90       39.80" + nl
        + "1-2   Pen         10        1.50       15.00" + nl
        + "Total: 54.80" + nl);
    assertThat(run("cart-add", "3-17", "2").exitCode()).isZero();
    assertThat(run("cart-add", "1-2").exitCode()).isZero();
    assertThat(run("cart-remove", "3-17").exitCode()).isZero();
    Result cleared = run("cart-clear");
    assertThat(cleared.out()).contains("The cart is now empty.");
    Result saved = run("cart-save");
    assertThat(saved.out()).contains("Cart saved.");
    List<Recorded> reqs = server.requests();
    assertThat(reqs).extracting(q -> q.method() + " " + q.path()).containsExactly(
        "GET /cart", "POST /cart/items", "POST /cart/items", "POST /cart/removals",
        "DELETE /cart", "POST /cart/save");
    assertThat(body(reqs.get(1))).isEqualTo(json("{\"itemId\":\"3-17\",\"quantity\":2}"));
    assertThat(body(reqs.get(2))).isEqualTo(json("{\"itemId\":\"1-2\",\"quantity\":1}"));
    assertThat(body(reqs.get(3))).isEqualTo(json("{\"itemId\":\"3-17\",\"quantity\":1}"));
    assertThat(reqs).allMatch(q -> "Bearer btok".equals(q.header("Authorization")));
    assertThat(reqs.subList(1, 6)).allMatch(q -> q.header("Idempotency-Key") != null);
    routes.put("POST /cart/items", Reply.problem(409, "Conflict", "only 5 in stock"));
    assertThat(run("cart-add", "3-17", "99").exitCode()).isEqualTo(6);
  }

  @Test
  void purchaseWithOptionsSendsTheCardAndShowsTheReceipt() throws Exception {
    loggedIn();
    routes.put("POST /purchases", Reply.json(201, PURCHASE));
    Result r = run("purchase", "--name", "Bob Brown", "--card", "4111111111111111",
        "--expiration", "12/29", "--security-code", "123");
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(body(server.only())).isEqualTo(json("{\"name\":\"Bob Brown\","
        + "\"cardNumber\":\"4111111111111111\",\"expiration\":\"12/29\","
        + "\"securityCode\":\"123\"}"));
    assertThat(server.only().header("Idempotency-Key")).matches("[A-Za-z0-9_-]{32}");
    assertThat(r.out()).contains("Purchase p7 approved at 2026-11-25T12:00:00Z.")
        .contains("3-17  Desk lamp    2       19.90       39.80").contains("Total: 39.80");
  }

  @Test
  void purchaseAsksForMissingCardDataAndMayOmitTheSecurityCode() throws Exception {
    loggedIn();
    routes.put("POST /purchases", Reply.json(201, PURCHASE));
    Result r = cli(server.hostPort()).runWithInput("Bob Brown\n4111111111111111\n12/29\n\n",
        "purchase");
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(body(server.only())).isEqualTo(json("{\"name\":\"Bob Brown\","
        + "\"cardNumber\":\"4111111111111111\",\"expiration\":\"12/29\"}"));
    assertThat(r.err()).contains("Card number: ").contains("Security code");
    Result eof = cli(server.hostPort()).runWithInput("", "purchase");
    assertThat(eof.exitCode()).isEqualTo(2);
    assertThat(eof.err()).contains("--name is required");
    assertThat(server.requests()).hasSize(1);
  }

  @Test
  void declinedPaymentIsExitCode7() throws Exception {
    loggedIn();
    routes.put("POST /purchases", Reply.problem(402, "Payment declined",
        "the card was declined"));
    Result r = run("purchase", "--name", "B", "--card", "4000", "--expiration", "01/30");
    assertThat(r.exitCode()).isEqualTo(7);
    assertThat(r.err()).contains("Payment declined (HTTP 402): the card was declined");
    assertThat(body(server.only()).has("securityCode")).isFalse();
  }

  @Test
  void aPurchaseInterruptedByADyingServerIsRetriedWithTheSameKey() throws Exception {
    loggedIn();
    StubServer dying = StubServer.start(r -> Reply.drop());
    servers.add(dying);
    routes.put("POST /purchases", Reply.json(201, PURCHASE));
    Result r = cli(dying.hostPort() + "," + server.hostPort()).run("purchase", "--name", "B",
        "--card", "4111", "--expiration", "01/30", "--security-code", "999");
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(server.only().header("Idempotency-Key"))
        .isEqualTo(dying.only().header("Idempotency-Key"));
    assertThat(server.only().body()).isEqualTo(dying.only().body());
  }

  @Test
  void purchasesFeedbackAndSellerRating() throws Exception {
    loggedIn();
    routes.put("GET /purchases", Reply.json(200, "[" + PURCHASE + "]"));
    routes.put("POST /feedback", Reply.empty(204));
    routes.put("GET /sellers/s1/rating", Reply.json(200, "{\"thumbsUp\":3,\"thumbsDown\":4}"));
    Result list = run("purchases");
    assertThat(list.out()).contains("ID  PURCHASED AT          ITEMS    TOTAL")
        .contains("p7  2026-11-25T12:00:00Z  3-17 x2  39.80");
    Result fb = run("feedback", "3-17", "down");
    assertThat(fb.exitCode()).isZero();
    assertThat(fb.out()).contains("Feedback recorded: down for 3-17.");
    Recorded fbReq = server.requests().get(1);
    assertThat(body(fbReq)).isEqualTo(json("{\"itemId\":\"3-17\",\"vote\":\"DOWN\"}"));
    assertThat(fbReq.header("Idempotency-Key")).isNotNull();
    Result rating = run("seller-rating", "s1");
    assertThat(rating.out()).contains("THUMBS UP  THUMBS DOWN");
    assertThat(run("feedback", "3-17", "sideways").exitCode()).isEqualTo(2);
    routes.put("POST /feedback", Reply.problem(409, "Conflict", "feedback already given"));
    assertThat(run("feedback", "3-17", "up").exitCode()).isEqualTo(6);
  }

  @Test
  void everyCommandHasHelpWithExamples() {
    for (String cmd : new String[] {"create-account", "login", "logout", "search", "item",
        "cart", "cart-add", "cart-remove", "cart-clear", "cart-save", "purchase", "purchases",
        "feedback", "seller-rating", "shell"}) {
      Result r = run(cmd, "--help");
      assertThat(r.exitCode()).as(cmd).isZero();
      assertThat(r.out()).as(cmd).contains("Usage: buyer-client " + cmd).contains("Examples:");
    }
    assertThat(server.requests()).isEmpty();
  }

  @Test
  void shellDrivenByPipedInputRunsTypedAndMenuCommands() throws Exception {
    routes.put("POST /sessions", Reply.json(201,
        "{\"token\":\"btok\",\"buyerId\":\"b1\",\"expiresInSeconds\":300}"));
    routes.put("GET /items?category=3", Reply.json(200, "[" + ITEM + "]"));
    routes.put("POST /cart/items", Reply.json(200, CART));
    routes.put("POST /purchases", Reply.json(201, PURCHASE));
    String input = String.join("\n",
        "login --username bob --password secret1",
        "4",            // menu: search -> asks category, keywords
        "3",
        "",
        "cart-add 3-17 2",
        "purchase --name 'Bob Brown' --expiration 12/29",
        "4111111111111111",
        "123",
        "item 9-9",     // 404: error shown, shell goes on
        "quit",
        "");
    Result r = cli(server.hostPort()).runWithInput(input);
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(5);
    assertThat(r.out()).contains("Marketplace - buyer menu").contains("  4) search")
        .contains("Logged in as bob").contains("category").contains("3-17  Desk lamp")
        .contains("Purchase p7 approved");
    assertThat(r.err()).contains("no route /items/9-9");
    assertThat(server.requests()).extracting(q -> q.method() + " " + q.path()).containsExactly(
        "POST /sessions", "GET /items?category=3", "POST /cart/items", "POST /purchases",
        "GET /items/9-9");
    assertThat(body(server.requests().get(3)).get("securityCode").asText()).isEqualTo("123");
    // one API client for the whole shell: every write got its own key
    assertThat(server.requests().stream().map(q -> q.header("Idempotency-Key"))
        .filter(k -> k != null).distinct()).hasSize(3);
  }
}
