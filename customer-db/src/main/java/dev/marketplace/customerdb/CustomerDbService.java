package dev.marketplace.customerdb;

import static dev.marketplace.replica.Checks.idempotencyKey;
import static dev.marketplace.replica.Checks.invalid;
import static dev.marketplace.replica.Checks.range;
import static dev.marketplace.replica.Checks.text;

import dev.marketplace.proto.Done;
import dev.marketplace.proto.ItemId;
import dev.marketplace.proto.ReplicaStatus;
import dev.marketplace.proto.Role;
import dev.marketplace.proto.StatusRequest;
import dev.marketplace.proto.Vote;
import dev.marketplace.proto.customer.Account;
import dev.marketplace.proto.customer.AccountIdRequest;
import dev.marketplace.proto.customer.AuthInfo;
import dev.marketplace.proto.customer.Buyer;
import dev.marketplace.proto.customer.Cart;
import dev.marketplace.proto.customer.CartChangeRequest;
import dev.marketplace.proto.customer.CreateAccountRequest;
import dev.marketplace.proto.customer.CustomerDbGrpc;
import dev.marketplace.proto.customer.FeedbackRequest;
import dev.marketplace.proto.customer.GetPurchaseRequest;
import dev.marketplace.proto.customer.LoginRequest;
import dev.marketplace.proto.customer.Purchase;
import dev.marketplace.proto.customer.PurchaseLine;
import dev.marketplace.proto.customer.PurchaseList;
import dev.marketplace.proto.customer.RecordPurchaseRequest;
import dev.marketplace.proto.customer.Seller;
import dev.marketplace.proto.customer.Session;
import dev.marketplace.proto.customer.TokenRequest;
import dev.marketplace.proto.customer.commands.ChangeCart;
import dev.marketplace.proto.customer.commands.CreateAccount;
import dev.marketplace.proto.customer.commands.CreateSession;
import dev.marketplace.proto.customer.commands.CustomerCommand;
import dev.marketplace.proto.customer.commands.DeleteSession;
import dev.marketplace.proto.customer.commands.SessionCartOp;
import dev.marketplace.proto.customer.commands.TouchSession;
import dev.marketplace.replica.CommandRejectedException;
import dev.marketplace.replica.ErrorCode;
import dev.marketplace.replica.GrpcCalls;
import dev.marketplace.replica.ReplicaCalls;
import dev.marketplace.replica.GrpcErrors;
import dev.marketplace.replica.Replication;
import io.grpc.stub.StreamObserver;
import java.security.SecureRandom;
import java.sql.Connection;
import java.time.Clock;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.regex.Pattern;
import javax.sql.DataSource;

/**
 * The CustomerDb gRPC service: validates requests (INVALID_ARGUMENT naming the field), chooses
 * everything nondeterministic once (times, expiry times, session tokens from {@link SecureRandom},
 * password hashes), turns writes into {@link CustomerCommand}s, submits them to the {@link
 * Replication} and maps results. Reads (and Login's password check, and Authenticate) run after
 * the read barrier against this replica's database. Thread-safe.
 */
