package dev.marketplace.rest.testing;

import dev.marketplace.proto.Done;
import dev.marketplace.proto.ItemId;
import dev.marketplace.proto.Rating;
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
import dev.marketplace.proto.customer.CartLine;
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
import io.grpc.Status.Code;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

/**
 * In-memory fake of one CustomerDb replica for the REST servers' endpoint tests. Replicas made
 * from the same {@link State} share it (like a replicated store). Test scope only; not the real
 * database. Thread-safe (one lock per state).
 */
public final class FakeCustomerDb extends CustomerDbGrpc.CustomerDbImplBase
    implements FakeReplica {
  /** Shared state of all fake replicas of one database. */
  public static final class State {
    final Map<String, Object> applied = Fakes.newAppliedMap();
    final Map<Role, Map<String, Acct>> byUsername = new HashMap<>();
    final Map<Role, Map<Long, Acct>> byId = new HashMap<>();
    final Map<String, Sess> sessions = new HashMap<>();
    final Map<Long, TreeMap<String, CartLine>> savedCarts = new HashMap<>();
    final Map<Long, List<Purchase>> purchases = new HashMap<>();
    final Map<String, Purchase> purchaseById = new HashMap<>();
    final Set<String> feedback = new HashSet<>();
    long nextId = 1;

    State() {
      for (Role r : List.of(Role.SELLER, Role.BUYER)) {
        byUsername.put(r, new HashMap<>());
        byId.put(r, new HashMap<>());
      }
    }

    /** Expires a session (as if 5 minutes passed). */
    public synchronized void expire(String token) {
      sessions.remove(token);
    }
  }

  static final class Acct {
    long id;
    String username;
    String password;
    String name;
    long up;
    long down;
    long itemsSold;
    long itemsPurchased;
  }

  static final class Sess {
    long account;
    Role role;
    TreeMap<String, CartLine> cart = new TreeMap<>();
  }

  final State state;
  final Fakes.ReplicaControl control = new Fakes.ReplicaControl();

  /** A fresh, empty shared state. */
  public static State newState() {
    return new State();
  }

  public FakeCustomerDb(State state) {
    this.state = state;
  }

  @Override
  public Fakes.ReplicaControl control() {
    return control;
  }

  public State state() {
    return state;
  }

  @Override
  public void createSeller(CreateAccountRequest r, StreamObserver<Account> o) {
    Fakes.run(control, state, o, () -> create(Role.SELLER, r));
  }

  @Override
  public void createBuyer(CreateAccountRequest r, StreamObserver<Account> o) {
    Fakes.run(control, state, o, () -> create(Role.BUYER, r));
  }

  private Account create(Role role, CreateAccountRequest r) {
    return Fakes.idempotent(state.applied, r.getIdempotencyKey(), () -> {
      if (r.getUsername().isEmpty() || r.getUsername().length() > 32
          || r.getPassword().length() < 6 || r.getName().isEmpty()) {
        throw Fakes.invalid("bad account");
      }
      if (state.byUsername.get(role).containsKey(r.getUsername())) {
        throw Fakes.status(Code.ALREADY_EXISTS, "username taken");
      }
      Acct a = new Acct();
      a.id = state.nextId++;
      a.username = r.getUsername();
      a.password = r.getPassword();
      a.name = r.getName();
      state.byUsername.get(role).put(a.username, a);
      state.byId.get(role).put(a.id, a);
      return Account.newBuilder().setId(a.id).setUsername(a.username).setName(a.name).build();
    });
  }

  @Override
  public void login(LoginRequest r, StreamObserver<Session> o) {
    Fakes.run(control, state, o, () -> Fakes.idempotent(state.applied, r.getIdempotencyKey(),
        () -> {
          if (r.getRole() == Role.ROLE_UNSPECIFIED) {
            throw Fakes.invalid("role");
          }
          Acct a = state.byUsername.get(r.getRole()).get(r.getUsername());
          if (a == null || !a.password.equals(r.getPassword())) {
            throw Fakes.status(Code.UNAUTHENTICATED, "wrong username or password");
          }
          Sess s = new Sess();
          s.account = a.id;
          s.role = r.getRole();
          if (r.getRole() == Role.BUYER) {
            s.cart = new TreeMap<>(state.savedCarts.getOrDefault(a.id, new TreeMap<>()));
          }
          String token = UUID.randomUUID().toString().replace("-", "");
          state.sessions.put(token, s);
          return Session.newBuilder().setToken(token).setAccountId(a.id)
              .setExpiresInSeconds(300).build();
        }));
  }

  private Sess session(TokenRequest r) {
    return session(r.getToken(), r.getRole());
  }

  private Sess session(String token, Role role) {
    Sess s = state.sessions.get(token);
    if (s == null || s.role != role) {
      throw Fakes.status(Code.UNAUTHENTICATED, "unknown or expired token");
    }
    return s;
  }

  @Override
  public void logout(TokenRequest r, StreamObserver<Done> o) {
    Fakes.run(control, state, o, () -> {
      session(r); // unknown, expired or other-role token: UNAUTHENTICATED
      state.sessions.remove(r.getToken());
      return Done.getDefaultInstance();
    });
  }

  @Override
  public void authenticate(TokenRequest r, StreamObserver<AuthInfo> o) {
    Fakes.run(control, state, o, () -> {
      Sess s = session(r);
      return AuthInfo.newBuilder().setAccountId(s.account).setRole(s.role)
          .setExpiresInSeconds(300).build();
    });
  }

  @Override
  public void getSeller(AccountIdRequest r, StreamObserver<Seller> o) {
    Fakes.run(control, state, o, () -> {
      Acct a = state.byId.get(Role.SELLER).get(r.getAccountId());
      if (a == null) {
        throw Fakes.status(Code.NOT_FOUND, "no seller " + r.getAccountId());
      }
      return Seller.newBuilder().setId(a.id).setUsername(a.username).setName(a.name)
          .setRating(Rating.newBuilder().setThumbsUp(a.up).setThumbsDown(a.down))
          .setItemsSold(a.itemsSold).build();
    });
  }

  @Override
  public void getBuyer(AccountIdRequest r, StreamObserver<Buyer> o) {
    Fakes.run(control, state, o, () -> {
      Acct a = state.byId.get(Role.BUYER).get(r.getAccountId());
      if (a == null) {
        throw Fakes.status(Code.NOT_FOUND, "no buyer " + r.getAccountId());
      }
      return Buyer.newBuilder().setId(a.id).setUsername(a.username).setName(a.name)
          .setItemsPurchased(a.itemsPurchased).build();
    });
  }

  private static String key(ItemId id) {
    return String.format("%d-%020d", id.getCategory(), id.getNumber());
  }

  private static Cart cart(Sess s) {
    return Cart.newBuilder().addAllLines(s.cart.values()).build();
  }

  @Override
  public void getCart(TokenRequest r, StreamObserver<Cart> o) {
    Fakes.run(control, state, o, () -> cart(session(r.getToken(), Role.BUYER)));
  }

  @Override
  public void addToCart(CartChangeRequest r, StreamObserver<Cart> o) {
    Fakes.run(control, state, o, () -> Fakes.idempotent(state.applied, r.getIdempotencyKey(),
        () -> {
          Sess s = session(r.getToken(), Role.BUYER);
          if (r.getQuantity() <= 0) {
            throw Fakes.invalid("quantity");
          }
          CartLine old = s.cart.get(key(r.getItemId()));
          long q = (old == null ? 0 : old.getQuantity()) + r.getQuantity();
          if (q > r.getAvailable()) {
            throw Fakes.status(Code.FAILED_PRECONDITION, "only " + r.getAvailable()
                + " in stock");
          }
          s.cart.put(key(r.getItemId()), CartLine.newBuilder().setItemId(r.getItemId())
              .setQuantity(q).build());
          return cart(s);
        }));
  }

  @Override
  public void removeFromCart(CartChangeRequest r, StreamObserver<Cart> o) {
    Fakes.run(control, state, o, () -> Fakes.idempotent(state.applied, r.getIdempotencyKey(),
        () -> {
          Sess s = session(r.getToken(), Role.BUYER);
          CartLine old = s.cart.get(key(r.getItemId()));
          if (old != null) {
            long q = old.getQuantity() - r.getQuantity();
            if (q <= 0) {
              s.cart.remove(key(r.getItemId()));
            } else {
              s.cart.put(key(r.getItemId()), old.toBuilder().setQuantity(q).build());
            }
          }
          return cart(s);
        }));
  }

  @Override
  public void clearCart(TokenRequest r, StreamObserver<Cart> o) {
    Fakes.run(control, state, o, () -> {
      Sess s = session(r.getToken(), Role.BUYER);
      s.cart.clear();
      return cart(s);
    });
  }

  @Override
  public void saveCart(TokenRequest r, StreamObserver<Cart> o) {
    Fakes.run(control, state, o, () -> {
      Sess s = session(r.getToken(), Role.BUYER);
      state.savedCarts.put(s.account, new TreeMap<>(s.cart));
      return cart(s);
    });
  }

  @Override
  public void recordPurchase(RecordPurchaseRequest r, StreamObserver<Purchase> o) {
    Fakes.run(control, state, o, () -> {
      Purchase existing = state.purchaseById.get(r.getPurchaseId());
      if (existing != null) {
        return existing;
      }
      Purchase p = Purchase.newBuilder().setId(r.getPurchaseId()).addAllLines(r.getLinesList())
          .setTotalCents(r.getTotalCents()).setPurchasedAtMillis(r.getPurchasedAtMillis())
          .build();
      state.purchaseById.put(p.getId(), p);
      state.purchases.computeIfAbsent(r.getBuyerId(), k -> new ArrayList<>()).add(p);
      Acct buyer = state.byId.get(Role.BUYER).get(r.getBuyerId());
      for (PurchaseLine l : r.getLinesList()) {
        buyer.itemsPurchased += l.getQuantity();
        Acct seller = state.byId.get(Role.SELLER).get(l.getSellerId());
        if (seller != null) {
          seller.itemsSold += l.getQuantity();
        }
      }
      Sess s = state.sessions.get(r.getToken());
      if (s != null) {
        s.cart.clear();
      }
      state.savedCarts.remove(r.getBuyerId());
      return p;
    });
  }

  @Override
  public void listPurchases(AccountIdRequest r, StreamObserver<PurchaseList> o) {
    Fakes.run(control, state, o, () -> PurchaseList.newBuilder()
        .addAllPurchases(state.purchases.getOrDefault(r.getAccountId(), List.of())).build());
  }

  @Override
  public void getPurchase(GetPurchaseRequest r, StreamObserver<Purchase> o) {
    Fakes.run(control, state, o, () -> state.purchases.getOrDefault(r.getBuyerId(), List.of())
        .stream().filter(p -> p.getId().equals(r.getPurchaseId())).findFirst()
        .orElseThrow(() -> Fakes.status(Code.NOT_FOUND, "buyer " + r.getBuyerId()
            + " has no purchase " + r.getPurchaseId())));
  }

  @Override
  public void recordFeedback(FeedbackRequest r, StreamObserver<Done> o) {
    Fakes.run(control, state, o, () -> Fakes.idempotent(state.applied, r.getIdempotencyKey(),
        () -> {
          if (r.getVote() == Vote.VOTE_UNSPECIFIED) {
            throw Fakes.invalid("vote");
          }
          boolean bought = state.purchases.getOrDefault(r.getBuyerId(), List.of()).stream()
              .flatMap(p -> p.getLinesList().stream())
              .anyMatch(l -> l.getItemId().equals(r.getItemId()));
          if (!bought) {
            throw Fakes.status(Code.FAILED_PRECONDITION, "item never purchased");
          }
          String k = r.getBuyerId() + ":" + key(r.getItemId());
          if (!state.feedback.add(k)) {
            throw Fakes.status(Code.ALREADY_EXISTS, "feedback already given");
          }
          Acct seller = state.byId.get(Role.SELLER).get(r.getSellerId());
          if (seller != null) {
            if (r.getVote() == Vote.UP) {
              seller.up++;
            } else {
              seller.down++;
            }
          }
          return Done.getDefaultInstance();
        }));
  }

  @Override
  public void status(StatusRequest r, StreamObserver<ReplicaStatus> o) {
    Fakes.run(control, state, o, () -> ReplicaStatus.newBuilder().setRole("SINGLE")
        .setHasQuorum(true).setLeaderId(-1).build());
  }
}
