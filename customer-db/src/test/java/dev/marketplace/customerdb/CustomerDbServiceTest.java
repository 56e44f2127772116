package dev.marketplace.customerdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.marketplace.postgres.LocalPostgres;
import dev.marketplace.postgres.SharedLocalPostgres;
import dev.marketplace.proto.ItemId;
import dev.marketplace.proto.Role;
import dev.marketplace.proto.StatusRequest;
import dev.marketplace.proto.Vote;
import dev.marketplace.proto.customer.Account;
import dev.marketplace.proto.customer.AccountIdRequest;
import dev.marketplace.proto.customer.AuthInfo;
import dev.marketplace.proto.customer.Cart;
import dev.marketplace.proto.customer.CartChangeRequest;
import dev.marketplace.proto.customer.CartLine;
import dev.marketplace.proto.customer.CreateAccountRequest;
import dev.marketplace.proto.customer.CustomerDbGrpc;
import dev.marketplace.proto.customer.FeedbackRequest;
import dev.marketplace.proto.customer.GetPurchaseRequest;
import dev.marketplace.proto.customer.LoginRequest;
import dev.marketplace.proto.customer.Purchase;
import dev.marketplace.proto.customer.PurchaseLine;
import dev.marketplace.proto.customer.RecordPurchaseRequest;
import dev.marketplace.proto.customer.Session;
import dev.marketplace.proto.customer.TokenRequest;
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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class CustomerDbServiceTest {
  static final MutableClock CLOCK = new MutableClock(1_800_000_000_000L);
  static final AtomicInteger SEQ = new AtomicInteger();
  static String dbName;
  static CustomerDbServer server;
  static ManagedChannel channel;
  static CustomerDbGrpc.CustomerDbBlockingStub stub;

  static CustomerDbServer startServer(String db) {
    LocalPostgres pg = SharedLocalPostgres.get();
    return CustomerDbServer.start("127.0.0.1", 0, pg.jdbcUrl(db), pg.user(), "",
        new SingleNodeReplication(0, 64, null), CLOCK, 300, 1000);
  }

  static void connect() {
    channel = ManagedChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
    stub = CustomerDbGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
  }

  @BeforeAll
  static void start() {
    dbName = SharedLocalPostgres.newDatabase("customerdb");
    server = startServer(dbName);
    connect();
  }

  @AfterAll
  static void stop() {
    channel.shutdownNow();
    server.close();
  }

  static String uniq(String p) {
    return p + SEQ.incrementAndGet();
  }

  static CreateAccountRequest acct(String username) {
    return CreateAccountRequest.newBuilder().setUsername(username).setPassword("secret1")
        .setName(username.codePointCount(0, username.length()) <= 27 ? "Name " + username : "N")
        .build();
  }

  static Session login(Role role, String username, String password) {
    return stub.login(LoginRequest.newBuilder().setRole(role).setUsername(username)
        .setPassword(password).build());
  }

  static TokenRequest tok(Session s, Role role) {
    return TokenRequest.newBuilder().setToken(s.getToken()).setRole(role).build();
  }

  static ItemId item(int c, long n) {
    return ItemId.newBuilder().setCategory(c).setNumber(n).build();
  }

  static CartChangeRequest change(Session s, ItemId id, long qty, long available) {
    return CartChangeRequest.newBuilder().setToken(s.getToken()).setItemId(id).setQuantity(qty)
        .setAvailable(available).build();
  }

  static void assertCode(Status.Code code, ThrowingCallable call) {
    assertThatThrownBy(call).isInstanceOfSatisfying(StatusRuntimeException.class,
        e -> assertThat(e.getStatus().getCode()).as(e.getStatus().toString()).isEqualTo(code));
  }

  static long count(String sql) throws Exception {
    try (Connection c = server.stateMachine().dataSource().getConnection();
        Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  @Test
  void accountsAreCreatedPerRoleWithUniqueUsernamesAndHashedPasswords() throws Exception {
    String u = uniq("alice");
    Account s = stub.createSeller(acct(u));
    Account b = stub.createBuyer(acct(u)); // separate namespaces
    assertThat(s.getUsername()).isEqualTo(u);
    assertThat(b.getId()).isPositive();
    assertCode(Status.Code.ALREADY_EXISTS, () -> stub.createSeller(acct(u)));
    assertThat(stub.getSeller(AccountIdRequest.newBuilder().setAccountId(s.getId()).build())
        .getName()).isEqualTo("Name " + u);
    assertThat(stub.getBuyer(AccountIdRequest.newBuilder().setAccountId(b.getId()).build())
        .getItemsPurchased()).isZero();
    assertCode(Status.Code.NOT_FOUND, () -> stub.getSeller(AccountIdRequest.newBuilder()
        .setAccountId(987_654).build()));
    assertCode(Status.Code.INVALID_ARGUMENT, () -> stub.getBuyer(AccountIdRequest.newBuilder()
        .setAccountId(-1).build()));
    assertThat(count("SELECT count(*) FROM sellers WHERE password_hash LIKE 'pbkdf2$1000$%' "
        + "AND password_hash NOT LIKE '%secret1%'")).isPositive();
    // idempotent replay returns the first account
    CreateAccountRequest keyed = acct(uniq("keyed")).toBuilder().setIdempotencyKey("acct-k1")
        .build();
    Account first = stub.createBuyer(keyed);
    assertThat(stub.createBuyer(keyed)).isEqualTo(first);
  }

  @Test
  void badAccountInputIsInvalidArgumentAndCreatesNothing() throws Exception {
    long before = count("SELECT count(*) FROM sellers");
    List<CreateAccountRequest> bad = List.of(
        acct(""), acct("x".repeat(33)), acct("😀".repeat(33)), acct("nul\u0000"),
        acct("tab\tname"), acct("ok1").toBuilder().setPassword("12345").build(),
        acct("ok2").toBuilder().setPassword("p".repeat(129)).build(),
        acct("ok3").toBuilder().setName("").build(),
        acct("ok4").toBuilder().setIdempotencyKey("bad key!").build());
    for (CreateAccountRequest r : bad) {
      assertThatThrownBy(() -> stub.createSeller(r)).as(r.toString())
          .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(
              e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
    }
    assertThat(count("SELECT count(*) FROM sellers")).isEqualTo(before);
    String evil = "'; DROP TABLE sellers; --";
    Account a = stub.createSeller(acct(evil));
    assertThat(a.getUsername()).isEqualTo(evil);
    Session s = login(Role.SELLER, evil, "secret1");
    assertThat(s.getAccountId()).isEqualTo(a.getId());
    assertThat(stub.createSeller(acct("😀".repeat(32))).getUsername()).hasSize(64);
  }

  @Test
  void loginAuthenticateRefreshAndExpiry() throws Exception {
    String u = uniq("bob");
    Account seller = stub.createSeller(acct(u));
    assertCode(Status.Code.UNAUTHENTICATED, () -> login(Role.SELLER, u, "wrong-pw"));
    assertCode(Status.Code.UNAUTHENTICATED, () -> login(Role.BUYER, u, "secret1"));
    assertCode(Status.Code.UNAUTHENTICATED, () -> login(Role.SELLER, uniq("nobody"), "secret1"));
    assertCode(Status.Code.INVALID_ARGUMENT, () -> login(Role.ROLE_UNSPECIFIED, u, "secret1"));
    Session s = login(Role.SELLER, u, "secret1");
    assertThat(s.getToken()).matches("[A-Za-z0-9_-]{43}");
    assertThat(s.getAccountId()).isEqualTo(seller.getId());
    assertThat(s.getExpiresInSeconds()).isEqualTo(300);
    AuthInfo a = stub.authenticate(tok(s, Role.SELLER));
    assertThat(a.getAccountId()).isEqualTo(seller.getId());
    assertThat(a.getRole()).isEqualTo(Role.SELLER);
    assertCode(Status.Code.UNAUTHENTICATED, () -> stub.authenticate(tok(s, Role.BUYER)));
    // within 30 s of the last refresh: a pure read, nothing is written
    CLOCK.advanceSeconds(10);
    long applied = server.stateMachine().lastApplied();
    assertThat(stub.authenticate(tok(s, Role.SELLER)).getExpiresInSeconds()).isEqualTo(290);
    assertThat(server.stateMachine().lastApplied()).isEqualTo(applied);
    // older than 30 s: a Touch moves the expiry
    CLOCK.advanceSeconds(200);
    assertThat(stub.authenticate(tok(s, Role.SELLER)).getExpiresInSeconds()).isEqualTo(300);
    assertThat(server.stateMachine().lastApplied()).isEqualTo(applied + 1);
    CLOCK.advanceSeconds(301);
    assertCode(Status.Code.UNAUTHENTICATED, () -> stub.authenticate(tok(s, Role.SELLER)));
    assertCode(Status.Code.UNAUTHENTICATED, () -> stub.authenticate(TokenRequest.newBuilder()
        .setToken("no'such;token").setRole(Role.SELLER).build()));
    assertCode(Status.Code.INVALID_ARGUMENT, () -> stub.authenticate(TokenRequest.newBuilder()
        .setRole(Role.SELLER).build()));
    // logout: a retry with the same key gets the first result; otherwise a gone token is 401
    Session s2 = login(Role.SELLER, u, "secret1");
    TokenRequest keyed = tok(s2, Role.SELLER).toBuilder().setIdempotencyKey("logout-1").build();
    stub.logout(keyed);
    stub.logout(keyed);
    assertCode(Status.Code.UNAUTHENTICATED, () -> stub.logout(tok(s2, Role.SELLER)));
    assertCode(Status.Code.UNAUTHENTICATED, () -> stub.logout(
        TokenRequest.newBuilder().setToken("unknown").setRole(Role.SELLER).build()));
    assertCode(Status.Code.UNAUTHENTICATED, () -> stub.authenticate(tok(s2, Role.SELLER)));
    Session s3 = login(Role.SELLER, u, "secret1");
    assertCode(Status.Code.UNAUTHENTICATED, () -> stub.logout(tok(s3, Role.BUYER)));
    stub.authenticate(tok(s3, Role.SELLER)); // the other role's logout left it alone
  }

  @Test
  void cartsAreSessionScopedAndSavedCartsSurviveLogout() {
    String u = uniq("carol");
    stub.createBuyer(acct(u));
    Session s = login(Role.BUYER, u, "secret1");
    ItemId a = item(1, 5);
    ItemId b = item(0, 9);
    stub.addToCart(change(s, a, 2, 5));
    Cart cart = stub.addToCart(change(s, b, 1, 1));
    assertThat(cart.getLinesList()).extracting(CartLine::getItemId).containsExactly(b, a);
    assertCode(Status.Code.FAILED_PRECONDITION, () -> stub.addToCart(change(s, a, 4, 5)));
    assertCode(Status.Code.INVALID_ARGUMENT, () -> stub.addToCart(change(s, a, 0, 5)));
    assertCode(Status.Code.INVALID_ARGUMENT, () -> stub.addToCart(change(s, a, -3, 5)));
    assertCode(Status.Code.INVALID_ARGUMENT, () -> stub.addToCart(change(s, item(10, 1), 1, 5)));
    assertCode(Status.Code.INVALID_ARGUMENT, () -> stub.addToCart(change(s, a, 1, -1)));
    assertCode(Status.Code.INVALID_ARGUMENT,
        () -> stub.addToCart(change(s, a, Long.MAX_VALUE, Long.MAX_VALUE)));
    assertThat(stub.getCart(tok(s, Role.BUYER))).isEqualTo(cart);
    assertThat(stub.removeFromCart(change(s, b, 99, 0)).getLinesList())
        .extracting(CartLine::getQuantity).containsExactly(2L);
    stub.saveCart(tok(s, Role.BUYER));
    stub.addToCart(change(s, b, 1, 1)); // not saved
    stub.logout(tok(s, Role.BUYER));
    assertCode(Status.Code.UNAUTHENTICATED, () -> stub.getCart(tok(s, Role.BUYER)));
    assertCode(Status.Code.UNAUTHENTICATED, () -> stub.addToCart(change(s, a, 1, 5)));
    Session s2 = login(Role.BUYER, u, "secret1");
    assertThat(stub.getCart(tok(s2, Role.BUYER)).getLinesList()).containsExactly(
        CartLine.newBuilder().setItemId(a).setQuantity(2).build());
    assertThat(stub.clearCart(tok(s2, Role.BUYER)).getLinesCount()).isZero();
    assertThat(stub.getCart(tok(s2, Role.BUYER)).getLinesCount()).isZero();
    // a seller session has no cart
    String sel = uniq("seller");
    stub.createSeller(acct(sel));
    Session ss = login(Role.SELLER, sel, "secret1");
    assertCode(Status.Code.UNAUTHENTICATED, () -> stub.addToCart(change(ss, a, 1, 5)));
    assertCode(Status.Code.UNAUTHENTICATED, () -> stub.getCart(tok(ss, Role.BUYER)));
  }

  @Test
  void listPurchasesGivesEveryPurchaseOldestFirstWithItsLinesInOrder() {
    Account seller = stub.createSeller(acct(uniq("shop")));
    String bu = uniq("lister");
    Account buyer = stub.createBuyer(acct(bu));
    Account other = stub.createBuyer(acct(uniq("other")));
    assertThat(stub.listPurchases(AccountIdRequest.newBuilder().setAccountId(buyer.getId())
        .build()).getPurchasesList()).isEmpty();
    List<Purchase> recorded = new ArrayList<>();
    for (int n = 1; n <= 4; n++) {
      Session s = login(Role.BUYER, bu, "secret1");
      RecordPurchaseRequest.Builder req = RecordPurchaseRequest.newBuilder()
          .setToken(s.getToken()).setBuyerId(buyer.getId()).setPurchaseId(uniq("p-" + n + "-"))
          .setPurchasedAtMillis(CLOCK.millis());
      long total = 0;
      for (int line = n; line >= 1; line--) { // lines in descending item order
        stub.addToCart(change(s, item(7, line), 1, 10));
        req.addLines(PurchaseLine.newBuilder().setItemId(item(7, line)).setName("thing " + line)
            .setQuantity(1).setUnitPriceCents(100L * line).setSellerId(seller.getId()));
        total += 100L * line;
      }
      recorded.add(stub.recordPurchase(req.setTotalCents(total).build()));
    }
    assertThat(stub.listPurchases(AccountIdRequest.newBuilder().setAccountId(buyer.getId())
        .build()).getPurchasesList()).containsExactlyElementsOf(recorded);
    assertThat(recorded.get(3).getLinesList()).extracting(l -> l.getItemId().getNumber())
        .containsExactly(4L, 3L, 2L, 1L);
    assertThat(stub.listPurchases(AccountIdRequest.newBuilder().setAccountId(other.getId())
        .build()).getPurchasesList()).isEmpty();
  }

  @Test
  void getPurchaseFindsOnlyTheBuyersOwnPurchaseById() {
    Account seller = stub.createSeller(acct(uniq("shop")));
    String bu = uniq("getter");
    Account buyer = stub.createBuyer(acct(bu));
    Account other = stub.createBuyer(acct(uniq("other")));
    Session s = login(Role.BUYER, bu, "secret1");
    RecordPurchaseRequest.Builder req = RecordPurchaseRequest.newBuilder()
        .setToken(s.getToken()).setBuyerId(buyer.getId()).setPurchaseId(uniq("p-get-"))
        .setPurchasedAtMillis(CLOCK.millis());
    for (int line = 3; line >= 1; line--) { // lines in descending item order
      req.addLines(PurchaseLine.newBuilder().setItemId(item(6, line)).setName("part " + line)
          .setQuantity(line).setUnitPriceCents(100L).setSellerId(seller.getId()));
    }
    req.setTotalCents(600);
    Purchase first = stub.recordPurchase(req.build());
    Purchase second = stub.recordPurchase(req.setPurchaseId(uniq("p-get-")).build());
    GetPurchaseRequest get = GetPurchaseRequest.newBuilder().setBuyerId(buyer.getId())
        .setPurchaseId(first.getId()).build();

    assertThat(stub.getPurchase(get)).isEqualTo(first);
    assertThat(stub.getPurchase(get).getLinesList()).extracting(l -> l.getItemId().getNumber())
        .containsExactly(3L, 2L, 1L);
    assertThat(stub.getPurchase(get.toBuilder().setPurchaseId(second.getId()).build()))
        .isEqualTo(second);
    // not found: an unknown id, another buyer's purchase, an unknown buyer
    assertCode(Status.Code.NOT_FOUND,
        () -> stub.getPurchase(get.toBuilder().setPurchaseId(uniq("p-never-")).build()));
    assertCode(Status.Code.NOT_FOUND,
        () -> stub.getPurchase(get.toBuilder().setBuyerId(other.getId()).build()));
    assertCode(Status.Code.NOT_FOUND,
        () -> stub.getPurchase(get.toBuilder().setBuyerId(888_888).build()));
    // bad input names the field
    assertCode(Status.Code.INVALID_ARGUMENT,
        () -> stub.getPurchase(get.toBuilder().setBuyerId(0).build()));
    assertCode(Status.Code.INVALID_ARGUMENT,
        () -> stub.getPurchase(get.toBuilder().setPurchaseId("").build()));
    assertCode(Status.Code.INVALID_ARGUMENT,
        () -> stub.getPurchase(get.toBuilder().setPurchaseId("x".repeat(129)).build()));
  }

  @Test
  void purchasesAreRecordedOnceAndFeedbackNeedsAPurchase() {
    String su = uniq("shop");
    Account seller = stub.createSeller(acct(su));
    String bu = uniq("dave");
    Account buyer = stub.createBuyer(acct(bu));
    Session s = login(Role.BUYER, bu, "secret1");
    ItemId it = item(4, 2);
    stub.addToCart(change(s, it, 3, 10));
    stub.saveCart(tok(s, Role.BUYER));
    RecordPurchaseRequest req = RecordPurchaseRequest.newBuilder().setToken(s.getToken())
        .setBuyerId(buyer.getId()).setPurchaseId(uniq("p-"))
        .addLines(PurchaseLine.newBuilder().setItemId(it).setName("lamp").setQuantity(3)
            .setUnitPriceCents(250).setSellerId(seller.getId()))
        .setTotalCents(750).setPurchasedAtMillis(CLOCK.millis()).build();
    assertCode(Status.Code.INVALID_ARGUMENT,
        () -> stub.recordPurchase(req.toBuilder().setTotalCents(749).build()));
    assertCode(Status.Code.INVALID_ARGUMENT,
        () -> stub.recordPurchase(req.toBuilder().clearLines().setTotalCents(0).build()));
    assertCode(Status.Code.NOT_FOUND,
        () -> stub.recordPurchase(req.toBuilder().setBuyerId(999_999).build()));
    Purchase p = stub.recordPurchase(req);
    assertThat(p.getTotalCents()).isEqualTo(750);
    assertThat(stub.recordPurchase(req)).isEqualTo(p); // idempotent by purchase_id
    assertThat(stub.getBuyer(AccountIdRequest.newBuilder().setAccountId(buyer.getId()).build())
        .getItemsPurchased()).isEqualTo(3);
    assertThat(stub.getSeller(AccountIdRequest.newBuilder().setAccountId(seller.getId()).build())
        .getItemsSold()).isEqualTo(3);
    assertThat(stub.getCart(tok(s, Role.BUYER)).getLinesCount()).isZero();
    assertThat(stub.listPurchases(AccountIdRequest.newBuilder().setAccountId(buyer.getId())
        .build()).getPurchasesList()).containsExactly(p);
    assertCode(Status.Code.NOT_FOUND, () -> stub.listPurchases(AccountIdRequest.newBuilder()
        .setAccountId(888_888).build()));
    // the saved cart was emptied too
    Session s2 = login(Role.BUYER, bu, "secret1");
    assertThat(stub.getCart(tok(s2, Role.BUYER)).getLinesCount()).isZero();
    // someone else's session
    String eu = uniq("eve");
    Account eve = stub.createBuyer(acct(eu));
    assertCode(Status.Code.PERMISSION_DENIED, () -> stub.recordPurchase(req.toBuilder()
        .setPurchaseId(uniq("p-")).setBuyerId(eve.getId()).build()));

    FeedbackRequest fb = FeedbackRequest.newBuilder().setBuyerId(buyer.getId()).setItemId(it)
        .setSellerId(seller.getId()).setVote(Vote.UP).build();
    assertCode(Status.Code.FAILED_PRECONDITION,
        () -> stub.recordFeedback(fb.toBuilder().setItemId(item(4, 3)).build()));
    assertCode(Status.Code.NOT_FOUND,
        () -> stub.recordFeedback(fb.toBuilder().setSellerId(777_777).build()));
    Account otherSeller = stub.createSeller(acct(uniq("other")));
    assertCode(Status.Code.INVALID_ARGUMENT,
        () -> stub.recordFeedback(fb.toBuilder().setSellerId(otherSeller.getId()).build()));
    assertCode(Status.Code.INVALID_ARGUMENT,
        () -> stub.recordFeedback(fb.toBuilder().setVote(Vote.VOTE_UNSPECIFIED).build()));
    stub.recordFeedback(fb);
    assertCode(Status.Code.ALREADY_EXISTS, () -> stub.recordFeedback(fb));
    assertThat(stub.getSeller(AccountIdRequest.newBuilder().setAccountId(seller.getId()).build())
        .getRating().getThumbsUp()).isEqualTo(1);
    // a keyed feedback replays its first result, even the later ALREADY_EXISTS does not appear
    FeedbackRequest keyed = fb.toBuilder().setIdempotencyKey("fb-key-1").build();
    assertCode(Status.Code.ALREADY_EXISTS, () -> stub.recordFeedback(keyed));
    assertCode(Status.Code.ALREADY_EXISTS, () -> stub.recordFeedback(keyed));
    assertThat(stub.status(StatusRequest.getDefaultInstance()).getHasQuorum()).isTrue();
  }

  @Test
  void restartResumesAndSnapshotRestoresIdenticalTables() throws Exception {
    String u = uniq("frank");
    Account b = stub.createBuyer(acct(u));
    Session s = login(Role.BUYER, u, "secret1");
    stub.addToCart(change(s, item(2, 2), 1, 1));
    long applied = server.stateMachine().lastApplied();
    channel.shutdownNow();
    server.close();
    server = startServer(dbName);
    connect();
    assertThat(server.stateMachine().lastApplied()).isEqualTo(applied);
    assertThat(stub.getCart(tok(s, Role.BUYER)).getLinesCount()).isEqualTo(1);
    Account next = stub.createBuyer(acct(uniq("gina")));
    assertThat(next.getId()).isEqualTo(b.getId() + 1);
    assertThat(server.stateMachine().lastApplied()).isEqualTo(applied + 1);

    ByteArrayOutputStream snap = new ByteArrayOutputStream();
    long at = server.stateMachine().snapshot(snap);
    try (CustomerDbServer copy = startServer(SharedLocalPostgres.newDatabase("customerdb_copy"))) {
      assertThat(copy.stateMachine().restore(new ByteArrayInputStream(snap.toByteArray())))
          .isEqualTo(at);
      for (String t : List.of("sellers", "buyers", "sessions", "cart_lines", "saved_cart_lines",
          "purchases", "purchase_lines", "feedback", "idempotency", "replica_state")) {
        assertThat(dump(copy.stateMachine().dataSource(), t)).as(t)
            .isEqualTo(dump(server.stateMachine().dataSource(), t));
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
