package dev.marketplace.e2e;

import static dev.marketplace.e2e.Api.json;
import static dev.marketplace.e2e.Api.obj;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.util.RawValue;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Bad input of every kind against the REAL seller and buyer servers (API.md), one data table per
 * endpoint. Each case asserts the documented 4xx status, an {@code application/problem+json} body
 * with type/title/status/detail (and {@code errors[]} naming the field for validation failures),
 * never a 500. Each endpoint's group is bracketed by a snapshot of all observable state (both
 * sellers' items and ratings, the buyer's cart and purchases, search results of every category)
 * that must be identical afterwards. The positive tests check that what the rules allow (unicode,
 * SQL metacharacters, LIKE wildcards) is accepted and stored literally. Runs on the
 * {@link SharedCluster}; not thread-safe (JUnit runs it on one thread).
 */
@ExtendWith(SharedCluster.class)
class BadInputEndToEndTest {
  private static final String SFX = Long.toString(System.nanoTime() % 1_000_000_000L, 36);
  private static final Object REMOVE = new Object();
  private static final RawValue TWO_POW_63 = new RawValue("9223372036854775808");
  private static final String UNKNOWN_ITEM = "7-999999999";

  private static Api seller;
  private static Api buyer;
  private static String sellerToken;
  private static String otherSellerToken;
  private static String buyerToken;
  private static String loggedOutSeller;
  private static String loggedOutBuyer;
  private static long sellerId;
  private static String item;       // the seller's, 5 units listed; 1 bought, 1 in the cart
  private static String otherItem;  // the other seller's, never bought
  private static String ghostSeller; // usernames the bad account requests try to create
  private static String ghostBuyer;

  @BeforeAll
  static void setUp(ClusterFixture cluster) {
    seller = new Api(cluster.sellers.get(0));
    buyer = new Api(cluster.buyers.get(0));
    for (Object hp : List.of(cluster.sellers.get(0), cluster.sellers.get(1), cluster.buyers.get(0),
        cluster.buyers.get(1))) {
      new Api(hp).awaitHealthy();
    }
    ghostSeller = "ghost-s-" + SFX;
    ghostBuyer = "ghost-b-" + SFX;
    sellerToken = account(seller, "/sellers", "bad-s1-" + SFX);
    otherSellerToken = account(seller, "/sellers", "bad-s2-" + SFX);
    loggedOutSeller = login(seller, "bad-s1-" + SFX);
    assertThat(seller.delete("/sessions/current", loggedOutSeller).status()).isEqualTo(204);
    Api.Resp again = seller.post("/sessions", null,
        obj("username", "bad-s1-" + SFX, "password", "secret1"));
    sellerId = again.json().get("sellerId").asLong();
    item = created(seller.post("/items", sellerToken, itemBody()));
    otherItem = created(seller.post("/items", otherSellerToken, itemBody()));
    buyerToken = account(buyer, "/buyers", "bad-b1-" + SFX);
    loggedOutBuyer = login(buyer, "bad-b1-" + SFX);
    assertThat(buyer.delete("/sessions/current", loggedOutBuyer).status()).isEqualTo(204);
    assertThat(buyer.post("/cart/items", buyerToken, obj("itemId", item, "quantity", 1)).status())
        .isEqualTo(200);
    Api.Resp bought = buyer.post("/purchases", buyerToken, card("12/35"));
    assertThat(bought.status()).as(bought.toString()).isEqualTo(201);
    assertThat(buyer.post("/cart/items", buyerToken, obj("itemId", item, "quantity", 1)).status())
        .isEqualTo(200);
  }

  private static String account(Api api, String path, String username) {
    Api.Resp r = api.post(path, null,
        obj("username", username, "password", "secret1", "name", "N"));
    assertThat(r.status()).as(r.toString()).isEqualTo(201);
    return login(api, username);
  }

  private static String login(Api api, String username) {
    Api.Resp r = api.post("/sessions", null, obj("username", username, "password", "secret1"));
    assertThat(r.status()).as(r.toString()).isEqualTo(201);
    return r.json().get("token").asText();
  }

  private static String created(Api.Resp r) {
    assertThat(r.status()).as(r.toString()).isEqualTo(201);
    return r.json().get("id").asText();
  }

  private static Map<String, Object> itemBody() {
    return obj("name", "Lamp", "category", 7, "keywords", List.of("lamp"), "condition", "NEW",
        "price", "9.99", "quantity", 5);
  }

