package dev.marketplace.customerdb;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.marketplace.proto.Done;
import dev.marketplace.proto.Role;
import dev.marketplace.proto.Vote;
import dev.marketplace.proto.customer.Account;
import dev.marketplace.proto.customer.AuthInfo;
import dev.marketplace.proto.customer.Cart;
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
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * THE PRE-2026-11 HANDLER, kept verbatim as the reference for {@code ApplyPathEquivalenceTest}:
 * the optimized {@link CustomerHandler} must give byte-identical results and identical tables.
 *
 * Applies {@link CustomerCommand}s to the customer database, deterministically: account ids and
 * purchase positions are max + 1, every time, token and hash comes from the command. Sessions are
 * live while {@code expires_at_millis > now_millis} of the command. Stateless; thread-safe.
 */
final class LegacyCustomerHandler implements CommandHandler<CustomerCommand> {
  /** Sessions expired this long before a new login's time are deleted (with their carts). */
  static final long SESSION_GC_MILLIS = 60 * 60 * 1000;

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

  @Override
  public CommandResult apply(Connection tx, CustomerCommand c)
      throws SQLException, CommandRejectedException {
    long now = c.getNowMillis();
    switch (c.getKindCase()) {
      case CREATE_ACCOUNT:
        return ok(createAccount(tx, c.getCreateAccount(), now).toByteArray());
      case CREATE_SESSION:
        return ok(createSession(tx, c.getCreateSession(), now).toByteArray());
      case DELETE_SESSION: {
        String token = c.getDeleteSession().getToken();
        // An unknown, expired or other-role token is UNAUTHENTICATED (API.md: 401); a retried
        // logout carries the same idempotency key and gets the first (successful) result back.
        Queries.liveSession(tx, token, c.getDeleteSession().getRole(), now);
        try (PreparedStatement ps = tx.prepareStatement(
            "DELETE FROM sessions WHERE token = ? AND role = ?")) {
          ps.setString(1, token);
          ps.setInt(2, c.getDeleteSession().getRoleValue());
          ps.executeUpdate();
        }
        deleteCart(tx, token);
        return ok(Done.getDefaultInstance().toByteArray());
      }
      case TOUCH_SESSION: {
        TouchSession t = c.getTouchSession();
        Queries.SessionRow s = Queries.liveSession(tx, t.getToken(), t.getRole(), now);
        long expires = Math.max(s.expiresAtMillis(), t.getExpiresAtMillis());
        refresh(tx, t.getToken(), expires, now);
        return ok(AuthInfo.newBuilder().setAccountId(s.accountId()).setRole(t.getRole())
            .setExpiresInSeconds(seconds(expires - now)).build().toByteArray());
      }
      case CHANGE_CART:
        return ok(changeCart(tx, c.getChangeCart(), now).toByteArray());
      case CLEAR_CART: {
        String token = c.getClearCart().getToken();
        Queries.liveSession(tx, token, Role.BUYER, now);
        refresh(tx, token, c.getClearCart().getExpiresAtMillis(), now);
        deleteCart(tx, token);
        return ok(Cart.getDefaultInstance().toByteArray());
      }
      case SAVE_CART: {
        String token = c.getSaveCart().getToken();
        Queries.SessionRow s = Queries.liveSession(tx, token, Role.BUYER, now);
        refresh(tx, token, c.getSaveCart().getExpiresAtMillis(), now);
        deleteSavedCart(tx, s.accountId());
        try (PreparedStatement ps = tx.prepareStatement("INSERT INTO saved_cart_lines "
            + "(buyer_id, category, number, quantity) SELECT ?, category, number, quantity "
            + "FROM cart_lines WHERE token = ?")) {
          ps.setLong(1, s.accountId());
          ps.setString(2, token);
          ps.executeUpdate();
        }
        return ok(Queries.cart(tx, token).toByteArray());
      }
      case RECORD_PURCHASE:
        return ok(recordPurchase(tx, c.getRecordPurchase()).toByteArray());
      case RECORD_FEEDBACK:
        recordFeedback(tx, c.getRecordFeedback(), now);
        return ok(Done.getDefaultInstance().toByteArray());
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

  private static Account createAccount(Connection tx, CreateAccount a, long now)
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
    long id;
    try (PreparedStatement ps = tx.prepareStatement(
        "SELECT COALESCE(MAX(id), 0) + 1 FROM " + table)) {
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        id = rs.getLong(1);
      }
    }
    String sql = a.getRole() == Role.SELLER
        ? "INSERT INTO sellers (id, username, name, password_hash, thumbs_up, thumbs_down, "
            + "items_sold, created_at_millis) VALUES (?, ?, ?, ?, 0, 0, 0, ?)"
        : "INSERT INTO buyers (id, username, name, password_hash, items_purchased, "
            + "created_at_millis) VALUES (?, ?, ?, ?, 0, ?)";
    try (PreparedStatement ps = tx.prepareStatement(sql)) {
      ps.setLong(1, id);
      ps.setString(2, a.getUsername());
      ps.setString(3, a.getName());
      ps.setString(4, a.getPasswordHash());
      ps.setLong(5, now);
      ps.executeUpdate();
    }
    return Account.newBuilder().setId(id).setUsername(a.getUsername()).setName(a.getName())
        .build();
  }

