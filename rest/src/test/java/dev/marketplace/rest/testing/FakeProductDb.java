package dev.marketplace.rest.testing;

import dev.marketplace.proto.Done;
import dev.marketplace.proto.ItemId;
import dev.marketplace.proto.Rating;
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
import io.grpc.Status.Code;
import io.grpc.stub.StreamObserver;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * In-memory fake of one ProductDb replica for the REST servers' endpoint tests; replicas made
 * from the same {@link State} share it. Test scope only; not the real database. Thread-safe.
 */
public final class FakeProductDb extends ProductDbGrpc.ProductDbImplBase
    implements FakeReplica {
  /** Shared state of all fake replicas of one database. */
  public static final class State {
    final Map<String, Object> applied = Fakes.newAppliedMap();
    final TreeMap<String, Item> items = new TreeMap<>();
    final Map<Integer, Long> nextNumber = new HashMap<>();
    final Map<String, TakeStockReply> reservations = new HashMap<>();
    final Set<String> returned = new HashSet<>();
    final Set<String> votes = new HashSet<>();

    /** The current stock of an item, or -1. */
    public synchronized long quantity(ItemId id) {
      Item i = items.get(key(id));
      return i == null ? -1 : i.getQuantity();
    }
  }

  final State state;
  final Fakes.ReplicaControl control = new Fakes.ReplicaControl();

  public FakeProductDb(State state) {
    this.state = state;
  }

  @Override
  public Fakes.ReplicaControl control() {
    return control;
  }

  public State state() {
    return state;
  }

  static String key(ItemId id) {
    return String.format("%d-%020d", id.getCategory(), id.getNumber());
  }

  private Item get(ItemId id) {
    Item i = state.items.get(key(id));
    if (i == null) {
      throw Fakes.status(Code.NOT_FOUND, "no item " + id.getCategory() + "-" + id.getNumber());
    }
    return i;
  }

  private Item owned(long seller, ItemId id) {
    Item i = get(id);
    if (i.getSellerId() != seller) {
      throw Fakes.status(Code.PERMISSION_DENIED, "not your item");
    }
    return i;
  }

  private Item put(Item i) {
    state.items.put(key(i.getId()), i);
    return i;
  }

  @Override
  public void createItem(CreateItemRequest r, StreamObserver<Item> o) {
    Fakes.run(control, state, o, () -> Fakes.idempotent(state.applied, r.getIdempotencyKey(),
        () -> {
          if (r.getCategory() < 0 || r.getCategory() > 9 || r.getName().isEmpty()
              || r.getPriceCents() <= 0 || r.getQuantity() < 0
              || r.getCondition() == Condition.CONDITION_UNSPECIFIED) {
            throw Fakes.invalid("bad item");
          }
          long n = state.nextNumber.merge(r.getCategory(), 1L, Long::sum);
          return put(Item.newBuilder()
              .setId(ItemId.newBuilder().setCategory(r.getCategory()).setNumber(n))
              .setName(r.getName()).addAllKeywords(r.getKeywordsList())
              .setCondition(r.getCondition()).setPriceCents(r.getPriceCents())
              .setQuantity(r.getQuantity()).setSellerId(r.getSellerId())
              .setRating(Rating.getDefaultInstance()).build());
        }));
  }

  @Override
  public void getItem(GetItemRequest r, StreamObserver<Item> o) {
    Fakes.run(control, state, o, () -> get(r.getId()));
  }

  @Override
  public void listSellerItems(ListSellerItemsRequest r, StreamObserver<ItemList> o) {
    Fakes.run(control, state, o, () -> ItemList.newBuilder().addAllItems(state.items.values()
        .stream().filter(i -> i.getSellerId() == r.getSellerId()).toList()).build());
  }

  @Override
  public void searchItems(SearchItemsRequest r, StreamObserver<ItemList> o) {
    Fakes.run(control, state, o, () -> {
      Set<String> kw = new HashSet<>(r.getKeywordsList());
      List<Item> found = state.items.values().stream()
          .filter(i -> i.getId().getCategory() == r.getCategory() && i.getQuantity() > 0)
          .filter(i -> kw.isEmpty() || matches(i, kw) > 0)
          .sorted(Comparator.comparingLong((Item i) -> -matches(i, kw))
              .thenComparing(i -> key(i.getId())))
          .toList();
      return ItemList.newBuilder().addAllItems(found).build();
    });
  }

  private static long matches(Item i, Set<String> kw) {
    return i.getKeywordsList().stream().filter(kw::contains).count();
  }

  @Override
  public void updatePrice(UpdatePriceRequest r, StreamObserver<Item> o) {
    Fakes.run(control, state, o, () -> Fakes.idempotent(state.applied, r.getIdempotencyKey(),
        () -> put(owned(r.getSellerId(), r.getId()).toBuilder()
            .setPriceCents(r.getPriceCents()).build())));
  }

  @Override
  public void setQuantity(SetQuantityRequest r, StreamObserver<Item> o) {
    Fakes.run(control, state, o, () -> Fakes.idempotent(state.applied, r.getIdempotencyKey(),
        () -> put(owned(r.getSellerId(), r.getId()).toBuilder()
            .setQuantity(r.getQuantity()).build())));
  }

  @Override
  public void removeUnits(RemoveUnitsRequest r, StreamObserver<Item> o) {
    Fakes.run(control, state, o, () -> Fakes.idempotent(state.applied, r.getIdempotencyKey(),
        () -> {
          Item i = owned(r.getSellerId(), r.getId());
          if (r.getQuantity() > i.getQuantity()) {
            throw Fakes.status(Code.FAILED_PRECONDITION, "only " + i.getQuantity()
                + " in stock");
          }
          return put(i.toBuilder().setQuantity(i.getQuantity() - r.getQuantity()).build());
        }));
  }

  @Override
  public void takeStock(TakeStockRequest r, StreamObserver<TakeStockReply> o) {
    Fakes.run(control, state, o, () -> {
      TakeStockReply prior = state.reservations.get(r.getReservationId());
      if (prior != null) {
        return prior;
      }
      for (StockLine l : r.getLinesList()) {
        if (get(l.getId()).getQuantity() < l.getQuantity()) {
          throw Fakes.status(Code.FAILED_PRECONDITION, "not enough stock");
        }
      }
      TakeStockReply.Builder reply = TakeStockReply.newBuilder();
      for (StockLine l : r.getLinesList()) {
        Item i = get(l.getId());
        reply.addItems(i);
        put(i.toBuilder().setQuantity(i.getQuantity() - l.getQuantity()).build());
      }
      TakeStockReply done = reply.build();
      state.reservations.put(r.getReservationId(), done);
      state.reservations.put(r.getReservationId() + "#lines",
          TakeStockReply.newBuilder().addAllItems(r.getLinesList().stream()
              .map(l -> Item.newBuilder().setId(l.getId()).setQuantity(l.getQuantity()).build())
              .toList()).build());
      return done;
    });
  }

  @Override
  public void returnStock(ReturnStockRequest r, StreamObserver<Done> o) {
    Fakes.run(control, state, o, () -> {
      TakeStockReply lines = state.reservations.get(r.getReservationId() + "#lines");
      if (lines != null && state.returned.add(r.getReservationId())) {
        for (Item l : lines.getItemsList()) {
          Item i = get(l.getId());
          put(i.toBuilder().setQuantity(i.getQuantity() + l.getQuantity()).build());
        }
      }
      return Done.getDefaultInstance();
    });
  }

  @Override
  public void addItemVote(AddItemVoteRequest r, StreamObserver<Item> o) {
    Fakes.run(control, state, o, () -> {
      Item i = get(r.getId());
      if (!state.votes.add(r.getFeedbackId())) {
        return i;
      }
      Rating.Builder rating = i.getRating().toBuilder();
      if (r.getVote() == Vote.UP) {
        rating.setThumbsUp(rating.getThumbsUp() + 1);
      } else {
        rating.setThumbsDown(rating.getThumbsDown() + 1);
      }
      return put(i.toBuilder().setRating(rating).build());
    });
  }

  @Override
  public void status(StatusRequest r, StreamObserver<ReplicaStatus> o) {
    Fakes.run(control, state, o, () -> ReplicaStatus.newBuilder().setRole("LEADER")
        .setHasQuorum(true).build());
  }
}
