package dev.marketplace.loadgen;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Supplier;

/**
 * What the benchmark works on, created through the public API before any measurement: sellers
 * (logged in) with their items, and buyer sessions (one per client, each with its own cart; several
 * sessions may share a buyer account). Account names carry a per-run prefix so runs never collide.
 *
 * <p>Built once, then read by every client; session tokens may be replaced after a re-login
 * ({@link #relogBuyer}, {@link #relogSeller}), which is safe across threads.
 */
final class Fixture {
  /** A seller account and its first session (the current one: {@link #sellerToken}). */
  record Seller(String id, String username, String token) {}

  /** An item of the fixture and the index of its seller in {@link #sellers}. */
  record Item(String id, int category, List<String> keywords, int seller) {}

  static final String PASSWORD = "bench-pass-1";
  static final List<String> VOCABULARY = List.of(
      "mug", "lamp", "desk", "blue", "red", "book", "pen", "chair", "cup", "bag", "hat", "shoe");

  /** Thrown when the setup cannot be completed; the message names the failing request. */
  static final class SetupException extends Exception {
    SetupException(String message) {
      super(message);
    }
  }

  final List<Seller> sellers;
  final List<Item> items;
  final List<String> buyerUsernames;
  private final AtomicReferenceArray<String> buyerTokens;
  private final AtomicReferenceArray<String> sellerTokens;
  private final Supplier<HttpApi> sellerApi;
  private final Supplier<HttpApi> buyerApi;

  private Fixture(List<Seller> sellers, List<Item> items, List<String> buyerUsernames,
      List<String> buyerTokens, Supplier<HttpApi> sellerApi, Supplier<HttpApi> buyerApi) {
    this.sellers = List.copyOf(sellers);
    this.items = List.copyOf(items);
    this.buyerUsernames = List.copyOf(buyerUsernames);
    this.buyerTokens = new AtomicReferenceArray<>(buyerTokens.toArray(String[]::new));
    this.sellerTokens = new AtomicReferenceArray<>(
        sellers.stream().map(Seller::token).toArray(String[]::new));
    this.sellerApi = sellerApi;
    this.buyerApi = buyerApi;
  }

  /** The current session token of seller {@code i} (it changes after {@link #relogSeller}). */
  String sellerToken(int i) {
    return sellerTokens.get(i);
  }

  /** Logs seller {@code i} in again (its session expired). */
  void relogSeller(int i) throws SetupException {
    sellerTokens.set(i,
        login(sellerApi.get(), sellers.get(i).username(), "seller").path("token").asText());
  }

  /** The token of buyer session {@code i}. */
  String buyerToken(int i) {
    return buyerTokens.get(i);
  }

  int buyerSessions() {
    return buyerTokens.length();
  }

  /** The username of the account behind session {@code i}. */
  String buyerUsernameOf(int session) {
    return buyerUsernames.get(session % buyerUsernames.size());
  }

  /** Logs session {@code i}'s account in again (its session expired). */
  void relogBuyer(int i) throws SetupException {
    buyerTokens.set(i, login(buyerApi.get(), buyerUsernameOf(i), "buyer").path("token").asText());
  }