  private static Map<String, Object> card(String expiration) {
    return obj("name", "Bad Input", "cardNumber", "4111111111111111", "expiration", expiration,
        "securityCode", "123");
  }

  /** {@code base} with {@code field} set to {@code value} ({@link #REMOVE}: without it). */
  private static String with(Map<String, Object> base, String field, Object value) {
    Map<String, Object> m = new LinkedHashMap<>(base);
    if (value == REMOVE) {
      m.remove(field);
    } else {
      m.put(field, value);
    }
    return json(m);
  }

  // ---------------------------------------------------------------- the data tables

  /** One bad request and what it must get: {@code field} names the errors[] entry, if any. */
  record Case(String name, boolean sellerServer, String method, String path, String token,
      String body, String contentType, Map<String, String> headers, int status, String field) {
    Api api() {
      return sellerServer ? seller : buyer;
    }
  }

  private final class Group {
    final String name;
    final boolean sellerServer;
    final List<Case> cases = new ArrayList<>();
    final List<Runnable> extraChecks = new ArrayList<>();

    Group(String name, boolean sellerServer) {
      this.name = name;
      this.sellerServer = sellerServer;
    }

    Group add(String caseName, String method, String path, String token, String body, int status,
        String field) {
      cases.add(new Case(caseName, sellerServer, method, path, token, body,
          body == null ? null : "application/json", Map.of(), status, field));
      return this;
    }

    Group raw(String caseName, String method, String path, String token, String body,
        String contentType, Map<String, String> headers, int status, String field) {
      cases.add(new Case(caseName, sellerServer, method, path, token, body, contentType, headers,
          status, field));
      return this;
    }

    /** Every kind of bad token on an endpoint that needs (or checks, when sent) one. */
    Group badTokens(String method, String path, String body, boolean tokenOptional) {
      return badTokens(method, path, body, tokenOptional, false);
    }

    /**
     * As above; {@code malformedOnly}: only the tokens that are not well-formed (logout of a
     * well-formed unknown token is a known bug: see {@link #logoutOfAnUnknownTokenIs401}).
     */
    Group badTokens(String method, String path, String body, boolean tokenOptional,
        boolean malformedOnly) {
      Map<String, String> tokens = new LinkedHashMap<>();
      if (!tokenOptional) {
        tokens.put("missing", null);
      }
      tokens.put("empty bearer", "RAW Bearer");
      tokens.put("basic scheme", "RAW Basic c2FtOnNlY3JldDE=");
      tokens.put("garbage", "!! not a token !!");
      tokens.put("forged", forged());
      tokens.put("300 chars", "a".repeat(300));
      tokens.put("sql", "' OR '1'='1");
      if (malformedOnly) {
        tokens.remove("forged");
        tokens.remove("300 chars");
      } else {
        tokens.put("logged out", sellerServer ? loggedOutSeller : loggedOutBuyer);
        tokens.put("wrong role", sellerServer ? buyerToken : sellerToken);
      }
      tokens.forEach((n, t) -> add("token " + n, method, path, t, body, 401, null));
      return this;
    }

    /** Bad Idempotency-Key headers on a write whose body and token are otherwise valid. */
    Group badKeys(String method, String path, String token, String body) {
      for (String key : List.of("", "has space", "a.b", "a/b", "k".repeat(65), "key!", "ä")) {
        String shown = key.length() > 10 ? key.length() + " chars" : "'" + key + "'";
        raw("Idempotency-Key " + shown, method, path, token, body,
            body == null ? null : "application/json", Map.of("Idempotency-Key", key), 400,
            "Idempotency-Key");
      }
      return this;
    }

    /** Malformed bodies of a JSON endpoint. */
    Group badJson(String method, String path, String token, String validBody) {
      add("malformed JSON", method, path, token, "{\"name\":", 400, null);
      add("empty body", method, path, token, "", 400, null);
      add("array body", method, path, token, "[]", 400, null);
      add("string body", method, path, token, "\"x\"", 400, null);
      add("null body", method, path, token, "null", 400, null);
      add("trailing data", method, path, token, validBody + " {}", 400, null);
      String dup = validBody.replaceFirst("\\{", "{\"" + firstField(validBody) + "\":1,");
      add("duplicate key", method, path, token, dup, 400, null);
      raw("text/plain body", method, path, token, validBody, "text/plain", Map.of(), 415, null);
      raw("latin-1 charset", method, path, token, validBody, "application/json; charset=ISO-8859-1",
          Map.of(), 415, null);
      add("unknown field", method, path, token,
          validBody.replaceFirst("\\{", "{\"color\":\"red\","), 400, "color");
      add("70 KB body", method, path, token,
          validBody.replaceFirst("\\{", "{\"pad\":\"" + "x".repeat(70_000) + "\","), 413, null);
      return this;
    }

