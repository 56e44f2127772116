package dev.marketplace.productdb;

import static dev.marketplace.replica.Checks.idempotencyKey;
import static dev.marketplace.replica.Checks.invalid;
import static dev.marketplace.replica.Checks.range;
import static dev.marketplace.replica.Checks.text;

import dev.marketplace.proto.Done;
import dev.marketplace.proto.ItemId;
import dev.marketplace.proto.ReplicaStatus;
import dev.marketplace.proto.StatusRequest;
import dev.marketplace.proto.Vote;
import dev.marketplace.proto.product.AddItemVoteRequest;
import dev.marketplace.proto.product.Condition;
import dev.marketplace.proto.product.CreateItemRequest;
import dev.marketplace.proto.product.GetItemRequest;
import dev.marketplace.proto.product.Item;
import dev.marketplace.proto.product.ItemList;
import dev.marketplace.proto.product.ListSellerItemsRequest;
import dev.marketplace.proto.product.ProductDbGrpc;
import dev.marketplace.proto.product.RemoveUnitsRequest;
import dev.marketplace.proto.product.ReturnStockRequest;
import dev.marketplace.proto.product.SearchItemsRequest;
import dev.marketplace.proto.product.SetQuantityRequest;
import dev.marketplace.proto.product.StockLine;
import dev.marketplace.proto.product.TakeStockReply;
import dev.marketplace.proto.product.TakeStockRequest;
import dev.marketplace.proto.product.UpdatePriceRequest;
import dev.marketplace.proto.product.commands.ProductCommand;
import dev.marketplace.replica.CommandRejectedException;
import dev.marketplace.replica.ReplicaCalls;
import dev.marketplace.replica.Replication;
import io.grpc.stub.StreamObserver;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Executor;
import javax.sql.DataSource;

/**
 * The ProductDb gRPC service: validates requests (INVALID_ARGUMENT naming the field), turns writes
 * into {@link ProductCommand}s stamped with this server's clock, submits them to the {@link
 * Replication} and maps results; reads run after the read barrier against this replica's
 * database. Thread-safe.
 */
public final class ProductDbService extends ProductDbGrpc.ProductDbImplBase {
  static final long MAX_PRICE_CENTS = 100_000_000L;
  static final long MAX_QUANTITY = 1_000_000_000L;
  static final int MAX_LINES = 100;

  private final ReplicaCalls calls;
  private final Clock clock;

  /**
   * @param readExecutor runs the reads (blocking JDBC)
   */
  public ProductDbService(Replication replication, DataSource db, Executor readExecutor,
      Clock clock) {
    this.calls = new ReplicaCalls(replication, db, readExecutor);
    this.clock = clock;
  }

  private ProductCommand.Builder command(String key) throws CommandRejectedException {
    return ProductCommand.newBuilder().setNowMillis(clock.millis())
        .setIdempotencyKey(idempotencyKey(key));
  }

  static ItemId itemId(String field, ItemId id) throws CommandRejectedException {
    range(field + ".category", id.getCategory(), 0, 9);
    range(field + ".number", id.getNumber(), 1, Long.MAX_VALUE);
    return id;
  }

  static List<String> keywords(String field, List<String> keywords)
      throws CommandRejectedException {
    if (keywords.size() > 5) {
      throw invalid(field, "at most 5 keywords, got " + keywords.size());
    }
    for (int i = 0; i < keywords.size(); i++) {
      text(field + "[" + i + "]", keywords.get(i), 1, 8);
    }
    return keywords;
  }

  private static long sellerId(long id) throws CommandRejectedException {
    return range("seller_id", id, 1, Long.MAX_VALUE);
  }

  @Override
  public void createItem(CreateItemRequest r, StreamObserver<Item> out) {
    calls.write(out, Item::parseFrom, () -> {
      sellerId(r.getSellerId());
      text("name", r.getName(), 1, 32);
      range("category", r.getCategory(), 0, 9);
      keywords("keywords", r.getKeywordsList());
      if (r.getCondition() != Condition.NEW && r.getCondition() != Condition.USED) {
        throw invalid("condition", "must be NEW or USED");
      }
      range("price_cents", r.getPriceCents(), 1, MAX_PRICE_CENTS);
      range("quantity", r.getQuantity(), 0, MAX_QUANTITY);
      return command(r.getIdempotencyKey()).setCreateItem(r);
    });
  }

