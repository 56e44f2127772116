package dev.marketplace.buyerserver;

import dev.marketplace.proto.ItemId;
import dev.marketplace.proto.Role;
import dev.marketplace.proto.Vote;
import dev.marketplace.proto.customer.AccountIdRequest;
import dev.marketplace.proto.customer.Cart;
import dev.marketplace.proto.customer.CartChangeRequest;
import dev.marketplace.proto.customer.CartLine;
import dev.marketplace.proto.customer.CustomerDbGrpc.CustomerDbBlockingStub;
import dev.marketplace.proto.customer.FeedbackRequest;
import dev.marketplace.proto.customer.GetPurchaseRequest;
import dev.marketplace.proto.customer.Purchase;
import dev.marketplace.proto.customer.PurchaseLine;
import dev.marketplace.proto.customer.RecordPurchaseRequest;
import dev.marketplace.proto.customer.Seller;
import dev.marketplace.proto.customer.TokenRequest;
import dev.marketplace.proto.product.AddItemVoteRequest;
import dev.marketplace.proto.product.GetItemRequest;
import dev.marketplace.proto.product.Item;
import dev.marketplace.proto.product.ProductDbGrpc.ProductDbBlockingStub;
import dev.marketplace.proto.product.ReturnStockRequest;
import dev.marketplace.proto.product.SearchItemsRequest;
import dev.marketplace.proto.product.StockLine;
import dev.marketplace.proto.product.TakeStockReply;
import dev.marketplace.proto.product.TakeStockRequest;
import dev.marketplace.rest.AccountEndpoints;
import dev.marketplace.rest.BearerAuth;
import dev.marketplace.rest.BearerAuth.Authenticated;
import dev.marketplace.rest.FieldError;
import dev.marketplace.rest.IdempotencyKeys;
import dev.marketplace.rest.IdempotencyKeys.RequestKeys;
import dev.marketplace.rest.ItemIds;
import dev.marketplace.rest.ItemView;
import dev.marketplace.rest.Json;
import dev.marketplace.rest.JsonBody;
import dev.marketplace.rest.Money;
import dev.marketplace.rest.Problem;
import dev.marketplace.rest.ProblemException;
import dev.marketplace.rest.ReplicaSet;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The buyer REST API (see /work/shared/API.md, "Buyer server"): parses and validates each
 * request, calls the databases and the payment gateway, and writes the JSON answer. No state of
 * its own; thread-safe. The purchase flow is described on {@link #purchase}.
 */
public final class BuyerApi {
  /** Largest quantity accepted in any request. */
  public static final long MAX_QUANTITY = 1_000_000_000L;

  private static final Logger LOG = LoggerFactory.getLogger(BuyerApi.class);
  private static final String ROLE = "buyer";
  private static final Pattern CATEGORY = Pattern.compile("[0-9]");
  private static final Pattern ACCOUNT_ID = Pattern.compile("[1-9][0-9]{0,18}");
  private static final Pattern CARD_NUMBER = Pattern.compile("[0-9]{12,19}");
  private static final Pattern EXPIRATION = Pattern.compile("(0[1-9]|1[0-2])/[0-9]{2}");
  private static final Pattern SECURITY_CODE = Pattern.compile("[0-9]{3,4}");

  private final ReplicaSet<CustomerDbBlockingStub> customers;
  private final AccountEndpoints accounts;
  private final ReplicaSet<ProductDbBlockingStub> products;
  private final PaymentGateway payments;
  private final BearerAuth auth;
  private final Clock clock;

  public BuyerApi(ReplicaSet<CustomerDbBlockingStub> customers,
      ReplicaSet<ProductDbBlockingStub> products, PaymentGateway payments, Clock clock) {
    this.customers = customers;
    this.accounts = new AccountEndpoints(customers, Role.BUYER);
    this.products = products;
    this.payments = payments;
    this.clock = clock;
    this.auth = new BearerAuth(customers, Role.BUYER);
  }

  /** Registers every route. */
  public void register(RoutesConfig routes) {
    routes.post("/buyers", accounts::createAccount);
    routes.post("/sessions", accounts::login);
    routes.delete("/sessions/current", accounts::logout);
    routes.get("/items", this::search);
    routes.get("/items/{itemId}", this::getItem);
    routes.get("/cart", this::getCart);
    routes.post("/cart/items", this::addToCart);
    routes.post("/cart/removals", this::removeFromCart);
    routes.delete("/cart", this::clearCart);
    routes.post("/cart/save", this::saveCart);
    routes.post("/purchases", this::purchase);
    routes.get("/purchases", this::listPurchases);
    routes.post("/feedback", this::feedback);
    routes.get("/sellers/{sellerId}/rating", this::sellerRating);
  }



  /** {@code {thumbsUp, thumbsDown}}. */
  record RatingView(long thumbsUp, long thumbsDown) {}

  /** A cart or purchase line. */
  record LineView(String itemId, String name, long quantity, String unitPrice,
      String lineTotal) {}

  /** {@code {items, total}}. */
  record CartView(List<LineView> items, String total) {}

  /** {@code {id, items, total, purchasedAt}}. */
  record PurchaseView(String id, List<LineView> items, String total, String purchasedAt) {
    static PurchaseView of(Purchase p) {
      List<LineView> lines = p.getLinesList().stream().map(l -> new LineView(
          ItemIds.format(l.getItemId()), l.getName(), l.getQuantity(),
          Money.format(l.getUnitPriceCents()),
          Money.format(l.getUnitPriceCents() * l.getQuantity()))).toList();
      return new PurchaseView(p.getId(), lines, Money.format(p.getTotalCents()),
          Instant.ofEpochMilli(p.getPurchasedAtMillis()).toString());
    }
  }

  // ---- accounts and sessions ----




  // ---- items and ratings (public; a token, when sent, is checked and refreshes the session) ----

  void search(Context ctx) {
    auth.optional(ctx);
    List<FieldError> errors = new ArrayList<>();
    String cat = ctx.queryParam("category");
    if (cat == null || !CATEGORY.matcher(cat).matches()) {
      errors.add(new FieldError("category", "required, an integer 0-9"));
    }
    List<String> keywords = new ArrayList<>();
    String kw = ctx.queryParam("keywords");
    if (kw != null && !kw.isEmpty()) {
      String[] parts = kw.split(",", -1);
      if (parts.length > 5) {
        errors.add(new FieldError("keywords", "at most 5 keywords"));
      } else {
        for (String part : parts) {
          String problem = JsonBody.checkText(part, 1, 8);
          if (problem != null) {
            errors.add(new FieldError("keywords", "each keyword " + problem));
            break;
          }
          keywords.add(part);
        }
      }
    }
    if (!errors.isEmpty()) {
      throw ProblemException.validation(errors);
    }
    List<Item> items = products.call("SearchItems", p -> p.searchItems(SearchItemsRequest
        .newBuilder().setCategory(Integer.parseInt(cat)).addAllKeywords(keywords).build())
        .getItemsList());
    Json.respond(ctx, 200, ItemView.of(items));
  }

  void getItem(Context ctx) {
    auth.optional(ctx);
    ItemId id = ItemIds.parse("itemId", ctx.pathParam("itemId"));
    Json.respond(ctx, 200, ItemView.of(item(id)));
  }

  void sellerRating(Context ctx) {
    auth.optional(ctx);
    String raw = ctx.pathParam("sellerId");
    if (!ACCOUNT_ID.matcher(raw).matches()) {
      throw ProblemException.invalid("sellerId", "must be a positive integer");
    }
    long sellerId;
    try {
      sellerId = Long.parseLong(raw);
    } catch (NumberFormatException e) {
      throw ProblemException.invalid("sellerId", "is too large");
    }
    Seller s = customers.call("GetSeller", c -> c.getSeller(AccountIdRequest.newBuilder()
        .setAccountId(sellerId).build()));
    Json.respond(ctx, 200, new RatingView(s.getRating().getThumbsUp(),
        s.getRating().getThumbsDown()));
  }

  // ---- cart ----

  void getCart(Context ctx) {
    Authenticated me = auth.require(ctx);
    Cart cart = customers.call("GetCart", c -> c.getCart(TokenRequest.newBuilder()
        .setToken(me.token()).setRole(Role.BUYER).build()));
    Json.respond(ctx, 200, cartView(cart));
  }

  void addToCart(Context ctx) {
    Authenticated me = auth.require(ctx);
    CartChange change = cartChange(ctx);
    RequestKeys keys = IdempotencyKeys.forRequest(ctx, ROLE, me.accountId());
    long available = item(change.id()).getQuantity();
    Cart cart = customers.call("AddToCart", c -> c.addToCart(CartChangeRequest.newBuilder()
        .setToken(me.token()).setItemId(change.id()).setQuantity(change.quantity())
        .setAvailable(available).setIdempotencyKey(keys.step("cart-add")).build()));
    Json.respond(ctx, 200, cartView(cart));
  }

  void removeFromCart(Context ctx) {
    Authenticated me = auth.require(ctx);
    CartChange change = cartChange(ctx);
    item(change.id()); // an unknown item id is 404, as everywhere else
    RequestKeys keys = IdempotencyKeys.forRequest(ctx, ROLE, me.accountId());
    Cart cart = customers.call("RemoveFromCart", c -> c.removeFromCart(CartChangeRequest
        .newBuilder().setToken(me.token()).setItemId(change.id())
        .setQuantity(change.quantity()).setIdempotencyKey(keys.step("cart-remove")).build()));
    Json.respond(ctx, 200, cartView(cart));
  }

  void clearCart(Context ctx) {
    sessionCartWrite(ctx, "ClearCart", "cart-clear", CustomerDbBlockingStub::clearCart);
  }

  void saveCart(Context ctx) {
    sessionCartWrite(ctx, "SaveCart", "cart-save", CustomerDbBlockingStub::saveCart);
  }

  /** A body-less write on the session's cart through {@code rpc}; answers 204. */
  private void sessionCartWrite(Context ctx, String rpc, String step,
      BiFunction<CustomerDbBlockingStub, TokenRequest, Cart> write) {
    Authenticated me = auth.require(ctx);
    RequestKeys keys = IdempotencyKeys.forRequest(ctx, ROLE, me.accountId());
    customers.call(rpc, c -> write.apply(c, TokenRequest.newBuilder().setToken(me.token())
        .setRole(Role.BUYER).setIdempotencyKey(keys.step(step)).build()));
    ctx.status(204);
  }

  private record CartChange(ItemId id, long quantity) {}

  private CartChange cartChange(Context ctx) {
    JsonBody b = JsonBody.read(ctx, "itemId", "quantity");
    String rawId = b.string("itemId", 1, 32);
    long quantity = b.integer("quantity", 1, MAX_QUANTITY);
    ItemId id = itemId(b, rawId);
    b.validate();
    return new CartChange(id, quantity);
  }

  /** {@code rawId} (a body's itemId) parsed; null when absent or malformed (a field error). */
  private static ItemId itemId(JsonBody b, String rawId) {
    if (rawId == null) {
      return null;
    }
    try {
      return ItemIds.parse(rawId);
    } catch (IllegalArgumentException e) {
      b.addError("itemId", e.getMessage());
      return null;
    }
  }

  private CartView cartView(Cart cart) {
    List<LineView> lines = new ArrayList<>();
    long total = 0;
    for (CartLine line : cart.getLinesList()) {
      Item item = item(line.getItemId());
      long lineTotal = item.getPriceCents() * line.getQuantity();
      total += lineTotal;
      lines.add(new LineView(ItemIds.format(line.getItemId()), item.getName(),
          line.getQuantity(), Money.format(item.getPriceCents()), Money.format(lineTotal)));
    }
    return new CartView(lines, Money.format(total));
  }

  private Item item(ItemId id) {
    return products.call("GetItem", p -> p.getItem(GetItemRequest.newBuilder().setId(id)
        .build()));
  }

  // ---- purchases ----

  /**
   * {@code POST /purchases}. The purchase id is derived from the request's idempotency keys
   * (buyer, client key, request hash; random without a key) and is also the stock reservation
   * id and the payment reference, so a retry with the same key repeats exactly the same steps:
   *
   * <ol>
   *   <li>with an Idempotency-Key: if a purchase with that id is already recorded (retry after
   *       success; one {@code GetPurchase}, not the whole history), answer it;</li>
   *   <li>read the session's cart (409 when empty);</li>
   *   <li>{@code TakeStock(reservation_id = purchase id)}, all or nothing (409 when short);</li>
   *   <li>authorize the total with reference = purchase id;</li>
   *   <li>DECLINED: {@code ReturnStock}, 402 (cart and history untouched);</li>
   *   <li>payment unreachable: 503; the stock is returned when the request has no
   *       Idempotency-Key (no retry can continue it), and kept for the retry otherwise (returning
   *       it would let the retry's replayed TakeStock succeed without taking stock);</li>
   *   <li>APPROVED: {@code RecordPurchase} with the unit prices of TakeStock's reply and a
   *       timestamp chosen once, then 201 with the recorded purchase.</li>
   * </ol>
   */
  void purchase(Context ctx) {
    Authenticated me = auth.require(ctx);
    JsonBody b = JsonBody.read(ctx, "name", "cardNumber", "expiration", "securityCode");
    String name = b.string("name", 1, 64);
    String card = b.string("cardNumber", 1, 64);
    String expiration = b.string("expiration", 1, 16);
    String code = b.optionalString("securityCode", 1, 16);
    if (card != null && !CARD_NUMBER.matcher(card).matches()) {
      b.addError("cardNumber", "must be 12-19 digits");
    }
    if (expiration != null && !EXPIRATION.matcher(expiration).matches()) {
      b.addError("expiration", "must be MM/YY");
    }
    if (code != null && !SECURITY_CODE.matcher(code).matches()) {
      b.addError("securityCode", "must be 3-4 digits");
    }
    b.validate();
    RequestKeys keys = IdempotencyKeys.forRequest(ctx, ROLE, me.accountId());
    String purchaseId = keys.derivedId("p-");

    if (keys.fromClient()) {
      Purchase done = recordedPurchase(me.accountId(), purchaseId);
      if (done != null) {
        Json.respond(ctx, 201, PurchaseView.of(done));
        return;
      }
    }

    Cart cart = customers.call("GetCart", c -> c.getCart(TokenRequest.newBuilder()
        .setToken(me.token()).setRole(Role.BUYER).build()));
    if (cart.getLinesCount() == 0) {
      throw new ProblemException(Problem.conflict("the cart is empty"));
    }
    TakeStockRequest.Builder take = TakeStockRequest.newBuilder().setReservationId(purchaseId)
        .setIdempotencyKey(keys.step("take"));
    for (CartLine line : cart.getLinesList()) {
      take.addLines(StockLine.newBuilder().setId(line.getItemId())
          .setQuantity(line.getQuantity()));
    }
    TakeStockReply taken = products.call("TakeStock", p -> p.takeStock(take.build()));

    Map<String, Item> priced = new HashMap<>();
    for (Item item : taken.getItemsList()) {
      priced.put(ItemIds.format(item.getId()), item);
    }
    List<PurchaseLine> lines = new ArrayList<>();
    long total = 0;
    for (CartLine line : cart.getLinesList()) {
      Item item = priced.get(ItemIds.format(line.getItemId()));
      if (item == null) {
        returnStock(purchaseId, keys);
        throw new StatusRuntimeException(Status.INTERNAL.withDescription(
            "TakeStock reply lacks item " + ItemIds.format(line.getItemId())));
      }
      lines.add(PurchaseLine.newBuilder().setItemId(line.getItemId()).setName(item.getName())
          .setQuantity(line.getQuantity()).setUnitPriceCents(item.getPriceCents())
          .setSellerId(item.getSellerId()).build());
      total = Math.addExact(total, Math.multiplyExact(item.getPriceCents(), line.getQuantity()));
    }

    PaymentDecision decision;
    try {
      decision = payments.authorize(name, card, expiration, code, total, purchaseId);
    } catch (PaymentUnavailableException e) {
      LOG.warn("payment unavailable for purchase {}: {}", purchaseId, e.getMessage());
      if (!keys.fromClient()) {
        returnStock(purchaseId, keys);
      }
      throw new ProblemException(Problem.unavailable(
          "the payment service is unavailable; retry with the same Idempotency-Key"));
    }
    if (decision != PaymentDecision.APPROVED) {
      returnStock(purchaseId, keys);
      throw new ProblemException(Problem.paymentDeclined("the card was declined"));
    }
    long totalCents = total;
    long purchasedAt = clock.millis();
    Purchase recorded = customers.call("RecordPurchase", c -> c.recordPurchase(
        RecordPurchaseRequest.newBuilder().setToken(me.token()).setBuyerId(me.accountId())
            .setPurchaseId(purchaseId).addAllLines(lines).setTotalCents(totalCents)
            .setPurchasedAtMillis(purchasedAt).setIdempotencyKey(keys.step("record")).build()));
    Json.respond(ctx, 201, PurchaseView.of(recorded));
  }

  /** The buyer's purchase {@code purchaseId} if it is recorded already, else null. */
  private Purchase recordedPurchase(long buyerId, String purchaseId) {
    try {
      return customers.call("GetPurchase", c -> c.getPurchase(GetPurchaseRequest.newBuilder()
          .setBuyerId(buyerId).setPurchaseId(purchaseId).build()));
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
        return null;
      }
      throw e;
    }
  }

  private void returnStock(String purchaseId, RequestKeys keys) {
    products.call("ReturnStock", p -> p.returnStock(ReturnStockRequest.newBuilder()
        .setReservationId(purchaseId).setIdempotencyKey(keys.step("return")).build()));
  }

  void listPurchases(Context ctx) {
    Authenticated me = auth.require(ctx);
    List<Purchase> list = customers.call("ListPurchases", c -> c.listPurchases(
        AccountIdRequest.newBuilder().setAccountId(me.accountId()).build())).getPurchasesList();
    Json.respond(ctx, 200, list.stream().map(PurchaseView::of).toList());
  }

  // ---- feedback ----

  /**
   * {@code POST /feedback}: {@code RecordFeedback} (checks the item was purchased and not voted
   * on yet; updates the seller) then {@code AddItemVote(feedback_id = "<buyer>:<item>")}. When
   * RecordFeedback says the vote exists already, the item vote is applied again before answering
   * 409 (a no-op when it was applied; it repairs a request that failed between the two writes).
   */
  void feedback(Context ctx) {
    Authenticated me = auth.require(ctx);
    JsonBody b = JsonBody.read(ctx, "itemId", "vote");
    String rawId = b.string("itemId", 1, 32);
    String voteText = b.oneOf("vote", Set.of("UP", "DOWN"));
    ItemId itemId = itemId(b, rawId);
    b.validate();
    Vote vote = Vote.valueOf(voteText);
    RequestKeys keys = IdempotencyKeys.forRequest(ctx, ROLE, me.accountId());
    Item item = item(itemId);
    AddItemVoteRequest itemVote = AddItemVoteRequest.newBuilder()
        .setFeedbackId(me.accountId() + ":" + ItemIds.format(itemId)).setId(itemId)
        .setVote(vote).setIdempotencyKey(keys.step("item-vote")).build();
    try {
      customers.call("RecordFeedback", c -> c.recordFeedback(FeedbackRequest.newBuilder()
          .setBuyerId(me.accountId()).setItemId(itemId).setSellerId(item.getSellerId())
          .setVote(vote).setIdempotencyKey(keys.step("feedback")).build()));
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.ALREADY_EXISTS) {
        products.call("AddItemVote", p -> p.addItemVote(itemVote));
        throw new ProblemException(Problem.conflict("feedback was already given for this item"));
      }
      throw e;
    }
    products.call("AddItemVote", p -> p.addItemVote(itemVote));
    ctx.status(204);
  }
}
