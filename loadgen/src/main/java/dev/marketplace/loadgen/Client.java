package dev.marketplace.loadgen;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One simulated user during one measurement: draws actions from an {@link OperationMix} and sends
 * their requests one after the other (closed loop: the next request leaves when the previous
 * answer is in). Requests that start inside the window {@code [measureFrom, stopAt)} are recorded;
 * warm-up requests are not. No request starts after {@code stopAt} or after the shared request
 * budget is used up.
 *
 * <p>Not thread-safe: one thread runs one instance; its stats are read after the thread ended.
 */
final class Client implements Runnable {
  static final String PRICE = "PUT /items/{id}/price";
  static final String SEARCH = "GET /items?category&keywords";
  static final String GET = "GET /items/{id}";
  static final String CART_ADD = "POST /cart/items";
  static final String CART_REMOVE = "POST /cart/removals";
  static final String PURCHASE = "POST /purchases";
  static final String CLEAR = "DELETE /cart";
  static final String RESTOCK = "PUT /items/{id}/quantity";

  /** Every request kind with the statuses that count as success, in table order. */
  static final Map<String, Set<Integer>> KINDS = kinds();

  private static Map<String, Set<Integer>> kinds() {
    Map<String, Set<Integer>> m = new LinkedHashMap<>();
    m.put(PRICE, Set.of(200));
    m.put(SEARCH, Set.of(200));
    m.put(GET, Set.of(200));
    m.put(CART_ADD, Set.of(200));
    m.put(CART_REMOVE, Set.of(200));
    m.put(PURCHASE, Set.of(201, 402));
    m.put(CLEAR, Set.of(204));
    m.put(RESTOCK, Set.of(200));
    return java.util.Collections.unmodifiableMap(m);
  }

  private static final Map<String, Object> CARD = Map.of(
      "name", "Bench Buyer", "cardNumber", "4111111111111111", "expiration", "12/30",
      "securityCode", "123");

  private final Fixture fixture;
  private final int session;
  private final HttpApi buyer;
  private final HttpApi seller;
  private final OperationMix mix;
  private final SplittableRandom random;
  private final long measureFrom;
  private final long stopAt;
  private final AtomicLong budget;
  private final int stock;
  private final int restockEvery;
  private final Map<String, RequestStats> stats = new LinkedHashMap<>();
  /** The first body of each unexpected 5xx / no-answer, per request kind and status. */
  private final Map<String, String> failureSamples = new LinkedHashMap<>();
  private int purchasesSinceRestock;

  Client(Fixture fixture, int session, HttpApi buyer, HttpApi seller, OperationMix mix,
      SplittableRandom random, long measureFrom, long stopAt, AtomicLong budget, int stock,
      int restockEvery) {
    this.fixture = fixture;
    this.session = session;
    this.buyer = buyer;
    this.seller = seller;
    this.mix = mix;
    this.random = random;
    this.measureFrom = measureFrom;
    this.stopAt = stopAt;
    this.budget = budget;
    this.stock = stock;
    this.restockEvery = restockEvery;
  }

  Map<String, RequestStats> stats() {
    return stats;
  }

  Map<String, String> failureSamples() {
    return failureSamples;
  }

  long failovers() {
    return buyer.failovers() + seller.failovers();
  }

  @Override
  public void run() {
    while (System.nanoTime() < stopAt && budget.getAndDecrement() > 0) {
      step(mix.pick(random));
    }
  }

  private void step(Action action) {
    Fixture.Item item = fixture.items.get(random.nextInt(fixture.items.size()));
    String buyerToken = fixture.buyerToken(session);
    switch (action) {
      case SEARCH -> {
        String k = Fixture.VOCABULARY.get(random.nextInt(Fixture.VOCABULARY.size()));
        String k2 = Fixture.VOCABULARY.get(random.nextInt(Fixture.VOCABULARY.size()));
        timed(SEARCH, buyer, "GET", "/items?category=" + item.category() + "&keywords=" + k
            + "," + k2, buyerToken, null);
      }
      case GET -> timed(GET, buyer, "GET", "/items/" + item.id(), buyerToken, null);
      case PRICE -> {
        String price = String.format(Locale.ROOT, "%d.%02d", 1 + random.nextInt(99),
            random.nextInt(100));
        timed(PRICE, seller, "PUT", "/items/" + item.id() + "/price",
            fixture.sellerToken(item.seller()), Map.of("price", price));
      }
      case CART -> {
        Map<String, Object> unit = Map.of("itemId", item.id(), "quantity", 1);
        if (timed(CART_ADD, buyer, "POST", "/cart/items", buyerToken, unit) == 200) {
          timed(CART_REMOVE, buyer, "POST", "/cart/removals", buyerToken, unit);
        }
      }
      case PURCHASE -> purchase(item, buyerToken);
      default -> throw new IllegalStateException("unknown action " + action);
    }
  }

  private void purchase(Fixture.Item item, String buyerToken) {
    Map<String, Object> unit = Map.of("itemId", item.id(), "quantity", 1);
    if (timed(CART_ADD, buyer, "POST", "/cart/items", buyerToken, unit) != 200) {
      return;
    }
    int status = timed(PURCHASE, buyer, "POST", "/purchases", buyerToken, CARD);
    if (status == 201) {
      if (++purchasesSinceRestock >= restockEvery) {
        purchasesSinceRestock = 0;
        timed(RESTOCK, seller, "PUT", "/items/" + item.id() + "/quantity",
            fixture.sellerToken(item.seller()), Map.of("quantity", stock));
      }
    } else {
      // declined (402) leaves the cart as it was; anything else too: start the next one empty
      timed(CLEAR, buyer, "DELETE", "/cart", buyerToken, null);
    }
  }

  /** Sends one request, records it when it started inside the window; returns the status. */
  private int timed(String kind, HttpApi api, String method, String path, String token,
      Object body) {
    long start = System.nanoTime();
    HttpApi.Resp r = "GET".equals(method) ? api.get(path, token)
        : api.write(method, path, token, body);
    long micros = (System.nanoTime() - start) / 1000;
    if (start >= measureFrom && start < stopAt) {
      stats.computeIfAbsent(kind, k -> new RequestStats(k, KINDS.get(k)))
          .record(r.status(), micros);
      if (r.status() >= 500 || r.status() == HttpApi.NO_ANSWER) {
        String text = r.body().length() > 300 ? r.body().substring(0, 300) + "..." : r.body();
        failureSamples.putIfAbsent(kind + " " + r.status(), r.server() + ": " + text);
      }
    }
    return r.status();
  }

  /** Merges the stats of several clients per request kind, in {@link #KINDS} order. */
  static List<RequestStats> merge(List<Client> clients) {
    Map<String, RequestStats> merged = new LinkedHashMap<>();
    for (String kind : KINDS.keySet()) {
      for (Client c : clients) {
        RequestStats s = c.stats.get(kind);
        if (s != null) {
          merged.computeIfAbsent(kind, k -> new RequestStats(k, KINDS.get(k))).add(s);
        }
      }
    }
    return List.copyOf(merged.values());
  }
}