  @Override
  public void getItem(GetItemRequest r, StreamObserver<Item> out) {
    calls.read(out, () -> itemId("id", r.getId()), (c, id) -> {
      Item item = Items.find(c, id);
      if (item == null) {
        throw ProductHandler.notFound(id);
      }
      return item;
    });
  }

  @Override
  public void listSellerItems(ListSellerItemsRequest r, StreamObserver<ItemList> out) {
    calls.read(out, () -> sellerId(r.getSellerId()),
        (c, seller) -> ItemList.newBuilder().addAllItems(Items.bySeller(c, seller)).build());
  }

  @Override
  public void searchItems(SearchItemsRequest r, StreamObserver<ItemList> out) {
    calls.read(out, () -> {
      int category = (int) range("category", r.getCategory(), 0, 9);
      Set<String> lower = new LinkedHashSet<>();
      for (String k : keywords("keywords", r.getKeywordsList())) {
        lower.add(k.toLowerCase(Locale.ROOT));
      }
      return new Search(category, new ArrayList<>(lower));
    }, (c, q) -> ItemList.newBuilder().addAllItems(Items.search(c, q.category(), q.keywords()))
        .build());
  }

  /** A checked search: category and distinct lower-case keywords. */
  private record Search(int category, List<String> keywords) {}

  @Override
  public void updatePrice(UpdatePriceRequest r, StreamObserver<Item> out) {
    calls.write(out, Item::parseFrom, () -> {
      sellerId(r.getSellerId());
      itemId("id", r.getId());
      range("price_cents", r.getPriceCents(), 1, MAX_PRICE_CENTS);
      return command(r.getIdempotencyKey()).setUpdatePrice(r);
    });
  }

  @Override
  public void setQuantity(SetQuantityRequest r, StreamObserver<Item> out) {
    calls.write(out, Item::parseFrom, () -> {
      sellerId(r.getSellerId());
      itemId("id", r.getId());
      range("quantity", r.getQuantity(), 0, MAX_QUANTITY);
      return command(r.getIdempotencyKey()).setSetQuantity(r);
    });
  }

  @Override
  public void removeUnits(RemoveUnitsRequest r, StreamObserver<Item> out) {
    calls.write(out, Item::parseFrom, () -> {
      sellerId(r.getSellerId());
      itemId("id", r.getId());
      range("quantity", r.getQuantity(), 1, MAX_QUANTITY);
      return command(r.getIdempotencyKey()).setRemoveUnits(r);
    });
  }

  @Override
  public void takeStock(TakeStockRequest r, StreamObserver<TakeStockReply> out) {
    calls.write(out, TakeStockReply::parseFrom, () -> {
      text("reservation_id", r.getReservationId(), 1, 128);
      if (r.getLinesCount() == 0 || r.getLinesCount() > MAX_LINES) {
        throw invalid("lines", "must hold 1-" + MAX_LINES + " lines, got " + r.getLinesCount());
      }
      for (int i = 0; i < r.getLinesCount(); i++) {
        StockLine l = r.getLines(i);
        itemId("lines[" + i + "].id", l.getId());
        range("lines[" + i + "].quantity", l.getQuantity(), 1, MAX_QUANTITY);
      }
      return command(r.getIdempotencyKey()).setTakeStock(r);
    });
  }

  @Override
  public void returnStock(ReturnStockRequest r, StreamObserver<Done> out) {
    calls.write(out, Done::parseFrom, () -> {
      text("reservation_id", r.getReservationId(), 1, 128);
      return command(r.getIdempotencyKey()).setReturnStock(r);
    });
  }

  @Override
  public void addItemVote(AddItemVoteRequest r, StreamObserver<Item> out) {
    calls.write(out, Item::parseFrom, () -> {
      text("feedback_id", r.getFeedbackId(), 1, 128);
      itemId("id", r.getId());
      if (r.getVote() != Vote.UP && r.getVote() != Vote.DOWN) {
        throw invalid("vote", "must be UP or DOWN");
      }
      return command(r.getIdempotencyKey()).setAddItemVote(r);
    });
  }

  @Override
  public void status(StatusRequest r, StreamObserver<ReplicaStatus> out) {
    calls.status(out);
  }
}