  /**
   * Creates everything, with {@code parallel} setup requests at a time.
   *
   * @param sellerApi a new seller-server client per call
   * @param buyerApi a new buyer-server client per call
   */
  static Fixture create(Supplier<HttpApi> sellerApi, Supplier<HttpApi> buyerApi, String runId,
      int sellers, int itemsPerSeller, int buyerAccounts, int buyerSessions, int stock,
      long seed, int parallel) throws SetupException {
    ExecutorService pool = Executors.newFixedThreadPool(parallel);
    try {
      List<Future<Seller>> sellerFutures = new ArrayList<>();
      for (int s = 0; s < sellers; s++) {
        String username = runId + "s" + s;
        sellerFutures.add(pool.submit(() -> {
          HttpApi api = sellerApi.get();
          JsonNode created = expect(api.write("POST", "/sellers", null,
              account(username, "Bench Seller")), 201, "POST /sellers " + username);
          String token = login(api, username, "seller").path("token").asText();
          return new Seller(created.path("id").asText(), username, token);
        }));
      }
      List<String> buyerNames = new ArrayList<>();
      List<Future<?>> buyerFutures = new ArrayList<>();
      for (int b = 0; b < buyerAccounts; b++) {
        String username = runId + "b" + b;
        buyerNames.add(username);
        buyerFutures.add(pool.submit(() -> expect(buyerApi.get().write("POST", "/buyers", null,
            account(username, "Bench Buyer")), 201, "POST /buyers " + username)));
      }
      List<Seller> sellerList = new ArrayList<>();
      for (Future<Seller> f : sellerFutures) {
        sellerList.add(get(f));
      }
      SplittableRandom random = new SplittableRandom(seed);
      List<Future<Item>> itemFutures = new ArrayList<>();
      for (int s = 0; s < sellers; s++) {
        for (int i = 0; i < itemsPerSeller; i++) {
          int category = random.nextInt(10);
          String k1 = VOCABULARY.get(random.nextInt(VOCABULARY.size()));
          String k2 = VOCABULARY.get(random.nextInt(VOCABULARY.size()));
          List<String> keywords = k1.equals(k2) ? List.of(k1) : List.of(k1, k2);
          Seller seller = sellerList.get(s);
          int sellerIndex = s;
          Map<String, Object> body = new LinkedHashMap<>();
          body.put("name", "Bench item " + s + "-" + i);
          body.put("category", category);
          body.put("keywords", keywords);
          body.put("condition", i % 2 == 0 ? "NEW" : "USED");
          body.put("price", "10.00");
          body.put("quantity", stock);
          itemFutures.add(pool.submit(() -> {
            JsonNode item = expect(sellerApi.get().write("POST", "/items", seller.token(), body),
                201, "POST /items");
            return new Item(item.path("id").asText(), category, keywords, sellerIndex);
          }));
        }
      }
      for (Future<?> f : buyerFutures) {
        get(f);
      }
      List<Future<String>> sessionFutures = new ArrayList<>();
      for (int i = 0; i < buyerSessions; i++) {
        String username = buyerNames.get(i % buyerNames.size());
        sessionFutures.add(pool.submit(
            () -> login(buyerApi.get(), username, "buyer").path("token").asText()));
      }
      List<Item> items = new ArrayList<>();
      for (Future<Item> f : itemFutures) {
        items.add(get(f));
      }
      List<String> tokens = new ArrayList<>();
      for (Future<String> f : sessionFutures) {
        tokens.add(get(f));
      }
      return new Fixture(sellerList, items, buyerNames, tokens, sellerApi, buyerApi);
    } finally {
      pool.shutdownNow();
    }
  }

  private static Map<String, Object> account(String username, String name) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("username", username);
    body.put("password", PASSWORD);
    body.put("name", name);
    return body;
  }

  private static JsonNode login(HttpApi api, String username, String role) throws SetupException {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("username", username);
    body.put("password", PASSWORD);
    return expect(api.write("POST", "/sessions", null, body), 201,
        "POST /sessions (" + role + " " + username + ")");
  }

  static JsonNode expect(HttpApi.Resp r, int status, String what) throws SetupException {
    JsonNode json = r.json();
    if (r.status() != status || json == null) {
      String body = r.body().length() > 300 ? r.body().substring(0, 300) + "..." : r.body();
      throw new SetupException("setup: " + what + " answered "
          + (r.status() == HttpApi.NO_ANSWER ? "nothing (no server reachable)" : r.status())
          + " from " + r.server() + ", expected " + status + ": " + body);
    }
    return json;
  }

  private static <T> T get(Future<T> f) throws SetupException {
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SetupException("setup interrupted");
    } catch (ExecutionException e) {
      if (e.getCause() instanceof SetupException s) {
        throw s;
      }
      throw new SetupException("setup failed: " + e.getCause());
    }
  }
}