public final class CustomerDbService extends CustomerDbGrpc.CustomerDbImplBase {
  /**
   * Authenticate writes a new expiry only when the last refresh is older than this, or than a
   * third of the session timeout when that is shorter (so an active session never expires).
   */
  static final long TOUCH_COALESCE_MILLIS = 30_000;
  static final long MAX_UNITS = 1_000_000_000L;
  static final long MAX_AVAILABLE = 1_000_000_000_000L;
  static final long MAX_PRICE_CENTS = 100_000_000L;
  private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9_-]{1,128}");

  private final Replication replication;
  private final ReplicaCalls calls;
  private final DataSource db;
  private final Executor work;
  private final Clock clock;
  private final long sessionTimeoutMillis;
  private final PasswordHasher hasher;
  private final SecureRandom random = new SecureRandom();

  /**
   * @param work executor for reads and password hashing (blocking work)
   * @param sessionTimeoutSeconds inactivity after which a session expires
   */
  public CustomerDbService(Replication replication, DataSource db, Executor work, Clock clock,
      long sessionTimeoutSeconds, PasswordHasher hasher) {
    this.replication = replication;
    this.calls = new ReplicaCalls(replication, db, work);
    this.db = db;
    this.work = work;
    this.clock = clock;
    this.sessionTimeoutMillis = sessionTimeoutSeconds * 1000;
    this.hasher = hasher;
  }

  private CustomerCommand.Builder command(String key, long now) throws CommandRejectedException {
    return CustomerCommand.newBuilder().setNowMillis(now).setIdempotencyKey(idempotencyKey(key));
  }

  private static Role role(Role role) throws CommandRejectedException {
    if (role != Role.SELLER && role != Role.BUYER) {
      throw invalid("role", "must be SELLER or BUYER");
    }
    return role;
  }

  /** Empty tokens are INVALID_ARGUMENT; malformed ones cannot exist, so UNAUTHENTICATED. */
  private static String token(String token) throws CommandRejectedException {
    if (token.isEmpty()) {
      throw invalid("token", "required");
    }
    if (!TOKEN.matcher(token).matches()) {
      throw Queries.unauthenticated();
    }
    return token;
  }

  /** A cart rpc's token: role BUYER or unspecified, else UNAUTHENTICATED. */
  private static String buyerToken(TokenRequest r) throws CommandRejectedException {
    String token = token(r.getToken());
    if (r.getRole() != Role.ROLE_UNSPECIFIED && r.getRole() != Role.BUYER) {
      throw Queries.unauthenticated();
    }
    return token;
  }

  private static ItemId itemId(String field, ItemId id) throws CommandRejectedException {
    range(field + ".category", id.getCategory(), 0, 9);
    range(field + ".number", id.getNumber(), 1, Long.MAX_VALUE);
    return id;
  }

  private static long accountId(String field, long id) throws CommandRejectedException {
    return range(field, id, 1, Long.MAX_VALUE);
  }

  private String newToken() {
    byte[] b = new byte[32];
    random.nextBytes(b);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  // ---- accounts and sessions ----

  @Override
  public void createSeller(CreateAccountRequest r, StreamObserver<Account> out) {
    createAccount(Role.SELLER, r, out);
  }

  @Override
  public void createBuyer(CreateAccountRequest r, StreamObserver<Account> out) {
    createAccount(Role.BUYER, r, out);
  }

  private void createAccount(Role role, CreateAccountRequest r, StreamObserver<Account> out) {
    try {
      text("username", r.getUsername(), 1, 32);
      text("password", r.getPassword(), 6, 128);
      text("name", r.getName(), 1, 32);
      idempotencyKey(r.getIdempotencyKey());
    } catch (CommandRejectedException e) {
      GrpcCalls.reject(e, out);
      return;
    }
    CompletableFuture.supplyAsync(() -> hasher.hash(r.getPassword()), work)
        .whenComplete((hash, err) -> {
          if (err != null) {
            out.onError(GrpcErrors.of(err));
            return;
          }
          calls.write(out, Account::parseFrom, () -> command(r.getIdempotencyKey(),
              clock.millis()).setCreateAccount(CreateAccount.newBuilder().setRole(role)
                  .setUsername(r.getUsername()).setName(r.getName()).setPasswordHash(hash)));
        });
  }

  @Override
  public void login(LoginRequest r, StreamObserver<Session> out) {
    try {
      role(r.getRole());
      text("username", r.getUsername(), 1, 32);
      if (r.getPassword().isEmpty() || r.getPassword().length() > 1024) {
        throw invalid("password", "must be 1-1024 characters");
      }
      idempotencyKey(r.getIdempotencyKey());
    } catch (CommandRejectedException e) {
      GrpcCalls.reject(e, out);
      return;
    }
    replication.readBarrier().thenApplyAsync(ignored -> {
      Object[] cred;
      try (Connection c = db.getConnection()) {
        cred = Queries.credentials(c, r.getRole(), r.getUsername());
      } catch (java.sql.SQLException e) {
        throw new java.util.concurrent.CompletionException(e);
      }
      if (cred == null) {
        hasher.verifyDummy(r.getPassword());
        return null;
      }
      return hasher.verify(r.getPassword(), (String) cred[1]) ? (Long) cred[0] : null;
    }, work).whenComplete((accountId, err) -> {
      if (err != null) {
        out.onError(GrpcErrors.of(err));
        return;
      }
      if (accountId == null) {
        out.onError(GrpcErrors.of(ErrorCode.UNAUTHENTICATED, "wrong username or password"));
        return;
      }
      long now = clock.millis();
      calls.write(out, Session::parseFrom, () -> command(r.getIdempotencyKey(), now)
          .setCreateSession(CreateSession.newBuilder().setRole(r.getRole())
              .setAccountId(accountId).setToken(newToken())
              .setExpiresAtMillis(now + sessionTimeoutMillis)
              .setTimeoutSeconds(sessionTimeoutMillis / 1000)));
    });
  }

  @Override
  public void logout(TokenRequest r, StreamObserver<Done> out) {
    calls.write(out, Done::parseFrom, () -> {
      role(r.getRole());
      String token = token(r.getToken()); // a token that cannot exist is UNAUTHENTICATED
      return command(r.getIdempotencyKey(), clock.millis())
          .setDeleteSession(DeleteSession.newBuilder().setToken(token).setRole(r.getRole()));
    });
  }

  @Override
  public void authenticate(TokenRequest r, StreamObserver<AuthInfo> out) {
    try {
      role(r.getRole());
      token(r.getToken());
      idempotencyKey(r.getIdempotencyKey());
    } catch (CommandRejectedException e) {
      GrpcCalls.reject(e, out);
      return;
    }
    replication.readBarrier().thenApplyAsync(ignored -> {
      long now = clock.millis();
      try (Connection c = db.getConnection()) {
        return Queries.liveSession(c, r.getToken(), r.getRole(), now);
      } catch (java.sql.SQLException | CommandRejectedException e) {
        throw new java.util.concurrent.CompletionException(e);
      }
    }, work).whenComplete((s, err) -> {
      if (err != null) {
        out.onError(GrpcErrors.of(err));
        return;
      }
      long now = clock.millis();
      if (now - s.refreshedAtMillis() < Math.min(TOUCH_COALESCE_MILLIS, sessionTimeoutMillis / 3)) {
        out.onNext(AuthInfo.newBuilder().setAccountId(s.accountId()).setRole(s.role())
            .setExpiresInSeconds(CustomerHandler.seconds(s.expiresAtMillis() - now)).build());
        out.onCompleted();
        return;
      }
      // No idempotency key: a refresh is naturally idempotent, and a replayed key must not
      // return an old expiry.
      calls.write(out, AuthInfo::parseFrom, () -> command("", now)
          .setTouchSession(TouchSession.newBuilder().setToken(r.getToken()).setRole(r.getRole())
              .setExpiresAtMillis(now + sessionTimeoutMillis)));
    });
  }

  @Override
  public void getSeller(AccountIdRequest r, StreamObserver<Seller> out) {
    calls.read(out, () -> accountId("account_id", r.getAccountId()), Queries::seller);
  }

  @Override
  public void getBuyer(AccountIdRequest r, StreamObserver<Buyer> out) {
    calls.read(out, () -> accountId("account_id", r.getAccountId()), Queries::buyer);
  }

  // ---- carts ----

  @Override
  public void getCart(TokenRequest r, StreamObserver<Cart> out) {
    calls.read(out, () -> buyerToken(r), (c, token) -> {
      Queries.liveSession(c, token, Role.BUYER, clock.millis());
      return Queries.cart(c, token);
    });
  }

  @Override
  public void addToCart(CartChangeRequest r, StreamObserver<Cart> out) {
    changeCart(r, true, out);
  }

  @Override
  public void removeFromCart(CartChangeRequest r, StreamObserver<Cart> out) {
    changeCart(r, false, out);
  }

  private void changeCart(CartChangeRequest r, boolean add, StreamObserver<Cart> out) {
    calls.write(out, Cart::parseFrom, () -> {
      String token = token(r.getToken());
      itemId("item_id", r.getItemId());
      range("quantity", r.getQuantity(), 1, MAX_UNITS);
      if (add) {
        range("available", r.getAvailable(), 0, MAX_AVAILABLE);
      }
      long now = clock.millis();
      return command(r.getIdempotencyKey(), now)
          .setChangeCart(ChangeCart.newBuilder().setToken(token).setItemId(r.getItemId())
              .setQuantity(r.getQuantity()).setAvailable(add ? r.getAvailable() : 0).setAdd(add)
              .setExpiresAtMillis(now + sessionTimeoutMillis));
    });
  }

  @Override
  public void clearCart(TokenRequest r, StreamObserver<Cart> out) {
    sessionCartOp(r, false, out);
  }

  @Override
  public void saveCart(TokenRequest r, StreamObserver<Cart> out) {
    sessionCartOp(r, true, out);
  }

  private void sessionCartOp(TokenRequest r, boolean save, StreamObserver<Cart> out) {
    calls.write(out, Cart::parseFrom, () -> {
      String token = buyerToken(r);
      long now = clock.millis();
      SessionCartOp op = SessionCartOp.newBuilder().setToken(token)
          .setExpiresAtMillis(now + sessionTimeoutMillis).build();
      CustomerCommand.Builder b = command(r.getIdempotencyKey(), now);
      return save ? b.setSaveCart(op) : b.setClearCart(op);
    });
  }

  // ---- purchases and feedback ----

  @Override
  public void recordPurchase(RecordPurchaseRequest r, StreamObserver<Purchase> out) {
    calls.write(out, Purchase::parseFrom, () -> {
      if (!r.getToken().isEmpty() && !TOKEN.matcher(r.getToken()).matches()) {
        throw invalid("token", "malformed");
      }
      accountId("buyer_id", r.getBuyerId());
      text("purchase_id", r.getPurchaseId(), 1, 128);
      if (r.getLinesCount() == 0 || r.getLinesCount() > 100) {
        throw invalid("lines", "must hold 1-100 lines, got " + r.getLinesCount());
      }
      long total = 0;
      for (int i = 0; i < r.getLinesCount(); i++) {
        PurchaseLine l = r.getLines(i);
        String f = "lines[" + i + "]";
        itemId(f + ".item_id", l.getItemId());
        text(f + ".name", l.getName(), 1, 32);
        range(f + ".quantity", l.getQuantity(), 1, MAX_UNITS);
        range(f + ".unit_price_cents", l.getUnitPriceCents(), 1, MAX_PRICE_CENTS);
        accountId(f + ".seller_id", l.getSellerId());
        try {
          total = Math.addExact(total, Math.multiplyExact(l.getQuantity(), l.getUnitPriceCents()));
        } catch (ArithmeticException e) {
          throw invalid("total_cents", "overflows");
        }
      }
      if (r.getTotalCents() != total) {
        throw invalid("total_cents", "must equal the sum of quantity * unit price (" + total
            + "), got " + r.getTotalCents());
      }
      range("purchased_at_millis", r.getPurchasedAtMillis(), 1, Long.MAX_VALUE);
      return command(r.getIdempotencyKey(), clock.millis()).setRecordPurchase(r);
    });
  }

  @Override
  public void listPurchases(AccountIdRequest r, StreamObserver<PurchaseList> out) {
    calls.read(out, () -> accountId("account_id", r.getAccountId()), Queries::purchases);
  }

  /** One purchase of a buyer: one indexed statement after the read barrier, like the list. */
  @Override
  public void getPurchase(GetPurchaseRequest r, StreamObserver<Purchase> out) {
    calls.read(out, () -> {
      accountId("buyer_id", r.getBuyerId());
      text("purchase_id", r.getPurchaseId(), 1, 128);
      return r;
    }, (c, checked) -> PurchaseReads.purchase(c, checked.getBuyerId(), checked.getPurchaseId()));
  }

  @Override
  public void recordFeedback(FeedbackRequest r, StreamObserver<Done> out) {
    calls.write(out, Done::parseFrom, () -> {
      accountId("buyer_id", r.getBuyerId());
      itemId("item_id", r.getItemId());
      accountId("seller_id", r.getSellerId());
      if (r.getVote() != Vote.UP && r.getVote() != Vote.DOWN) {
        throw invalid("vote", "must be UP or DOWN");
      }
      return command(r.getIdempotencyKey(), clock.millis()).setRecordFeedback(r);
    });
  }

  @Override
  public void status(StatusRequest r, StreamObserver<ReplicaStatus> out) {
    calls.status(out);
  }
}
