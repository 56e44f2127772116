package dev.marketplace.productdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.marketplace.postgres.LocalPostgres;
import dev.marketplace.postgres.SharedLocalPostgres;
import dev.marketplace.proto.ItemId;
import dev.marketplace.proto.StatusRequest;
import dev.marketplace.proto.Vote;
import dev.marketplace.proto.product.AddItemVoteRequest;
import dev.marketplace.proto.product.Condition;
import dev.marketplace.proto.product.CreateItemRequest;
import dev.marketplace.proto.product.GetItemRequest;
import dev.marketplace.proto.product.Item;
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
import dev.marketplace.replica.SingleNodeReplication;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import javax.sql.DataSource;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ProductDbServiceTest {
  static String dbName;
  static ProductDbServer server;
  static ManagedChannel channel;
  static ProductDbGrpc.ProductDbBlockingStub stub;
  static long sellerSeq = 100;

  static ProductDbServer startServer(String db) {
    LocalPostgres pg = SharedLocalPostgres.get();
    return ProductDbServer.start("127.0.0.1", 0, pg.jdbcUrl(db), pg.user(), "",
        new SingleNodeReplication(0, 64, null), Clock.systemUTC());
  }

  static void connect() {
    channel = ManagedChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
    stub = ProductDbGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
  }

  @BeforeAll
  static void start() {
    dbName = SharedLocalPostgres.newDatabase("productdb");
    server = startServer(dbName);
    connect();
  }

  @AfterAll
  static void stop() {
    channel.shutdownNow();
    server.close();
  }

  static synchronized long newSeller() {
    return ++sellerSeq;
  }

  static CreateItemRequest.Builder item(long seller, int category, String name, String... kws) {
    return CreateItemRequest.newBuilder().setSellerId(seller).setCategory(category).setName(name)
        .addAllKeywords(List.of(kws)).setCondition(Condition.NEW).setPriceCents(1999)
        .setQuantity(10);
  }

  static ItemId id(int category, long number) {
    return ItemId.newBuilder().setCategory(category).setNumber(number).build();
  }

  static void assertCode(Status.Code code, ThrowingCallable call) {
    assertThatThrownBy(call).isInstanceOfSatisfying(StatusRuntimeException.class,
        e -> assertThat(e.getStatus().getCode()).as(e.getStatus().toString()).isEqualTo(code));
  }

  static long count(DataSource ds, String sql) throws Exception {
    try (Connection c = ds.getConnection(); Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  @Test
  void createdItemsAreNumberedPerCategoryAndReadable() {
    long seller = newSeller();
    Item a = stub.createItem(item(seller, 7, "lamp", "light", "desk").build());
    Item b = stub.createItem(item(seller, 7, "chair").build());
    Item c = stub.createItem(item(seller, 8, "table").build());
    assertThat(b.getId().getNumber()).isEqualTo(a.getId().getNumber() + 1);
    assertThat(c.getId()).isEqualTo(id(8, 1));
    assertThat(a.getKeywordsList()).containsExactly("light", "desk");
    assertThat(a.getSellerId()).isEqualTo(seller);
    assertThat(a.getRating().getThumbsUp()).isZero();
    assertThat(stub.getItem(GetItemRequest.newBuilder().setId(a.getId()).build())).isEqualTo(a);
    assertThat(stub.listSellerItems(ListSellerItemsRequest.newBuilder().setSellerId(seller)
        .build()).getItemsList()).containsExactly(a, b, c);
    assertCode(Status.Code.NOT_FOUND,
        () -> stub.getItem(GetItemRequest.newBuilder().setId(id(7, 999_999)).build()));
  }

  @Test
  void badInputIsInvalidArgumentAndChangesNothing() throws Exception {
    long seller = newSeller();
    List<CreateItemRequest> bad = List.of(
        item(0, 1, "x").build(),
        item(-5, 1, "x").build(),
        item(seller, 1, "").build(),
        item(seller, 1, "x".repeat(33)).build(),
        item(seller, 1, "😀".repeat(33)).build(),
        item(seller, 1, "nul\u0000byte").build(),
        item(seller, -1, "x").build(),
        item(seller, 10, "x").build(),
        item(seller, 1, "x", "a", "b", "c", "d", "e", "f").build(),
        item(seller, 1, "x", "").build(),
        item(seller, 1, "x", "ninechars").build(),
        item(seller, 1, "x").setCondition(Condition.CONDITION_UNSPECIFIED).build(),
        item(seller, 1, "x").setPriceCents(0).build(),
        item(seller, 1, "x").setPriceCents(100_000_001).build(),
        item(seller, 1, "x").setPriceCents(Long.MIN_VALUE).build(),
        item(seller, 1, "x").setQuantity(-1).build(),
        item(seller, 1, "x").setQuantity(Long.MAX_VALUE).build(),
        item(seller, 1, "x").setIdempotencyKey("has space").build(),
        item(seller, 1, "x").setIdempotencyKey("k".repeat(81)).build());
    for (CreateItemRequest r : bad) {
      assertThatThrownBy(() -> stub.createItem(r)).as(r.toString())
          .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(e.getStatus().getDescription()).contains(":");
          });
    }
    assertThat(stub.listSellerItems(ListSellerItemsRequest.newBuilder().setSellerId(seller)
        .build()).getItemsCount()).isZero();
    // SQL metacharacters and unicode are just text
    Item odd = stub.createItem(item(seller, 1, "'; DROP TABLE items; --", "ü'\"", "%_\\")
        .build());
    assertThat(stub.getItem(GetItemRequest.newBuilder().setId(odd.getId()).build()).getName())
        .isEqualTo("'; DROP TABLE items; --");
    assertThat(stub.getItem(GetItemRequest.newBuilder().setId(odd.getId()).build())
        .getKeywordsList()).containsExactly("ü'\"", "%_\\");
    assertThat(stub.createItem(item(seller, 1, "😀".repeat(32)).build()).getName())
        .hasSize(64);
    assertCode(Status.Code.INVALID_ARGUMENT, () -> stub.getItem(GetItemRequest.newBuilder()
        .setId(id(1, 0)).build()));
    assertCode(Status.Code.INVALID_ARGUMENT, () -> stub.searchItems(SearchItemsRequest
        .newBuilder().setCategory(11).build()));
    assertCode(Status.Code.INVALID_ARGUMENT, () -> stub.listSellerItems(ListSellerItemsRequest
        .newBuilder().setSellerId(0).build()));
  }

  @Test
  void ownerOnlyChangesAndTheirErrors() {
    long seller = newSeller();
    long other = newSeller();
    Item it = stub.createItem(item(seller, 2, "bike").build());
    Item p = stub.updatePrice(UpdatePriceRequest.newBuilder().setSellerId(seller)
        .setId(it.getId()).setPriceCents(5000).build());
    assertThat(p.getPriceCents()).isEqualTo(5000);
    Item q = stub.setQuantity(SetQuantityRequest.newBuilder().setSellerId(seller)
        .setId(it.getId()).setQuantity(3).build());
    assertThat(q.getQuantity()).isEqualTo(3);
    Item r = stub.removeUnits(RemoveUnitsRequest.newBuilder().setSellerId(seller)
        .setId(it.getId()).setQuantity(2).build());
    assertThat(r.getQuantity()).isEqualTo(1);
    assertCode(Status.Code.FAILED_PRECONDITION, () -> stub.removeUnits(RemoveUnitsRequest
        .newBuilder().setSellerId(seller).setId(it.getId()).setQuantity(2).build()));
    assertCode(Status.Code.PERMISSION_DENIED, () -> stub.updatePrice(UpdatePriceRequest
        .newBuilder().setSellerId(other).setId(it.getId()).setPriceCents(1).build()));
    assertCode(Status.Code.PERMISSION_DENIED, () -> stub.setQuantity(SetQuantityRequest
        .newBuilder().setSellerId(other).setId(it.getId()).setQuantity(100).build()));
    assertCode(Status.Code.PERMISSION_DENIED, () -> stub.removeUnits(RemoveUnitsRequest
        .newBuilder().setSellerId(other).setId(it.getId()).setQuantity(1).build()));
    assertCode(Status.Code.NOT_FOUND, () -> stub.updatePrice(UpdatePriceRequest.newBuilder()
        .setSellerId(seller).setId(id(2, 888_888)).setPriceCents(1).build()));
    assertCode(Status.Code.INVALID_ARGUMENT, () -> stub.setQuantity(SetQuantityRequest
        .newBuilder().setSellerId(seller).setId(it.getId()).setQuantity(-1).build()));
    assertCode(Status.Code.INVALID_ARGUMENT, () -> stub.removeUnits(RemoveUnitsRequest
        .newBuilder().setSellerId(seller).setId(it.getId()).setQuantity(0).build()));
    assertThat(stub.getItem(GetItemRequest.newBuilder().setId(it.getId()).build()))
        .isEqualTo(r);
  }

  @Test
  void searchRanksByMatchingKeywordsThenIdAndSkipsEmptyStock() {
    long seller = newSeller();
    int cat = 5;
    Item one = stub.createItem(item(seller, cat, "one", "red").build());
    Item two = stub.createItem(item(seller, cat, "two", "red", "Big").build());
    Item none = stub.createItem(item(seller, cat, "none", "blue").build());
    Item empty = stub.createItem(item(seller, cat, "empty", "red", "big").setQuantity(0)
        .build());
    Function<List<String>, List<String>> names = kws -> stub.searchItems(SearchItemsRequest
        .newBuilder().setCategory(cat).addAllKeywords(kws).build()).getItemsList().stream()
        .map(Item::getName).toList();
    assertThat(names.apply(List.of("red", "big"))).containsExactly("two", "one");
    assertThat(names.apply(List.of("RED"))).containsExactly("one", "two");
    assertThat(names.apply(List.of())).containsExactly("one", "two", "none");
    assertThat(names.apply(List.of("'; --"))).isEmpty();
    assertThat(List.of(one, two, none, empty)).hasSize(4);
  }

  TakeStockRequest take(String rid, Object... idQty) {
    TakeStockRequest.Builder b = TakeStockRequest.newBuilder().setReservationId(rid);
    for (int i = 0; i < idQty.length; i += 2) {
      b.addLines(StockLine.newBuilder().setId((ItemId) idQty[i]).setQuantity((Integer) idQty[i + 1]));
    }
    return b.build();
  }

  long qty(ItemId id) {
    return stub.getItem(GetItemRequest.newBuilder().setId(id).build()).getQuantity();
  }

  @Test
  void takeStockIsAllOrNothingAndIdempotentAndReturnStockPutsItBackOnce() {
    long seller = newSeller();
    ItemId a = stub.createItem(item(seller, 6, "a").setQuantity(5).build()).getId();
    ItemId b = stub.createItem(item(seller, 6, "b").setQuantity(2).build()).getId();
    // b is short: nothing is taken, and the rejection is the remembered first result
    assertCode(Status.Code.FAILED_PRECONDITION, () -> stub.takeStock(take("r-fail", a, 1, b, 3)));
    assertThat(qty(a)).isEqualTo(5);
    stub.setQuantity(SetQuantityRequest.newBuilder().setSellerId(seller).setId(b).setQuantity(9)
        .build());
    assertCode(Status.Code.FAILED_PRECONDITION, () -> stub.takeStock(take("r-fail", a, 1, b, 3)));
    assertThat(qty(b)).isEqualTo(9);
    // unknown item
    assertCode(Status.Code.NOT_FOUND, () -> stub.takeStock(take("r-nf", a, 1, id(6, 777), 1)));
    // success, with a repeated item summed
    TakeStockReply ok = stub.takeStock(take("r1", a, 2, b, 1, a, 1));
    assertThat(ok.getItemsList()).extracting(Item::getName).containsExactly("a", "b");
    assertThat(qty(a)).isEqualTo(2);
    assertThat(qty(b)).isEqualTo(8);
    assertThat(stub.takeStock(take("r1", a, 2, b, 1, a, 1))).isEqualTo(ok);
    assertThat(qty(a)).isEqualTo(2);
    // return twice, and an unknown reservation
    stub.returnStock(ReturnStockRequest.newBuilder().setReservationId("r1").build());
    stub.returnStock(ReturnStockRequest.newBuilder().setReservationId("r1").build());
    stub.returnStock(ReturnStockRequest.newBuilder().setReservationId("r-unknown").build());
    stub.returnStock(ReturnStockRequest.newBuilder().setReservationId("r-fail").build());
    assertThat(qty(a)).isEqualTo(5);
    assertThat(qty(b)).isEqualTo(9);
    assertCode(Status.Code.INVALID_ARGUMENT, () -> stub.takeStock(take("r-empty")));
    assertCode(Status.Code.INVALID_ARGUMENT, () -> stub.takeStock(take("", a, 1)));
    assertCode(Status.Code.INVALID_ARGUMENT, () -> stub.takeStock(take("r-neg", a, -1)));
    assertCode(Status.Code.INVALID_ARGUMENT, () -> stub.takeStock(take("r-0", a, 0)));
  }

  @Test
  void fiftyConcurrentTakesForTheLastTenUnitsTakeExactlyTen() throws Exception {
    long seller = newSeller();
    ItemId it = stub.createItem(item(seller, 9, "hot").setQuantity(10).build()).getId();
    ExecutorService pool = Executors.newFixedThreadPool(50);
    try {
      List<Future<Status.Code>> fs = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        String rid = "race-" + i;
        fs.add(pool.submit(() -> {
          try {
            ProductDbGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS)
                .takeStock(take(rid, it, 1));
            return Status.Code.OK;
          } catch (StatusRuntimeException e) {
            return e.getStatus().getCode();
          }
        }));
      }
      int ok = 0;
      int failed = 0;
      for (Future<Status.Code> f : fs) {
        Status.Code c = f.get(60, TimeUnit.SECONDS);
        if (c == Status.Code.OK) {
          ok++;
        } else if (c == Status.Code.FAILED_PRECONDITION) {
          failed++;
        }
      }
      assertThat(ok).isEqualTo(10);
      assertThat(failed).isEqualTo(40);
      assertThat(qty(it)).isZero();
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void votesAreIdempotentByFeedbackIdAndWritesByIdempotencyKey() throws Exception {
    long seller = newSeller();
    ItemId it = stub.createItem(item(seller, 3, "voted").build()).getId();
    AddItemVoteRequest up = AddItemVoteRequest.newBuilder().setFeedbackId("b1:" + it.getNumber())
        .setId(it).setVote(Vote.UP).build();
    assertThat(stub.addItemVote(up).getRating().getThumbsUp()).isEqualTo(1);
    assertThat(stub.addItemVote(up).getRating().getThumbsUp()).isEqualTo(1);
    Item down = stub.addItemVote(up.toBuilder().setFeedbackId("b2").setVote(Vote.DOWN).build());
    assertThat(down.getRating().getThumbsDown()).isEqualTo(1);
    assertCode(Status.Code.NOT_FOUND, () -> stub.addItemVote(up.toBuilder().setFeedbackId("b3")
        .setId(id(3, 424_242)).build()));
    assertCode(Status.Code.INVALID_ARGUMENT, () -> stub.addItemVote(up.toBuilder()
        .setFeedbackId("b4").setVote(Vote.VOTE_UNSPECIFIED).build()));

    CreateItemRequest keyed = item(seller, 4, "keyed").setIdempotencyKey("create-k1").build();
    Item first = stub.createItem(keyed);
    assertThat(stub.createItem(keyed)).isEqualTo(first);
    assertThat(stub.createItem(keyed.toBuilder().setName("different").build())).isEqualTo(first);
    assertThat(count(server.stateMachine().dataSource(),
        "SELECT count(*) FROM items WHERE name = 'keyed'")).isEqualTo(1);
    // the same key on another kind of write is a different record
    assertThat(stub.setQuantity(SetQuantityRequest.newBuilder().setSellerId(seller)
        .setId(first.getId()).setQuantity(4).setIdempotencyKey("create-k1").build())
        .getQuantity()).isEqualTo(4);
    assertThat(stub.status(StatusRequest.getDefaultInstance()).getAppliedIndex())
        .isEqualTo(server.stateMachine().lastApplied()).isPositive();
  }

  @Test
  void restartResumesAndSnapshotRestoresIdenticalTables() throws Exception {
    long seller = newSeller();
    Item before = stub.createItem(item(seller, 0, "persisted").build());
    stub.takeStock(take("persist-r", before.getId(), 3));
    long applied = server.stateMachine().lastApplied();
    channel.shutdownNow();
    server.close();
    server = startServer(dbName);
    connect();
    assertThat(server.stateMachine().lastApplied()).isEqualTo(applied);
    assertThat(stub.getItem(GetItemRequest.newBuilder().setId(before.getId()).build())
        .getQuantity()).isEqualTo(7);
    Item after = stub.createItem(item(seller, 0, "next").build());
    assertThat(after.getId().getNumber()).isEqualTo(before.getId().getNumber() + 1);
    assertThat(server.stateMachine().lastApplied()).isEqualTo(applied + 1);

    ByteArrayOutputStream snap = new ByteArrayOutputStream();
    long at = server.stateMachine().snapshot(snap);
    String other = SharedLocalPostgres.newDatabase("productdb_copy");
    try (ProductDbServer copy = startServer(other)) {
      copy.stateMachine().restore(new ByteArrayInputStream(snap.toByteArray()));
      assertThat(copy.stateMachine().lastApplied()).isEqualTo(at);
      for (String t : List.of("items", "reservations", "reservation_lines", "item_votes",
          "idempotency", "replica_state")) {
        assertThat(dump(copy.stateMachine().dataSource(), t)).as(t)
            .isEqualTo(dump(server.stateMachine().dataSource(), t));
      }
    }
  }

  @Test
  void aStoppedReplicationAnswersUnavailable() {
    LocalPostgres pg = SharedLocalPostgres.get();
    SingleNodeReplication replication = new SingleNodeReplication(4, 8, null);
    try (ProductDbServer down = ProductDbServer.start("127.0.0.1", 0,
        pg.jdbcUrl(SharedLocalPostgres.newDatabase("productdb_down")), pg.user(), "",
        replication, Clock.systemUTC())) {
      ManagedChannel ch = ManagedChannelBuilder.forAddress("127.0.0.1", down.port())
          .usePlaintext().build();
      try {
        ProductDbGrpc.ProductDbBlockingStub s = ProductDbGrpc.newBlockingStub(ch)
            .withDeadlineAfter(30, TimeUnit.SECONDS);
        Item it = s.createItem(item(1, 1, "before").build());
        replication.close();
        assertCode(Status.Code.UNAVAILABLE, () -> s.createItem(item(1, 1, "after").build()));
        assertCode(Status.Code.UNAVAILABLE,
            () -> s.getItem(GetItemRequest.newBuilder().setId(it.getId()).build()));
        assertThat(s.status(StatusRequest.getDefaultInstance()).getHasQuorum()).isFalse();
        assertThat(s.status(StatusRequest.getDefaultInstance()).getMemberId()).isEqualTo(4);
      } finally {
        ch.shutdownNow();
      }
    }
  }

  static List<String> dump(DataSource ds, String table) throws Exception {
    List<String> rows = new ArrayList<>();
    try (Connection c = ds.getConnection(); Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT t::text FROM " + table + " t ORDER BY 1")) {
      while (rs.next()) {
        rows.add(rs.getString(1));
      }
    }
    return rows;
  }
}
