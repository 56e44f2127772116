package dev.marketplace.sellerserver;

import dev.marketplace.proto.ItemId;
import dev.marketplace.proto.Role;
import dev.marketplace.proto.customer.AccountIdRequest;
import dev.marketplace.proto.customer.CustomerDbGrpc.CustomerDbBlockingStub;
import dev.marketplace.proto.customer.Seller;
import dev.marketplace.proto.product.Condition;
import dev.marketplace.proto.product.CreateItemRequest;
import dev.marketplace.proto.product.Item;
import dev.marketplace.proto.product.ListSellerItemsRequest;
import dev.marketplace.proto.product.ProductDbGrpc.ProductDbBlockingStub;
import dev.marketplace.proto.product.RemoveUnitsRequest;
import dev.marketplace.proto.product.SetQuantityRequest;
import dev.marketplace.proto.product.UpdatePriceRequest;
import dev.marketplace.rest.AccountEndpoints;
import dev.marketplace.rest.BearerAuth;
import dev.marketplace.rest.BearerAuth.Authenticated;
import dev.marketplace.rest.IdempotencyKeys;
import dev.marketplace.rest.IdempotencyKeys.RequestKeys;
import dev.marketplace.rest.ItemIds;
import dev.marketplace.rest.ItemView;
import dev.marketplace.rest.Json;
import dev.marketplace.rest.JsonBody;
import dev.marketplace.rest.ReplicaSet;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.List;
import java.util.Set;
import java.util.function.ToLongFunction;

/**
 * The seller REST API (see /work/shared/API.md, "Seller server"): parses and validates each
 * request, calls the databases, and writes the JSON answer. No state of its own; thread-safe.
 */
public final class SellerApi {
  /** Largest quantity accepted in any request. */
  public static final long MAX_QUANTITY = 1_000_000_000L;

  private static final String ROLE = "seller";

  private final ReplicaSet<CustomerDbBlockingStub> customers;
  private final AccountEndpoints accounts;
  private final ReplicaSet<ProductDbBlockingStub> products;
  private final BearerAuth auth;

  public SellerApi(ReplicaSet<CustomerDbBlockingStub> customers,
      ReplicaSet<ProductDbBlockingStub> products) {
    this.customers = customers;
    this.accounts = new AccountEndpoints(customers, Role.SELLER);
    this.products = products;
    this.auth = new BearerAuth(customers, Role.SELLER);
  }

  /** Registers every route. */
  public void register(RoutesConfig routes) {
    routes.post("/sellers", accounts::createAccount);
    routes.post("/sessions", accounts::login);
    routes.delete("/sessions/current", accounts::logout);
    routes.get("/me/rating", this::rating);
    routes.post("/items", this::createItem);
    routes.get("/items", this::listItems);
    routes.put("/items/{itemId}/price", this::updatePrice);
    routes.put("/items/{itemId}/quantity", this::setQuantity);
    routes.post("/items/{itemId}/removals", this::removeUnits);
  }



  /** {@code {thumbsUp, thumbsDown}}. */
  record RatingView(long thumbsUp, long thumbsDown) {}




  void rating(Context ctx) {
    Authenticated me = auth.require(ctx);
    Seller s = customers.call("GetSeller", c -> c.getSeller(AccountIdRequest.newBuilder()
        .setAccountId(me.accountId()).build()));
    Json.respond(ctx, 200, new RatingView(s.getRating().getThumbsUp(),
        s.getRating().getThumbsDown()));
  }

  void createItem(Context ctx) {
    Authenticated me = auth.require(ctx);
    JsonBody b = JsonBody.read(ctx, "name", "category", "keywords", "condition", "price",
        "quantity");
    String name = b.string("name", 1, 32);
    long category = b.integer("category", 0, 9);
    List<String> keywords = b.stringList("keywords", false, 5, 1, 8);
    String condition = b.oneOf("condition", Set.of("NEW", "USED"));
    long price = b.price("price");
    long quantity = b.integer("quantity", 0, MAX_QUANTITY);
    b.validate();
    RequestKeys keys = IdempotencyKeys.forRequest(ctx, ROLE, me.accountId());
    Item item = products.call("CreateItem", p -> p.createItem(CreateItemRequest.newBuilder()
        .setSellerId(me.accountId()).setName(name).setCategory((int) category)
        .addAllKeywords(keywords).setCondition(Condition.valueOf(condition))
        .setPriceCents(price).setQuantity(quantity)
        .setIdempotencyKey(keys.step("create-item")).build()));
    Json.respond(ctx, 201, ItemView.of(item));
  }

  void listItems(Context ctx) {
    Authenticated me = auth.require(ctx);
    List<Item> items = products.call("ListSellerItems", p -> p.listSellerItems(
        ListSellerItemsRequest.newBuilder().setSellerId(me.accountId()).build()).getItemsList());
    Json.respond(ctx, 200, ItemView.of(items));
  }

  void updatePrice(Context ctx) {
    changeItem(ctx, "price", b -> b.price("price"), "UpdatePrice", "price",
        (p, seller, id, price, key) -> p.updatePrice(UpdatePriceRequest.newBuilder()
            .setSellerId(seller).setId(id).setPriceCents(price).setIdempotencyKey(key).build()));
  }

  void setQuantity(Context ctx) {
    changeItem(ctx, "quantity", b -> b.integer("quantity", 0, MAX_QUANTITY), "SetQuantity",
        "quantity", (p, seller, id, quantity, key) -> p.setQuantity(SetQuantityRequest
            .newBuilder().setSellerId(seller).setId(id).setQuantity(quantity)
            .setIdempotencyKey(key).build()));
  }

  void removeUnits(Context ctx) {
    changeItem(ctx, "quantity", b -> b.integer("quantity", 1, MAX_QUANTITY), "RemoveUnits",
        "removal", (p, seller, id, quantity, key) -> p.removeUnits(RemoveUnitsRequest
            .newBuilder().setSellerId(seller).setId(id).setQuantity(quantity)
            .setIdempotencyKey(key).build()));
  }

  /** One ProductDb write changing one of the seller's items. */
  @FunctionalInterface
  private interface ItemChange {
    Item call(ProductDbBlockingStub products, long sellerId, ItemId id, long value, String key);
  }

  /**
   * {@code /items/{itemId}/...} with a body of one number {@code field} (read by {@code read}):
   * authenticate, validate, then {@code change} through {@code rpc} (with the request's
   * idempotency key for {@code step}) and answer the item.
   */
  private void changeItem(Context ctx, String field, ToLongFunction<JsonBody> read, String rpc,
      String step, ItemChange change) {
    Authenticated me = auth.require(ctx);
    ItemId id = ItemIds.parse("itemId", ctx.pathParam("itemId"));
    JsonBody b = JsonBody.read(ctx, field);
    long value = read.applyAsLong(b);
    b.validate();
    RequestKeys keys = IdempotencyKeys.forRequest(ctx, ROLE, me.accountId());
    String key = keys.step(step);
    Item item = products.call(rpc, p -> change.call(p, me.accountId(), id, value, key));
    Json.respond(ctx, 200, ItemView.of(item));
  }
}