  private static Session createSession(Connection tx, CreateSession s, long now)
      throws SQLException, CommandRejectedException {
    String table = table(s.getRole());
    try (PreparedStatement ps = tx.prepareStatement("SELECT 1 FROM " + table + " WHERE id = ?")) {
      ps.setLong(1, s.getAccountId());
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          throw Queries.unauthenticated();
        }
      }
    }
    // Garbage-collect long-expired sessions and their carts (deterministic: command time).
    try (PreparedStatement ps = tx.prepareStatement("DELETE FROM cart_lines WHERE token IN "
        + "(SELECT token FROM sessions WHERE expires_at_millis < ?)")) {
      ps.setLong(1, now - SESSION_GC_MILLIS);
      ps.executeUpdate();
    }
    try (PreparedStatement ps = tx.prepareStatement(
        "DELETE FROM sessions WHERE expires_at_millis < ?")) {
      ps.setLong(1, now - SESSION_GC_MILLIS);
      ps.executeUpdate();
    }
    try (PreparedStatement ps = tx.prepareStatement("INSERT INTO sessions (token, role, "
        + "account_id, expires_at_millis, refreshed_at_millis) VALUES (?, ?, ?, ?, ?) "
        + "ON CONFLICT (token) DO NOTHING")) {
      ps.setString(1, s.getToken());
      ps.setInt(2, s.getRoleValue());
      ps.setLong(3, s.getAccountId());
      ps.setLong(4, s.getExpiresAtMillis());
      ps.setLong(5, now);
      if (ps.executeUpdate() == 0) {
        throw new CommandRejectedException(ErrorCode.UNAVAILABLE, "session token collision");
      }
    }
    if (s.getRole() == Role.BUYER) {
      try (PreparedStatement ps = tx.prepareStatement("INSERT INTO cart_lines (token, category, "
          + "number, quantity) SELECT ?, category, number, quantity FROM saved_cart_lines "
          + "WHERE buyer_id = ?")) {
        ps.setString(1, s.getToken());
        ps.setLong(2, s.getAccountId());
        ps.executeUpdate();
      }
    }
    return Session.newBuilder().setToken(s.getToken()).setAccountId(s.getAccountId())
        .setExpiresInSeconds(s.getTimeoutSeconds()).build();
  }

  private static void refresh(Connection tx, String token, long expiresAt, long now)
      throws SQLException {
    try (PreparedStatement ps = tx.prepareStatement("UPDATE sessions SET expires_at_millis = "
        + "GREATEST(expires_at_millis, ?), refreshed_at_millis = ? WHERE token = ?")) {
      ps.setLong(1, expiresAt);
      ps.setLong(2, now);
      ps.setString(3, token);
      ps.executeUpdate();
    }
  }

  private static void deleteCart(Connection tx, String token) throws SQLException {
    try (PreparedStatement ps = tx.prepareStatement("DELETE FROM cart_lines WHERE token = ?")) {
      ps.setString(1, token);
      ps.executeUpdate();
    }
  }

  private static void deleteSavedCart(Connection tx, long buyerId) throws SQLException {
    try (PreparedStatement ps = tx.prepareStatement(
        "DELETE FROM saved_cart_lines WHERE buyer_id = ?")) {
      ps.setLong(1, buyerId);
      ps.executeUpdate();
    }
  }

  private static Cart changeCart(Connection tx, ChangeCart ch, long now)
      throws SQLException, CommandRejectedException {
    Queries.liveSession(tx, ch.getToken(), Role.BUYER, now);
    refresh(tx, ch.getToken(), ch.getExpiresAtMillis(), now);
    long have = 0;
    try (PreparedStatement ps = tx.prepareStatement("SELECT quantity FROM cart_lines "
        + "WHERE token = ? AND category = ? AND number = ?")) {
      ps.setString(1, ch.getToken());
      ps.setInt(2, ch.getItemId().getCategory());
      ps.setLong(3, ch.getItemId().getNumber());
      try (ResultSet rs = ps.executeQuery()) {
        if (rs.next()) {
          have = rs.getLong(1);
        }
      }
    }
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
    if (next <= 0) {
      try (PreparedStatement ps = tx.prepareStatement(
          "DELETE FROM cart_lines WHERE token = ? AND category = ? AND number = ?")) {
        ps.setString(1, ch.getToken());
        ps.setInt(2, ch.getItemId().getCategory());
        ps.setLong(3, ch.getItemId().getNumber());
        ps.executeUpdate();
      }
    } else {
      try (PreparedStatement ps = tx.prepareStatement("INSERT INTO cart_lines (token, category, "
          + "number, quantity) VALUES (?, ?, ?, ?) ON CONFLICT (token, category, number) "
          + "DO UPDATE SET quantity = EXCLUDED.quantity")) {
        ps.setString(1, ch.getToken());
        ps.setInt(2, ch.getItemId().getCategory());
        ps.setLong(3, ch.getItemId().getNumber());
        ps.setLong(4, next);
        ps.executeUpdate();
      }
    }
    return Queries.cart(tx, ch.getToken());
  }

  private static Purchase recordPurchase(Connection tx, RecordPurchaseRequest r)
      throws SQLException, CommandRejectedException {
    Purchase existing = Queries.purchase(tx, r.getPurchaseId());
    if (existing != null) {
      return existing; // idempotent by purchase_id
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
    long seq;
    try (PreparedStatement ps = tx.prepareStatement(
        "SELECT COALESCE(MAX(seq), 0) + 1 FROM purchases")) {
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        seq = rs.getLong(1);
      }
    }
    try (PreparedStatement ps = tx.prepareStatement("INSERT INTO purchases (id, buyer_id, seq, "
        + "total_cents, purchased_at_millis) VALUES (?, ?, ?, ?, ?)")) {
      ps.setString(1, r.getPurchaseId());
      ps.setLong(2, r.getBuyerId());
      ps.setLong(3, seq);
      ps.setLong(4, r.getTotalCents());
      ps.setLong(5, r.getPurchasedAtMillis());
      ps.executeUpdate();
    }
    long units = 0;
    int lineNo = 0;
    for (PurchaseLine l : r.getLinesList()) {
      try (PreparedStatement ps = tx.prepareStatement("INSERT INTO purchase_lines (purchase_id, "
          + "line_no, category, number, name, quantity, unit_price_cents, seller_id) "
          + "VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
        ps.setString(1, r.getPurchaseId());
        ps.setInt(2, lineNo++);
        ps.setInt(3, l.getItemId().getCategory());
        ps.setLong(4, l.getItemId().getNumber());
        ps.setString(5, l.getName());
        ps.setLong(6, l.getQuantity());
        ps.setLong(7, l.getUnitPriceCents());
        ps.setLong(8, l.getSellerId());
        ps.executeUpdate();
      }
      try (PreparedStatement ps = tx.prepareStatement(
          "UPDATE sellers SET items_sold = items_sold + ? WHERE id = ?")) {
        ps.setLong(1, l.getQuantity());
        ps.setLong(2, l.getSellerId());
        ps.executeUpdate();
      }
      units += l.getQuantity();
    }
    try (PreparedStatement ps = tx.prepareStatement(
        "UPDATE buyers SET items_purchased = items_purchased + ? WHERE id = ?")) {
      ps.setLong(1, units);
      ps.setLong(2, r.getBuyerId());
      ps.executeUpdate();
    }
    if (!r.getToken().isEmpty()) {
      deleteCart(tx, r.getToken());
    }
    deleteSavedCart(tx, r.getBuyerId());
    return Queries.purchase(tx, r.getPurchaseId());
  }

  private static void recordFeedback(Connection tx, FeedbackRequest r, long now)
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
    try (PreparedStatement ps = tx.prepareStatement("INSERT INTO feedback (buyer_id, category, "
        + "number, seller_id, vote, voted_at_millis) VALUES (?, ?, ?, ?, ?, ?) "
        + "ON CONFLICT DO NOTHING")) {
      ps.setLong(1, r.getBuyerId());
      ps.setInt(2, r.getItemId().getCategory());
      ps.setLong(3, r.getItemId().getNumber());
      ps.setLong(4, r.getSellerId());
      ps.setInt(5, r.getVoteValue());
      ps.setLong(6, now);
      if (ps.executeUpdate() == 0) {
        throw new CommandRejectedException(ErrorCode.ALREADY_EXISTS,
            "buyer already gave feedback on this item");
      }
    }
    String column = r.getVote() == Vote.UP ? "thumbs_up" : "thumbs_down";
    try (PreparedStatement ps = tx.prepareStatement(
        "UPDATE sellers SET " + column + " = " + column + " + 1 WHERE id = ?")) {
      ps.setLong(1, r.getSellerId());
      ps.executeUpdate();
    }
  }
}