    DynamicContainer build() {
      AtomicReference<Map<String, String>> before = new AtomicReference<>();
      List<DynamicNode> nodes = new ArrayList<>();
      nodes.add(dynamicTest("state before", () -> before.set(snapshot())));
      for (Case c : cases) {
        nodes.add(dynamicTest(c.name() + " -> " + c.status(), () -> check(c)));
      }
      nodes.add(dynamicTest("no state change", () -> {
        assertThat(snapshot()).isEqualTo(before.get());
        extraChecks.forEach(Runnable::run);
      }));
      return DynamicContainer.dynamicContainer(name + " (" + cases.size() + " cases)", nodes);
    }
  }

  private static String firstField(String jsonObject) {
    int q = jsonObject.indexOf('"');
    return jsonObject.substring(q + 1, jsonObject.indexOf('"', q + 1));
  }

  private static String forged() {
    byte[] b = new byte[32];
    new SecureRandom().nextBytes(b);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private static void check(Case c) {
    Api.Resp r = c.api().send(c.method(), c.path(), c.token(), c.body(), c.contentType(),
        c.headers());
    assertThat(r.status()).as("status of %s %s: %s", c.method(), c.path(), r).isNotEqualTo(500)
        .isEqualTo(c.status());
    assertThat(r.contentType()).as(r.toString()).startsWith("application/problem+json");
    JsonNode p = r.json();
    assertThat(p).as("problem body: " + r.body()).isNotNull();
    assertThat(p.path("type").isTextual()).as(r.body()).isTrue();
    assertThat(p.path("title").isTextual()).as(r.body()).isTrue();
    assertThat(p.path("detail").isTextual()).as(r.body()).isTrue();
    assertThat(p.path("status").asInt()).as(r.body()).isEqualTo(r.status());
    if (c.field() != null) {
      List<String> fields = new ArrayList<>();
      p.path("errors").forEach(e -> fields.add(e.path("field").asText()));
      assertThat(fields).as("errors[] names the field: " + r.body())
          .anyMatch(f -> f.equals(c.field()) || f.startsWith(c.field() + "["));
    }
    if (r.status() == 401) {
      assertThat(r.headers().get("www-authenticate")).as("WWW-Authenticate").startsWith("Bearer");
    }
  }

  /** Everything a client can observe of the accounts this class uses, as exact JSON texts. */
  private static Map<String, String> snapshot() {
    Map<String, String> s = new LinkedHashMap<>();
    s.put("seller items", ok(seller.get("/items", sellerToken)));
    s.put("other seller items", ok(seller.get("/items", otherSellerToken)));
    s.put("seller rating", ok(seller.get("/me/rating", sellerToken)));
    s.put("other seller rating", ok(seller.get("/me/rating", otherSellerToken)));
    s.put("cart", ok(buyer.get("/cart", buyerToken)));
    s.put("purchases", ok(buyer.get("/purchases", buyerToken)));
    s.put("seller rating (buyer view)", ok(buyer.get("/sellers/" + sellerId + "/rating", null)));
    s.put("item", ok(buyer.get("/items/" + item, null)));
    s.put("other item", ok(buyer.get("/items/" + otherItem, null)));
    for (int cat = 0; cat <= 9; cat++) {
      s.put("search " + cat, ok(buyer.get("/items?category=" + cat, null)));
    }
    s.put("search lamp", ok(buyer.get("/items?category=7&keywords=lamp", null)));
    return s;
  }

  private static String ok(Api.Resp r) {
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    return r.body();
  }

  private void noLogin(Group g, Api api, String username) {
    g.extraChecks.add(() -> assertThat(api.post("/sessions", null,
        obj("username", username, "password", "secret1")).status())
        .as("no account " + username + " was created").isEqualTo(401));
  }

  @TestFactory
  Stream<DynamicContainer> badInputIsRejectedWithoutStateChange() {
    List<Group> groups = new ArrayList<>();
    groups.addAll(sellerGroups());
    groups.addAll(buyerGroups());
    return groups.stream().map(Group::build);
  }

  private List<Group> sellerGroups() {
    List<Group> gs = new ArrayList<>();
    for (boolean sellerServer : List.of(true, false)) {
      Group r = new Group((sellerServer ? "seller" : "buyer") + " unknown routes and methods",
          sellerServer);
      r.add("unknown path", "GET", "/nope", null, null, 404, null);
      r.add("PATCH /items", "PATCH", "/items", null, "{}", 405, null);
      r.add("PUT /sessions", "PUT", "/sessions", null, "{}", 405, null);
      gs.add(r);
    }
    Map<String, Object> acct = obj("username", ghostSeller, "password", "secret1", "name", "Ghost");
    Group g = new Group("seller POST /sellers", true);
    accountCases(g, "/sellers", acct);
    g.add("username taken", "POST", "/sellers", null,
        json(obj("username", "bad-s1-" + SFX, "password", "secret9", "name", "X")), 409, null);
    noLogin(g, seller, ghostSeller);
    gs.add(g);

    g = new Group("seller POST /sessions", true);
    loginCases(g, "bad-s1-" + SFX, "bad-b1-" + SFX);
    gs.add(g);

    gs.add(new Group("seller DELETE /sessions/current", true)
        .badTokens("DELETE", "/sessions/current", null, false, true)
        .badKeys("DELETE", "/sessions/current", sellerToken, null));
    gs.add(new Group("seller GET /me/rating", true).badTokens("GET", "/me/rating", null, false));
    gs.add(new Group("seller GET /items", true).badTokens("GET", "/items", null, false));

    Map<String, Object> it = itemBody();
    g = new Group("seller POST /items", true);
    String p = "/items";
    String t = sellerToken;
    for (Object[] v : new Object[][] {
        {"name", REMOVE}, {"name", null}, {"name", ""}, {"name", "   "}, {"name", "n".repeat(33)},
        {"name", "🚀".repeat(33)}, {"name", 5}, {"name", List.of("a")}, {"name", "tab\there"},
        {"name", "nul\u0000"}, {"name", "new\nline"},
        {"category", REMOVE}, {"category", null}, {"category", -1}, {"category", 10},
        {"category", "3"}, {"category", 3.0}, {"category", new RawValue("3e0")},
        {"category", TWO_POW_63},
        {"keywords", "lamp"}, {"keywords", List.of("a", "b", "c", "d", "e", "f")},
        {"keywords", List.of("ninechars")}, {"keywords", List.of("")}, {"keywords", List.of("a,b")},
        {"keywords", List.of(1)}, {"keywords", new RawValue("[\"ok\",null]")},
        {"keywords", List.of(" ")}, {"keywords", obj("a", "b")},
        {"condition", REMOVE}, {"condition", null}, {"condition", "new"}, {"condition", "BROKEN"},
        {"condition", ""}, {"condition", 1},
        {"price", REMOVE}, {"price", null}, {"price", "0"}, {"price", "0.00"}, {"price", "-1"},
        {"price", "-0.01"}, {"price", "1000000.01"}, {"price", "1e3"}, {"price", "12.345"},
        {"price", 12.5}, {"price", 1000}, {"price", "abc"}, {"price", ""}, {"price", "NaN"},
        {"price", "Infinity"}, {"price", "0x10"}, {"price", " 1.00"}, {"price", "1,00"},
        {"price", "99999999999999999999.99"},
        {"quantity", REMOVE}, {"quantity", null}, {"quantity", -1}, {"quantity", TWO_POW_63},
        {"quantity", 1.5}, {"quantity", "5"}, {"quantity", new RawValue("1e3")},
        {"quantity", 1_000_000_001L}, {"quantity", 5.0}}) {
      String field = (String) v[0];
      g.add(field + " " + shown(v[1]), "POST", p, t, with(it, field, v[1]), 400, field);
    }
    g.badJson("POST", p, t, json(it)).badTokens("POST", p, json(it), false)
        .badKeys("POST", p, t, json(it));
    gs.add(g);

    g = new Group("seller PUT /items/{id}/price", true);
    Map<String, Object> price = obj("price", "5.00");
    for (Object v : new Object[] {REMOVE, null, "0", "0.00", "-1", "1000000.01", "1e3", "12.345",
        12.5, 5, "abc", "", "Infinity"}) {
      g.add("price " + shown(v), "PUT", "/items/" + item + "/price", t, with(price, "price", v),
          400, "price");
    }
    itemIdCases(g, "PUT", "/items/%s/price", t, json(price));
    g.badJson("PUT", "/items/" + item + "/price", t, json(price))
        .badTokens("PUT", "/items/" + item + "/price", json(price), false)
        .badKeys("PUT", "/items/" + item + "/price", t, json(price));
    gs.add(g);

    g = new Group("seller PUT /items/{id}/quantity", true);
    Map<String, Object> qty = obj("quantity", 2);
    for (Object v : new Object[] {REMOVE, null, -1, TWO_POW_63, 1.5, "5", new RawValue("1e3"),
        1_000_000_001L}) {
      g.add("quantity " + shown(v), "PUT", "/items/" + item + "/quantity", t,
          with(qty, "quantity", v), 400, "quantity");
    }
    itemIdCases(g, "PUT", "/items/%s/quantity", t, json(qty));
    g.badJson("PUT", "/items/" + item + "/quantity", t, json(qty))
        .badTokens("PUT", "/items/" + item + "/quantity", json(qty), false)
        .badKeys("PUT", "/items/" + item + "/quantity", t, json(qty));
    gs.add(g);

    g = new Group("seller POST /items/{id}/removals", true);
    Map<String, Object> rm = obj("quantity", 1);
    for (Object v : new Object[] {REMOVE, null, 0, -1, TWO_POW_63, 1.5, "1"}) {
      g.add("quantity " + shown(v), "POST", "/items/" + item + "/removals", t,
          with(rm, "quantity", v), 400, "quantity");
    }
    itemIdCases(g, "POST", "/items/%s/removals", t, json(rm));
    g.badJson("POST", "/items/" + item + "/removals", t, json(rm))
        .badTokens("POST", "/items/" + item + "/removals", json(rm), false)
        .badKeys("POST", "/items/" + item + "/removals", t, json(rm));
    gs.add(g);
    return gs;
  }

  private void accountCases(Group g, String path, Map<String, Object> acct) {
    for (Object[] v : new Object[][] {
        {"username", REMOVE}, {"username", null}, {"username", ""}, {"username", "u".repeat(33)},
        {"username", 5}, {"username", "  "}, {"username", "tab\tuser"},
        {"password", REMOVE}, {"password", null}, {"password", "12345"}, {"password", ""},
        {"password", 123456}, {"password", "p".repeat(129)},
        {"name", REMOVE}, {"name", null}, {"name", ""}, {"name", "n".repeat(33)}, {"name", "   "},
        {"name", "bell\u0007"}, {"name", true}}) {
      String field = (String) v[0];
      g.add(field + " " + shown(v[1]), "POST", path, null, with(acct, field, v[1]), 400, field);
    }
    g.badJson("POST", path, null, json(acct)).badKeys("POST", path, null, json(acct));
  }

  private void loginCases(Group g, String ownUser, String otherRoleUser) {
    Map<String, Object> li = obj("username", ownUser, "password", "secret1");
    for (Object[] v : new Object[][] {{"username", REMOVE}, {"username", null}, {"username", ""},
        {"username", 5}, {"password", REMOVE}, {"password", null}, {"password", ""},
        {"password", 123456}}) {
      String field = (String) v[0];
      g.add(field + " " + shown(v[1]), "POST", "/sessions", null, with(li, field, v[1]), 400,
          field);
    }
    g.add("wrong password", "POST", "/sessions", null, with(li, "password", "secret2"), 401, null);
    g.add("sql password", "POST", "/sessions", null, with(li, "password", "' OR '1'='1"), 401,
        null);
    g.add("sql username", "POST", "/sessions", null,
        json(obj("username", "' OR '1'='1' --", "password", "x")), 401, null);
    g.add("unknown user", "POST", "/sessions", null,
        json(obj("username", "nobody-" + SFX, "password", "secret1")), 401, null);
    g.add("other role's account", "POST", "/sessions", null,
        json(obj("username", otherRoleUser, "password", "secret1")), 401, null);
    g.badJson("POST", "/sessions", null, json(li)).badKeys("POST", "/sessions", null, json(li));
  }

  /** Bad, unknown and other sellers' item ids in a path {@code "/items/%s/..."}. */
  private void itemIdCases(Group g, String method, String pathFormat, String token, String body) {
    for (String id : List.of("abc", "7-abc", "7-", "-1", "10-1", "7-0", "7-1.5", "7--1", "07-1",
        "7-99999999999999999999", enc("'; DROP TABLE items; --"), "%D9%A3-1")) {
      g.add("itemId " + id, method, String.format(pathFormat, id), token, body, 400, "itemId");
    }
    g.add("unknown itemId", method, String.format(pathFormat, UNKNOWN_ITEM), token, body, 404,
        null);
    if (g.sellerServer) {
      g.add("other seller's item", method, String.format(pathFormat, otherItem), token, body, 403,
          null);
    }
  }

  private List<Group> buyerGroups() {
    List<Group> gs = new ArrayList<>();
    Map<String, Object> acct = obj("username", ghostBuyer, "password", "secret1", "name", "Ghost");
    Group g = new Group("buyer POST /buyers", false);
    accountCases(g, "/buyers", acct);
    g.add("username taken", "POST", "/buyers", null,
        json(obj("username", "bad-b1-" + SFX, "password", "secret9", "name", "X")), 409, null);
    noLogin(g, buyer, ghostBuyer);
    gs.add(g);

    g = new Group("buyer POST /sessions", false);
    loginCases(g, "bad-b1-" + SFX, "bad-s1-" + SFX);
    gs.add(g);

    String t = buyerToken;
    gs.add(new Group("buyer DELETE /sessions/current", false)
        .badTokens("DELETE", "/sessions/current", null, false, true)
        .badKeys("DELETE", "/sessions/current", t, null));

    g = new Group("buyer GET /items (search)", false);
    for (String q : List.of("", "?keywords=lamp", "?category=", "?category=abc", "?category=-1",
        "?category=10", "?category=3.0", "?category=%2B3", "?category=" + enc("7 OR 1=1"),
        "?category=99999999999999999999")) {
      g.add("query '" + q + "'", "GET", "/items" + q, null, null, 400, "category");
    }
    for (String kw : List.of("a,b,c,d,e,f", "ninechars", "a,,b", ",", "a,", "%00", "%20",
        enc("日本語日本語日本語"))) {
      g.add("keywords '" + kw + "'", "GET", "/items?category=7&keywords=" + kw, null, null, 400,
          "keywords");
    }
    g.badTokens("GET", "/items?category=7", null, true);
    gs.add(g);

    g = new Group("buyer GET /items/{id}", false);
    itemIdCases(g, "GET", "/items/%s", null, null);
    g.badTokens("GET", "/items/" + item, null, true);
    gs.add(g);

    g = new Group("buyer GET /sellers/{id}/rating", false);
    for (String id : List.of("abc", "-1", "0", "1.5", "99999999999999999999", "%201", "0x10")) {
      g.add("sellerId " + id, "GET", "/sellers/" + id + "/rating", null, null, 400, "sellerId");
    }
    g.add("unknown sellerId", "GET", "/sellers/999999999/rating", null, null, 404, null);
    g.badTokens("GET", "/sellers/" + sellerId + "/rating", null, true);
    gs.add(g);

    gs.add(new Group("buyer GET /cart", false).badTokens("GET", "/cart", null, false));
    gs.add(new Group("buyer GET /purchases", false).badTokens("GET", "/purchases", null, false));

    for (String path : List.of("/cart/items", "/cart/removals")) {
      g = new Group("buyer POST " + path, false);
      Map<String, Object> line = obj("itemId", item, "quantity", 1);
      for (Object[] v : new Object[][] {{"itemId", REMOVE}, {"itemId", null}, {"itemId", ""},
          {"itemId", 71}, {"itemId", "abc"}, {"itemId", "10-1"}, {"itemId", "7-0"},
          {"itemId", "7-" + "9".repeat(30)}, {"itemId", "'; DROP TABLE carts; --"},
          {"quantity", REMOVE}, {"quantity", null}, {"quantity", 0}, {"quantity", -1},
          {"quantity", TWO_POW_63}, {"quantity", "1"}, {"quantity", 1.5},
          {"quantity", new RawValue("1e0")}}) {
        String field = (String) v[0];
        g.add(field + " " + shown(v[1]), "POST", path, t, with(line, field, v[1]), 400, field);
      }
      if (path.equals("/cart/items")) { // removals: see unknownItemInCartRemovalIs404
        g.add("unknown item", "POST", path, t, with(line, "itemId", UNKNOWN_ITEM), 404, null);
        g.add("more than in stock", "POST", path, t, with(line, "quantity", 4), 409, null);
      }
      g.badJson("POST", path, t, json(line)).badTokens("POST", path, json(line), false)
          .badKeys("POST", path, t, json(line));
      gs.add(g);
    }

    gs.add(new Group("buyer DELETE /cart", false).badTokens("DELETE", "/cart", null, false)
        .badKeys("DELETE", "/cart", t, null));
    gs.add(new Group("buyer POST /cart/save", false).badTokens("POST", "/cart/save", null, false)
        .badKeys("POST", "/cart/save", t, null));

    g = new Group("buyer POST /purchases", false);
    Map<String, Object> pay = card("12/35");
    for (Object[] v : new Object[][] {{"name", REMOVE}, {"name", null}, {"name", ""},
        {"name", "n".repeat(65)}, {"name", 5},
        {"cardNumber", REMOVE}, {"cardNumber", ""}, {"cardNumber", "abc"}, {"cardNumber", "4111"},
        {"cardNumber", "4".repeat(20)}, {"cardNumber", 4111111111111111L},
        {"cardNumber", "4111 1111 1111 1111"},
        {"expiration", REMOVE}, {"expiration", ""}, {"expiration", "13/30"},
        {"expiration", "00/30"}, {"expiration", "1230"}, {"expiration", "ab/cd"},
        {"expiration", 1230}, {"expiration", "12/2035"},
        {"securityCode", "12"}, {"securityCode", "12345"}, {"securityCode", "abc"},
        {"securityCode", 123}}) {
      String field = (String) v[0];
      g.add(field + " " + shown(v[1]), "POST", "/purchases", t, with(pay, field, v[1]), 400, field);
    }
    g.add("expired card: declined", "POST", "/purchases", t, json(card("01/20")), 402, null);
    g.badJson("POST", "/purchases", t, json(pay)).badTokens("POST", "/purchases", json(pay), false)
        .badKeys("POST", "/purchases", t, json(pay));
    gs.add(g);

    g = new Group("buyer POST /feedback", false);
    Map<String, Object> vote = obj("itemId", item, "vote", "UP");
    for (Object[] v : new Object[][] {{"itemId", REMOVE}, {"itemId", null}, {"itemId", ""},
        {"itemId", 71}, {"itemId", "abc"}, {"itemId", "10-1"},
        {"vote", REMOVE}, {"vote", null}, {"vote", "up"}, {"vote", "MAYBE"}, {"vote", ""},
        {"vote", 1}, {"vote", true}}) {
      String field = (String) v[0];
      g.add(field + " " + shown(v[1]), "POST", "/feedback", t, with(vote, field, v[1]), 400, field);
    }
    g.add("unknown item", "POST", "/feedback", t, with(vote, "itemId", UNKNOWN_ITEM), 404, null);
    g.add("item never bought", "POST", "/feedback", t, with(vote, "itemId", otherItem), 409, null);
    g.badJson("POST", "/feedback", t, json(vote)).badTokens("POST", "/feedback", json(vote), false)
        .badKeys("POST", "/feedback", t, json(vote));
    gs.add(g);
    return gs;
  }

  private static String shown(Object v) {
    if (v == REMOVE) {
      return "missing";
    }
    String s = v instanceof RawValue ? v.toString() : json(v);
    s = s.replace("\t", "\\t").replace("\n", "\\n").replace("\u0000", "\\0").replace("\u0007",
        "\\a");
    return s.length() > 24 ? s.substring(0, 12) + "…(" + s.length() + " chars)" : s;
  }

  // ---------------------------------------------------------------- what must be ACCEPTED

  @Test
  void unicodeTextIsAcceptedAndRoundTripsExactly() {
    String user = "zoë-日本-" + SFX;
    String name = "Zoë Ünïcødé 日本 🚀";
    Api.Resp created = seller.post("/sellers", null,
        obj("username", user, "password", "pässwörd", "name", name));
    assertThat(created.status()).as(created.toString()).isEqualTo(201);
    assertThat(created.json().get("name").asText()).isEqualTo(name);
    assertThat(created.json().get("username").asText()).isEqualTo(user);
    Api.Resp session =
        seller.post("/sessions", null, obj("username", user, "password", "pässwörd"));
    assertThat(session.status()).as(session.toString()).isEqualTo(201);
    String token = session.json().get("token").asText();

    String itemName = "Café ☕ 東京 🚀 naïve";
    String rockets = "🚀".repeat(32); // 32 code points, 64 UTF-16 units: within 1-32 chars
    Api.Resp a = seller.post("/items", token, obj("name", itemName, "category", 6,
        "keywords", List.of("café", "日本", "🚀"), "condition", "USED", "price", "1.00",
        "quantity", 1));
    assertThat(a.status()).as(a.toString()).isEqualTo(201);
    Api.Resp b = seller.post("/items", token, obj("name", rockets, "category", 6,
        "keywords", List.of("🚀🚀🚀🚀🚀🚀🚀🚀"), "condition", "NEW", "price", "1000000.00",
        "quantity", 0));
    assertThat(b.status()).as("32 emoji are 32 chars: " + b).isEqualTo(201);
    String id = a.json().get("id").asText();

    JsonNode mine = seller.get("/items", token).json();
    assertThat(mine).hasSize(2);
    assertThat(mine.findValuesAsText("name")).containsExactlyInAnyOrder(itemName, rockets);
    JsonNode fetched = buyer.get("/items/" + id, null).json();
    assertThat(fetched.get("name").asText()).isEqualTo(itemName);
    assertThat(fetched.get("keywords").get(1).asText()).isEqualTo("日本");
    JsonNode found = buyer.get("/items?category=6&keywords=" + enc("日本"), null).json();
    assertThat(found.findValuesAsText("id")).contains(id);
    assertThat(found.findValuesAsText("name")).contains(itemName);
  }

  @Test
  void sqlMetacharactersAreStoredLiterallyNeverExecuted() {
    String user = "o'brien\";--" + SFX;
    String sellerName = "Robert'); DROP TABLE sellers;--";
    Api.Resp created = seller.post("/sellers", null,
        obj("username", user, "password", "' OR '1'='1", "name", sellerName));
    assertThat(created.status()).as(created.toString()).isEqualTo(201);
    assertThat(created.json().get("name").asText()).isEqualTo(sellerName);
    assertThat(seller.post("/sessions", null, obj("username", user, "password", "x' OR 'x'='x"))
        .status()).isEqualTo(401);
    String token = seller.post("/sessions", null, obj("username", user, "password", "' OR '1'='1"))
        .json().get("token").asText();

    String drop = "'; DROP TABLE items; --";
    Api.Resp item1 = seller.post("/items", token, obj("name", drop, "category", 5,
        "keywords", List.of("%", "_", "'--", "\\"), "condition", "NEW", "price", "2.00",
        "quantity", 3));
    assertThat(item1.status()).as(item1.toString()).isIn(201, 400);
    assertThat(item1.status()).as("the rules allow this name: accepted").isEqualTo(201);
    String id = item1.json().get("id").asText();
    Api.Resp plain = seller.post("/items", token, obj("name", "Plain", "category", 5,
        "keywords", List.of("plain"), "condition", "NEW", "price", "2.00", "quantity", 3));
    assertThat(plain.status()).isEqualTo(201);

    assertThat(buyer.get("/items/" + id, null).json().get("name").asText()).isEqualTo(drop);
    assertThat(seller.get("/items", token).json().findValuesAsText("name"))
        .containsExactlyInAnyOrder(drop, "Plain");
    // LIKE wildcards and quotes are literal keywords: "%" finds only the item that has "%".
    for (String kw : List.of("%", "_", "'--", "\\")) {
      JsonNode found = buyer.get("/items?category=5&keywords=" + enc(kw), null).json();
      assertThat(found.findValuesAsText("id")).as("keyword " + kw).containsExactly(id);
    }
    assertThat(buyer.get("/items?category=5&keywords=" + enc("' OR 1=1"), null).status())
        .as("8+ chars with a quote").isIn(200, 400);
    JsonNode orTrue = buyer.get("/items?category=5&keywords=" + enc("'OR''='"), null).json();
    assertThat(orTrue).as("a quoted tautology matches nothing").isEmpty();
  }

  // ---------------------------------------------------------------- known server bugs

  @Test
  void logoutOfAnUnknownTokenIs401() {
    for (Api api : List.of(seller, buyer)) {
      String otherRole = api == seller ? buyerToken : sellerToken;
      String loggedOut = api == seller ? loggedOutSeller : loggedOutBuyer;
      for (String token : List.of(forged(), "a".repeat(300), loggedOut, otherRole)) {
        check(new Case("logout", api == seller, "DELETE", "/sessions/current", token, null, null,
            Map.of(), 401, null));
      }
    }
    assertThat(buyer.get("/cart", buyerToken).status()).as("the other role's session lives")
        .isEqualTo(200);
  }

  @Test
  void unknownItemInCartRemovalIs404() {
    check(new Case("removal", false, "POST", "/cart/removals", buyerToken,
        json(obj("itemId", UNKNOWN_ITEM, "quantity", 1)), "application/json", Map.of(), 404, null));
  }
}
