package dev.marketplace.customerdb;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.marketplace.proto.Done;
import dev.marketplace.proto.ItemId;
import dev.marketplace.proto.Role;
import dev.marketplace.proto.Vote;
import dev.marketplace.proto.customer.Account;
import dev.marketplace.proto.customer.AuthInfo;
import dev.marketplace.proto.customer.Cart;
import dev.marketplace.proto.customer.CartLine;
import dev.marketplace.proto.customer.FeedbackRequest;
import dev.marketplace.proto.customer.Purchase;
import dev.marketplace.proto.customer.PurchaseLine;
import dev.marketplace.proto.customer.RecordPurchaseRequest;
import dev.marketplace.proto.customer.Session;
import dev.marketplace.proto.customer.commands.ChangeCart;
import dev.marketplace.proto.customer.commands.CreateAccount;
import dev.marketplace.proto.customer.commands.CreateSession;
import dev.marketplace.proto.customer.commands.CustomerCommand;
import dev.marketplace.proto.customer.commands.TouchSession;
import dev.marketplace.replica.CommandHandler;
import dev.marketplace.replica.CommandRejectedException;
import dev.marketplace.replica.CommandResult;
import dev.marketplace.replica.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Applies {@link CustomerCommand}s to the customer database, deterministically: account ids and
 * purchase positions are max + 1, every time, token and hash comes from the command. Sessions are
 * live while {@code expires_at_millis > now_millis} of the command. Keeps batch state (see {@link
 * #beginBatch}); used by the one apply thread only, not thread-safe.
 */
final class CustomerHandler implements CommandHandler<CustomerCommand> {
  /** Sessions expired this long before a new login's time are deleted (with their carts). */
  static final long SESSION_GC_MILLIS = 60 * 60 * 1000;

  /**
   * Batch state for ChangeCart, the hot command: sessions with their carts as they are in the
   * transaction (read ahead for the whole batch in {@link #beginBatch}, or on first use), kept
   * exact by applying every ChangeCart to them, whose writes are deferred until {@link #flush}.
   * Any other command that may touch sessions or carts flushes and forgets them first. Keyed by
   * token; a cached {@code null} = no such session.
   */
  private final Map<String, SessionState> sessions = new HashMap<>();
  private final Set<String> dirtySessions = new LinkedHashSet<>();
  private final Set<LineKey> dirtyLines = new LinkedHashSet<>();
  private boolean deferring;

  /** A session row and its cart lines in cart order. Mutable; apply thread only. */
  private static final class SessionState {
    final int role;
    final long accountId;
    long expiresAtMillis;
    long refreshedAtMillis;
    final TreeMap<ItemId, Long> lines = new TreeMap<>(CART_ORDER);

    SessionState(int role, long accountId, long expiresAtMillis, long refreshedAtMillis) {
      this.role = role;
      this.accountId = accountId;
      this.expiresAtMillis = expiresAtMillis;
      this.refreshedAtMillis = refreshedAtMillis;
    }
  }

  /** A cart line's key. */
  private record LineKey(String token, ItemId item) {}

  @Override
  public CustomerCommand parse(byte[] command) throws CommandRejectedException {
    try {
      return CustomerCommand.parseFrom(command);
    } catch (InvalidProtocolBufferException e) {
      throw new CommandRejectedException(ErrorCode.INVALID_ARGUMENT, "malformed command");
    }
  }

  @Override
  public String idempotencyKey(CustomerCommand c) {
    return c.getIdempotencyKey().isEmpty() ? ""
        : "customer/" + c.getKindCase().name() + "/" + c.getIdempotencyKey();
  }

  @Override
  public long commandTimeMillis(CustomerCommand c) {
    return c.getNowMillis();
  }

  /**
   * The writes of a command whose checks all passed. Cannot reject (the compiler sees to it: no
   * {@link CommandRejectedException}), so a command is rejected only before it writes anything.
   */
  @FunctionalInterface
  private interface Writes {
    CommandResult run() throws SQLException;
  }

  /**
   * Applies one command in two phases: {@link #plan} only reads and decides (a rejection is
   * returned as an error result, with nothing written), then the {@link Writes} run, mostly as
   * one statement. The state machine therefore needs no savepoint for this handler.
   */
  @Override
  public CommandResult apply(Connection tx, CustomerCommand c) throws SQLException {
    switch (c.getKindCase()) {
      case CHANGE_CART, CREATE_ACCOUNT, RECORD_FEEDBACK -> { } // never touch sessions or carts
      default -> forget(tx); // may read or write sessions and carts directly
    }
    Writes writes;
    try {
      writes = plan(tx, c);
    } catch (CommandRejectedException e) {
      return e.toResult();
    }
    return writes.run();
  }

  /** Reads the sessions and carts of the batch's ChangeCart commands in one query. */
  @Override
  public void beginBatch(Connection tx, List<CustomerCommand> commands) throws SQLException {
    sessions.clear();
    dirtySessions.clear();
    dirtyLines.clear();
    deferring = true;
    Set<String> tokens = new LinkedHashSet<>();
    for (CustomerCommand c : commands) {
      if (c.getKindCase() == CustomerCommand.KindCase.CHANGE_CART) {
        tokens.add(c.getChangeCart().getToken());
      }
    }
    if (!tokens.isEmpty()) {
      load(tx, tokens);
    }
  }

  /**
   * Writes the deferred ChangeCart effects as their final state, in one statement: each dirty
   * session's expiry and refresh time, each dirty cart line's quantity (or its deletion). The
   * same rows as writing after every command, since nothing else wrote them meanwhile.
   */
  @Override
  public void flush(Connection tx) throws SQLException {
    if (dirtySessions.isEmpty() && dirtyLines.isEmpty()) {
      return;
    }
    List<String> sessionTokens = new ArrayList<>(dirtySessions);
    Long[] expires = new Long[sessionTokens.size()];
    Long[] refreshed = new Long[sessionTokens.size()];
    for (int i = 0; i < expires.length; i++) {
      SessionState st = sessions.get(sessionTokens.get(i));
      expires[i] = st.expiresAtMillis;
      refreshed[i] = st.refreshedAtMillis;
    }
    List<String> delTokens = new ArrayList<>();
    List<Integer> delCategories = new ArrayList<>();
    List<Long> delNumbers = new ArrayList<>();
    List<String> upTokens = new ArrayList<>();
    List<Integer> upCategories = new ArrayList<>();
    List<Long> upNumbers = new ArrayList<>();
    List<Long> upQuantities = new ArrayList<>();
    for (LineKey k : dirtyLines) {
      Long q = sessions.get(k.token()).lines.get(k.item());
      if (q == null) {
        delTokens.add(k.token());
        delCategories.add(k.item().getCategory());
        delNumbers.add(k.item().getNumber());
      } else {
        upTokens.add(k.token());
        upCategories.add(k.item().getCategory());
        upNumbers.add(k.item().getNumber());
        upQuantities.add(q);
      }
    }
    // Three sub-statements on distinct rows: each session once, and a line either deleted or
    // upserted (the keys are a set), never both.
    try (PreparedStatement ps = tx.prepareStatement("WITH s AS (UPDATE sessions x SET "
        + "expires_at_millis = u.expires, refreshed_at_millis = u.refreshed FROM unnest("
        + "?::text[], ?::bigint[], ?::bigint[]) AS u(token, expires, refreshed) "
        + "WHERE x.token = u.token), "
        + "d AS (DELETE FROM cart_lines x USING unnest(?::text[], ?::integer[], ?::bigint[]) "
        + "AS u(token, category, number) WHERE x.token = u.token AND x.category = u.category "
        + "AND x.number = u.number) "
        + "INSERT INTO cart_lines (token, category, number, quantity) SELECT * FROM unnest("
        + "?::text[], ?::integer[], ?::bigint[], ?::bigint[]) "
        + "ON CONFLICT (token, category, number) DO UPDATE SET quantity = EXCLUDED.quantity")) {
      ps.setArray(1, tx.createArrayOf("text", sessionTokens.toArray()));
      ps.setArray(2, tx.createArrayOf("int8", expires));
      ps.setArray(3, tx.createArrayOf("int8", refreshed));
      ps.setArray(4, tx.createArrayOf("text", delTokens.toArray()));
      ps.setArray(5, tx.createArrayOf("int4", delCategories.toArray()));
      ps.setArray(6, tx.createArrayOf("int8", delNumbers.toArray()));
      ps.setArray(7, tx.createArrayOf("text", upTokens.toArray()));
      ps.setArray(8, tx.createArrayOf("int4", upCategories.toArray()));
      ps.setArray(9, tx.createArrayOf("int8", upNumbers.toArray()));
      ps.setArray(10, tx.createArrayOf("int8", upQuantities.toArray()));
      ps.executeUpdate();
    }
    dirtySessions.clear();
    dirtyLines.clear();
  }

  /** Flushes and drops the batch state: the next command reads the tables themselves. */
  private void forget(Connection tx) throws SQLException {
    flush(tx);
    sessions.clear();
  }

  /** Reads these sessions with their carts into {@link #sessions} (absent ones as null). */
  private void load(Connection tx, Set<String> tokens) throws SQLException {
    for (String t : tokens) {
      sessions.put(t, null);
    }
    try (PreparedStatement ps = tx.prepareStatement("SELECT s.token, s.role, s.account_id, "
        + "s.expires_at_millis, s.refreshed_at_millis, l.category, l.number, l.quantity "
        + "FROM sessions s LEFT JOIN cart_lines l ON l.token = s.token "
        + "WHERE s.token = ANY (?)")) {
      ps.setArray(1, tx.createArrayOf("text", tokens.toArray()));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          String token = rs.getString(1);
          SessionState st = sessions.get(token);
          if (st == null) {
            st = new SessionState(rs.getInt(2), rs.getLong(3), rs.getLong(4), rs.getLong(5));
            sessions.put(token, st);
          }
          int category = rs.getInt(6);
          if (!rs.wasNull()) {
            st.lines.put(ItemId.newBuilder().setCategory(category).setNumber(rs.getLong(7))
                .build(), rs.getLong(8));
          }
        }
      }
    }
  }

  /** Reads what the command needs (no writes!) and returns its writes, or rejects it. */
  private Writes plan(Connection tx, CustomerCommand c)
      throws SQLException, CommandRejectedException {
    long now = c.getNowMillis();
    switch (c.getKindCase()) {
      case CREATE_ACCOUNT:
        return createAccount(tx, c.getCreateAccount(), now);
      case CREATE_SESSION:
        return createSession(tx, c.getCreateSession(), now);
      case DELETE_SESSION: {
        String token = c.getDeleteSession().getToken();
        Role role = c.getDeleteSession().getRole();
        // An unknown, expired or other-role token is UNAUTHENTICATED (API.md: 401); a retried
        // logout carries the same idempotency key and gets the first (successful) result back.
        Queries.liveSession(tx, token, role, now);
        return () -> {
          // two tables, each touched once: safe in one statement
          try (PreparedStatement ps = tx.prepareStatement("WITH s AS (DELETE FROM sessions "
              + "WHERE token = ? AND role = ?) DELETE FROM cart_lines WHERE token = ?")) {
            ps.setString(1, token);
            ps.setInt(2, c.getDeleteSession().getRoleValue());
            ps.setString(3, token);
            ps.executeUpdate();
          }
          return ok(Done.getDefaultInstance().toByteArray());
        };
      }
      case TOUCH_SESSION: {
        TouchSession t = c.getTouchSession();
        Queries.SessionRow s = Queries.liveSession(tx, t.getToken(), t.getRole(), now);
        long expires = Math.max(s.expiresAtMillis(), t.getExpiresAtMillis());
        return () -> {
          try (PreparedStatement ps = tx.prepareStatement(REFRESH)) {
            refreshParameters(ps, 1, t.getToken(), t.getExpiresAtMillis(), now);
            ps.executeUpdate();
          }
          return ok(AuthInfo.newBuilder().setAccountId(s.accountId()).setRole(t.getRole())
              .setExpiresInSeconds(seconds(expires - now)).build().toByteArray());
        };
      }
      case CHANGE_CART:
        return changeCart(tx, c.getChangeCart(), now);
      case CLEAR_CART: {
        String token = c.getClearCart().getToken();
        long expiresAt = c.getClearCart().getExpiresAtMillis();
        Queries.liveSession(tx, token, Role.BUYER, now);
        return () -> {
          try (PreparedStatement ps = tx.prepareStatement("WITH r AS (" + REFRESH + ") "
              + "DELETE FROM cart_lines WHERE token = ?")) {
            refreshParameters(ps, 1, token, expiresAt, now);
            ps.setString(4, token);
            ps.executeUpdate();
          }
          return ok(Cart.getDefaultInstance().toByteArray());
        };
      }
      case SAVE_CART: {
        String token = c.getSaveCart().getToken();
        long expiresAt = c.getSaveCart().getExpiresAtMillis();
        SessionCart sc = sessionCart(tx, token, now);
        return () -> {
          try (PreparedStatement ps = tx.prepareStatement(REFRESH)) {
            refreshParameters(ps, 1, token, expiresAt, now);
            ps.executeUpdate();
          }
          deleteSavedCart(tx, sc.accountId());
          try (PreparedStatement ps = tx.prepareStatement("INSERT INTO saved_cart_lines "
              + "(buyer_id, category, number, quantity) SELECT ?, category, number, quantity "
              + "FROM cart_lines WHERE token = ?")) {
            ps.setLong(1, sc.accountId());
            ps.setString(2, token);
            ps.executeUpdate();
          }
          return ok(cart(sc.lines()).toByteArray());
        };
      }
      case RECORD_PURCHASE:
        return recordPurchase(tx, c.getRecordPurchase());
      case RECORD_FEEDBACK:
        return recordFeedback(tx, c.getRecordFeedback(), now);
      default:
        throw new CommandRejectedException(ErrorCode.INVALID_ARGUMENT, "unknown command kind");
    }
  }

  private static CommandResult ok(byte[] payload) {
    return CommandResult.ok(payload);
  }

  static long seconds(long millis) {
    return Math.max(0, (millis + 999) / 1000);
  }

  private static String table(Role role) throws CommandRejectedException {
    if (role == Role.SELLER) {
      return "sellers";
    }
    if (role == Role.BUYER) {
      return "buyers";
    }
    throw new CommandRejectedException(ErrorCode.INVALID_ARGUMENT, "role: must be SELLER or BUYER");
  }

  private static Writes createAccount(Connection tx, CreateAccount a, long now)
      throws SQLException, CommandRejectedException {
    String table = table(a.getRole());
    try (PreparedStatement ps = tx.prepareStatement(
        "SELECT 1 FROM " + table + " WHERE username = ?")) {
      ps.setString(1, a.getUsername());
      try (ResultSet rs = ps.executeQuery()) {
        if (rs.next()) {
          throw new CommandRejectedException(ErrorCode.ALREADY_EXISTS,
              "username '" + a.getUsername() + "' is taken");
        }
      }
    }
    String sql = a.getRole() == Role.SELLER
        ? "INSERT INTO sellers (id, username, name, password_hash, thumbs_up, thumbs_down, "
            + "items_sold, created_at_millis) SELECT COALESCE(MAX(id), 0) + 1, ?, ?, ?, 0, 0, 0, "
            + "? FROM sellers RETURNING id"
        : "INSERT INTO buyers (id, username, name, password_hash, items_purchased, "
            + "created_at_millis) SELECT COALESCE(MAX(id), 0) + 1, ?, ?, ?, 0, ? FROM buyers "
            + "RETURNING id";
    return () -> {
      long id;
      try (PreparedStatement ps = tx.prepareStatement(sql)) {
        ps.setString(1, a.getUsername());
        ps.setString(2, a.getName());
        ps.setString(3, a.getPasswordHash());
        ps.setLong(4, now);
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          id = rs.getLong(1);
        }
      }
      return ok(Account.newBuilder().setId(id).setUsername(a.getUsername())
          .setName(a.getName()).build().toByteArray());
    };
  }

  private static Writes createSession(Connection tx, CreateSession s, long now)
      throws SQLException, CommandRejectedException {
    String table = table(s.getRole());
    long gcBefore = now - SESSION_GC_MILLIS;
    try (PreparedStatement ps = tx.prepareStatement("SELECT EXISTS (SELECT 1 FROM " + table
        + " WHERE id = ?), EXISTS (SELECT 1 FROM sessions WHERE token = ? "
        + "AND expires_at_millis >= ?)")) {
      ps.setLong(1, s.getAccountId());
      ps.setString(2, s.getToken());
      ps.setLong(3, gcBefore);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        if (!rs.getBoolean(1)) {
          throw Queries.unauthenticated();
        }
        if (rs.getBoolean(2)) {
          // a session with this token that the clean-up below would keep
          throw new CommandRejectedException(ErrorCode.UNAVAILABLE, "session token collision");
        }
      }
    }
    return () -> {
      // Garbage-collect long-expired sessions and their carts (deterministic: command time).
      try (PreparedStatement ps = tx.prepareStatement("DELETE FROM cart_lines WHERE token IN "
          + "(SELECT token FROM sessions WHERE expires_at_millis < ?)")) {
        ps.setLong(1, gcBefore);
        ps.executeUpdate();
      }
      try (PreparedStatement ps = tx.prepareStatement(
          "DELETE FROM sessions WHERE expires_at_millis < ?")) {
        ps.setLong(1, gcBefore);
        ps.executeUpdate();
      }
      try (PreparedStatement ps = tx.prepareStatement("INSERT INTO sessions (token, role, "
          + "account_id, expires_at_millis, refreshed_at_millis) VALUES (?, ?, ?, ?, ?)")) {
        ps.setString(1, s.getToken());
        ps.setInt(2, s.getRoleValue());
        ps.setLong(3, s.getAccountId());
        ps.setLong(4, s.getExpiresAtMillis());
        ps.setLong(5, now);
        ps.executeUpdate(); // no conflict: checked above, and expired holders were just deleted
      }
      if (s.getRole() == Role.BUYER) {
        try (PreparedStatement ps = tx.prepareStatement("INSERT INTO cart_lines (token, "
            + "category, number, quantity) SELECT ?, category, number, quantity "
            + "FROM saved_cart_lines WHERE buyer_id = ?")) {
          ps.setString(1, s.getToken());
          ps.setLong(2, s.getAccountId());
          ps.executeUpdate();
        }
      }
      return ok(Session.newBuilder().setToken(s.getToken()).setAccountId(s.getAccountId())
          .setExpiresInSeconds(s.getTimeoutSeconds()).build().toByteArray());
    };
  }

  /** Moves a session's expiry forward (never back); parameters: expires, now, token. */
  private static final String REFRESH = "UPDATE sessions SET expires_at_millis = "
      + "GREATEST(expires_at_millis, ?), refreshed_at_millis = ? WHERE token = ?";

  private static void refreshParameters(PreparedStatement ps, int first, String token,
      long expiresAt, long now) throws SQLException {
    ps.setLong(first, expiresAt);
    ps.setLong(first + 1, now);
    ps.setString(first + 2, token);
  }

  private static void deleteSavedCart(Connection tx, long buyerId) throws SQLException {
    try (PreparedStatement ps = tx.prepareStatement(
        "DELETE FROM saved_cart_lines WHERE buyer_id = ?")) {
      ps.setLong(1, buyerId);
      ps.executeUpdate();
    }
  }

  /** A live buyer session's account and cart lines ({category, number} -> quantity). */
  private record SessionCart(long accountId, TreeMap<ItemId, Long> lines) {}

  /** Item ids in cart order: category, then number (the ORDER BY of {@link Queries#cart}). */
  private static final Comparator<ItemId> CART_ORDER =
      Comparator.comparingInt(ItemId::getCategory).thenComparingLong(ItemId::getNumber);

  /**
   * The live BUYER session {@code token} with its cart, in one query; UNAUTHENTICATED (as {@link
   * Queries#liveSession}) when it does not exist, has another role or expired at {@code now}.
   */
  private static SessionCart sessionCart(Connection tx, String token, long now)
      throws SQLException, CommandRejectedException {
    TreeMap<ItemId, Long> lines = new TreeMap<>(CART_ORDER);
    long accountId;
    try (PreparedStatement ps = tx.prepareStatement("SELECT s.role, s.account_id, "
        + "s.expires_at_millis, l.category, l.number, l.quantity FROM sessions s "
        + "LEFT JOIN cart_lines l ON l.token = s.token WHERE s.token = ?")) {
      ps.setString(1, token);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next() || rs.getInt(1) != Role.BUYER_VALUE || rs.getLong(3) <= now) {
          throw Queries.unauthenticated();
        }
        accountId = rs.getLong(2);
        do {
          int category = rs.getInt(4);
          if (!rs.wasNull()) {
            lines.put(ItemId.newBuilder().setCategory(category).setNumber(rs.getLong(5)).build(),
                rs.getLong(6));
          }
        } while (rs.next());
      }
    }
    return new SessionCart(accountId, lines);
  }

  private static Cart cart(Map<ItemId, Long> lines) {
    Cart.Builder b = Cart.newBuilder();
    for (Map.Entry<ItemId, Long> e : lines.entrySet()) {
      b.addLines(CartLine.newBuilder().setItemId(e.getKey()).setQuantity(e.getValue()));
    }
    return b.build();
  }

  /**
   * The session and cart come from the batch state (read ahead with the whole batch, else read
   * now); the writes are deferred until {@link #flush}, which writes the final state of every
   * session and line the batch changed in one statement. The reply is the cart with the change
   * applied, which is what a read after the write returns (only the apply thread writes).
   */
  private Writes changeCart(Connection tx, ChangeCart ch, long now)
      throws SQLException, CommandRejectedException {
    String token = ch.getToken();
    if (!sessions.containsKey(token)) {
      load(tx, Set.of(token));
    }
    SessionState st = sessions.get(token);
    if (st == null || st.role != Role.BUYER_VALUE || st.expiresAtMillis <= now) {
      throw Queries.unauthenticated();
    }
    ItemId item = ItemId.newBuilder().setCategory(ch.getItemId().getCategory())
        .setNumber(ch.getItemId().getNumber()).build();
    long have = st.lines.getOrDefault(item, 0L);
    long next;
    if (ch.getAdd()) {
      next = have + ch.getQuantity(); // both <= 1e12 by validation: no overflow
      if (next > ch.getAvailable()) {
        throw new CommandRejectedException(ErrorCode.FAILED_PRECONDITION, "the cart would hold "
            + next + " units but only " + ch.getAvailable() + " are available");
      }
    } else {
      next = have - ch.getQuantity();
    }
    return () -> {
      // the refresh: expiry only moves forward; refreshed_at is this command's time
      st.expiresAtMillis = Math.max(st.expiresAtMillis, ch.getExpiresAtMillis());
      st.refreshedAtMillis = now;
      if (next <= 0) {
        st.lines.remove(item);
      } else {
        st.lines.put(item, next);
      }
      dirtySessions.add(token);
      dirtyLines.add(new LineKey(token, item));
      if (!deferring) {
        flush(tx);
      }
      return ok(cart(st.lines).toByteArray());
    };
  }

  private static Writes recordPurchase(Connection tx, RecordPurchaseRequest r)
      throws SQLException, CommandRejectedException {
    Purchase existing = Queries.purchase(tx, r.getPurchaseId());
    if (existing != null) {
      return () -> ok(existing.toByteArray()); // idempotent by purchase_id
    }
    Queries.buyer(tx, r.getBuyerId());
    if (!r.getToken().isEmpty()) {
      try (PreparedStatement ps = tx.prepareStatement(
          "SELECT role, account_id FROM sessions WHERE token = ?")) {
        ps.setString(1, r.getToken());
        try (ResultSet rs = ps.executeQuery()) {
          // An expired or closed session does not stop an approved purchase from being recorded.
          if (rs.next() && (rs.getInt(1) != Role.BUYER_VALUE || rs.getLong(2) != r.getBuyerId())) {
            throw new CommandRejectedException(ErrorCode.PERMISSION_DENIED,
                "the session belongs to another account");
          }
        }
      }
    }
    return () -> {
      int n = r.getLinesCount();
      Integer[] lineNo = new Integer[n];
      Integer[] category = new Integer[n];
      Long[] number = new Long[n];
      String[] name = new String[n];
      Long[] quantity = new Long[n];
      Long[] price = new Long[n];
      Long[] seller = new Long[n];
      long units = 0;
      Purchase.Builder result = Purchase.newBuilder().setId(r.getPurchaseId())
          .setTotalCents(r.getTotalCents()).setPurchasedAtMillis(r.getPurchasedAtMillis());
      for (int i = 0; i < n; i++) {
        PurchaseLine l = r.getLines(i);
        lineNo[i] = i;
        category[i] = l.getItemId().getCategory();
        number[i] = l.getItemId().getNumber();
        name[i] = stored(l.getName());
        quantity[i] = l.getQuantity();
        price[i] = l.getUnitPriceCents();
        seller[i] = l.getSellerId();
        units += l.getQuantity();
        // what Queries.purchase reads back from the rows written below
        result.addLines(PurchaseLine.newBuilder()
            .setItemId(ItemId.newBuilder().setCategory(category[i]).setNumber(number[i]))
            .setName(name[i]).setQuantity(quantity[i]).setUnitPriceCents(price[i])
            .setSellerId(seller[i]));
      }
      // Six different tables, each row touched once (sellers: one update per distinct seller
      // with the sum of its lines): safe in one statement.
      try (PreparedStatement ps = tx.prepareStatement("WITH l AS (SELECT * FROM unnest("
          + "?::integer[], ?::integer[], ?::bigint[], ?::text[], ?::bigint[], ?::bigint[], "
          + "?::bigint[]) AS l(line_no, category, number, name, quantity, price, seller_id)), "
          + "p AS (INSERT INTO purchases (id, buyer_id, seq, total_cents, purchased_at_millis) "
          + "SELECT ?, ?, COALESCE(MAX(seq), 0) + 1, ?, ? FROM purchases), "
          + "pl AS (INSERT INTO purchase_lines (purchase_id, line_no, category, number, name, "
          + "quantity, unit_price_cents, seller_id) SELECT ?, line_no, category, number, name, "
          + "quantity, price, seller_id FROM l), "
          + "s AS (UPDATE sellers s SET items_sold = s.items_sold + x.units FROM (SELECT "
          + "seller_id, sum(quantity)::bigint AS units FROM l GROUP BY seller_id) x "
          + "WHERE s.id = x.seller_id), "
          + "b AS (UPDATE buyers SET items_purchased = items_purchased + ? WHERE id = ?), "
          + "c AS (DELETE FROM cart_lines WHERE token = ? AND token <> '') "
          + "DELETE FROM saved_cart_lines WHERE buyer_id = ?")) {
        ps.setArray(1, tx.createArrayOf("int4", lineNo));
        ps.setArray(2, tx.createArrayOf("int4", category));
        ps.setArray(3, tx.createArrayOf("int8", number));
        ps.setArray(4, tx.createArrayOf("text", name));
        ps.setArray(5, tx.createArrayOf("int8", quantity));
        ps.setArray(6, tx.createArrayOf("int8", price));
        ps.setArray(7, tx.createArrayOf("int8", seller));
        ps.setString(8, r.getPurchaseId());
        ps.setLong(9, r.getBuyerId());
        ps.setLong(10, r.getTotalCents());
        ps.setLong(11, r.getPurchasedAtMillis());
        ps.setString(12, r.getPurchaseId());
        ps.setLong(13, units);
        ps.setLong(14, r.getBuyerId());
        ps.setString(15, r.getToken()); // "": no session, no cart to empty
        ps.setLong(16, r.getBuyerId());
        ps.executeUpdate();
      }
      return ok(result.build().toByteArray());
    };
  }

  /** {@code s} as PostgreSQL text gives it back (what the driver sends is its UTF-8 form). */
  private static String stored(String s) {
    return new String(s.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
  }

  private static Writes recordFeedback(Connection tx, FeedbackRequest r, long now)
      throws SQLException, CommandRejectedException {
    Queries.buyer(tx, r.getBuyerId());
    Queries.seller(tx, r.getSellerId());
    try (PreparedStatement ps = tx.prepareStatement("SELECT l.seller_id FROM purchase_lines l "
        + "JOIN purchases p ON p.id = l.purchase_id WHERE p.buyer_id = ? AND l.category = ? "
        + "AND l.number = ? ORDER BY p.seq LIMIT 1")) {
      ps.setLong(1, r.getBuyerId());
      ps.setInt(2, r.getItemId().getCategory());
      ps.setLong(3, r.getItemId().getNumber());
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          throw new CommandRejectedException(ErrorCode.FAILED_PRECONDITION,
              "buyer " + r.getBuyerId() + " never purchased item " + r.getItemId().getCategory()
                  + "-" + r.getItemId().getNumber());
        }
        if (rs.getLong(1) != r.getSellerId()) {
          throw new CommandRejectedException(ErrorCode.INVALID_ARGUMENT, "seller_id: the item "
              + "was bought from seller " + rs.getLong(1) + ", not " + r.getSellerId());
        }
      }
    }
    try (PreparedStatement ps = tx.prepareStatement("SELECT 1 FROM feedback "
        + "WHERE buyer_id = ? AND category = ? AND number = ?")) {
      ps.setLong(1, r.getBuyerId());
      ps.setInt(2, r.getItemId().getCategory());
      ps.setLong(3, r.getItemId().getNumber());
      try (ResultSet rs = ps.executeQuery()) {
        if (rs.next()) {
          throw new CommandRejectedException(ErrorCode.ALREADY_EXISTS,
              "buyer already gave feedback on this item");
        }
      }
    }
    String column = r.getVote() == Vote.UP ? "thumbs_up" : "thumbs_down";
    return () -> {
      // two tables, each touched once: safe in one statement
      try (PreparedStatement ps = tx.prepareStatement("WITH f AS (INSERT INTO feedback "
          + "(buyer_id, category, number, seller_id, vote, voted_at_millis) "
          + "VALUES (?, ?, ?, ?, ?, ?)) "
          + "UPDATE sellers SET " + column + " = " + column + " + 1 WHERE id = ?")) {
        ps.setLong(1, r.getBuyerId());
        ps.setInt(2, r.getItemId().getCategory());
        ps.setLong(3, r.getItemId().getNumber());
        ps.setLong(4, r.getSellerId());
        ps.setInt(5, r.getVoteValue());
        ps.setLong(6, now);
        ps.setLong(7, r.getSellerId());
        ps.executeUpdate();
      }
      return ok(Done.getDefaultInstance().toByteArray());
    };
  }
}
