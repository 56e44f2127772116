package dev.marketplace.customerdb;

import dev.marketplace.proto.ItemId;
import dev.marketplace.proto.Rating;
import dev.marketplace.proto.Role;
import dev.marketplace.proto.customer.Buyer;
import dev.marketplace.proto.customer.Cart;
import dev.marketplace.proto.customer.CartLine;
import dev.marketplace.proto.customer.Purchase;
import dev.marketplace.proto.customer.PurchaseLine;
import dev.marketplace.proto.customer.PurchaseList;
import dev.marketplace.proto.customer.Seller;
import dev.marketplace.replica.CommandRejectedException;
import dev.marketplace.replica.ErrorCode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Parameterized queries shared by the apply path (inside its transaction) and the read path.
 * Stateless; thread-safe.
 */
final class Queries {
  private Queries() {}

  /** A session row. */
  record SessionRow(String token, Role role, long accountId, long expiresAtMillis,
      long refreshedAtMillis) {}

  static CommandRejectedException unauthenticated() {
    return new CommandRejectedException(ErrorCode.UNAUTHENTICATED, "unknown or expired session");
  }

  /** The session if it exists, has {@code role} and is live at {@code nowMillis}. */
  static SessionRow liveSession(Connection c, String token, Role role, long nowMillis)
      throws SQLException, CommandRejectedException {
    try (PreparedStatement ps = c.prepareStatement("SELECT role, account_id, expires_at_millis, "
        + "refreshed_at_millis FROM sessions WHERE token = ?")) {
      ps.setString(1, token);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next() || rs.getInt(1) != role.getNumber() || rs.getLong(3) <= nowMillis) {
          throw unauthenticated();
        }
        return new SessionRow(token, role, rs.getLong(2), rs.getLong(3), rs.getLong(4));
      }
    }
  }

  static Cart cart(Connection c, String token) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT category, number, quantity FROM "
        + "cart_lines WHERE token = ? ORDER BY category, number")) {
      ps.setString(1, token);
      Cart.Builder b = Cart.newBuilder();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          b.addLines(CartLine.newBuilder().setItemId(ItemId.newBuilder().setCategory(rs.getInt(1))
              .setNumber(rs.getLong(2))).setQuantity(rs.getLong(3)));
        }
      }
      return b.build();
    }
  }

  static Seller seller(Connection c, long id) throws SQLException, CommandRejectedException {
    try (PreparedStatement ps = c.prepareStatement("SELECT username, name, thumbs_up, "
        + "thumbs_down, items_sold FROM sellers WHERE id = ?")) {
      ps.setLong(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          throw new CommandRejectedException(ErrorCode.NOT_FOUND, "no seller " + id);
        }
        return Seller.newBuilder().setId(id).setUsername(rs.getString(1)).setName(rs.getString(2))
            .setRating(Rating.newBuilder().setThumbsUp(rs.getLong(3)).setThumbsDown(rs.getLong(4)))
            .setItemsSold(rs.getLong(5)).build();
      }
    }
  }

  static Buyer buyer(Connection c, long id) throws SQLException, CommandRejectedException {
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT username, name, items_purchased FROM buyers WHERE id = ?")) {
      ps.setLong(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          throw new CommandRejectedException(ErrorCode.NOT_FOUND, "no buyer " + id);
        }
        return Buyer.newBuilder().setId(id).setUsername(rs.getString(1)).setName(rs.getString(2))
            .setItemsPurchased(rs.getLong(3)).build();
      }
    }
  }

  /** The account's id and password hash for {@code username} in the role's table, or null. */
  static Object[] credentials(Connection c, Role role, String username) throws SQLException {
    String sql = role == Role.SELLER
        ? "SELECT id, password_hash FROM sellers WHERE username = ?"
        : "SELECT id, password_hash FROM buyers WHERE username = ?";
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, username);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? new Object[] {rs.getLong(1), rs.getString(2)} : null;
      }
    }
  }

  /** The purchase, or null. */
  static Purchase purchase(Connection c, String id) throws SQLException {
    Purchase.Builder b;
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT total_cents, purchased_at_millis FROM purchases WHERE id = ?")) {
      ps.setString(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return null;
        }
        b = Purchase.newBuilder().setId(id).setTotalCents(rs.getLong(1))
            .setPurchasedAtMillis(rs.getLong(2));
      }
    }
    b.addAllLines(lines(c, id));
    return b.build();
  }

  private static List<PurchaseLine> lines(Connection c, String purchaseId) throws SQLException {
    List<PurchaseLine> out = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement("SELECT category, number, name, quantity, "
        + "unit_price_cents, seller_id FROM purchase_lines WHERE purchase_id = ? ORDER BY line_no")) {
      ps.setString(1, purchaseId);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(PurchaseLine.newBuilder()
              .setItemId(ItemId.newBuilder().setCategory(rs.getInt(1)).setNumber(rs.getLong(2)))
              .setName(rs.getString(3)).setQuantity(rs.getLong(4))
              .setUnitPriceCents(rs.getLong(5)).setSellerId(rs.getLong(6)).build());
        }
      }
    }
    return out;
  }

  /**
   * The buyer's purchases, oldest first, each with its lines in line order. One statement for
   * all purchases and lines (the buyer server reads this list on every purchase that carries an
   * Idempotency-Key, so a query per purchase would make each purchase slower as history grows).
   */
  static PurchaseList purchases(Connection c, long buyerId)
      throws SQLException, CommandRejectedException {
    buyer(c, buyerId); // NOT_FOUND for unknown buyers
    PurchaseList.Builder list = PurchaseList.newBuilder();
    try (PreparedStatement ps = c.prepareStatement("SELECT p.id, p.total_cents, "
        + "p.purchased_at_millis, l.category, l.number, l.name, l.quantity, l.unit_price_cents, "
        + "l.seller_id FROM purchases p LEFT JOIN purchase_lines l ON l.purchase_id = p.id "
        + "WHERE p.buyer_id = ? ORDER BY p.seq, l.line_no")) {
      ps.setLong(1, buyerId);
      try (ResultSet rs = ps.executeQuery()) {
        Purchase.Builder current = null;
        while (rs.next()) {
          String id = rs.getString(1);
          if (current == null || !current.getId().equals(id)) {
            if (current != null) {
              list.addPurchases(current);
            }
            current = Purchase.newBuilder().setId(id).setTotalCents(rs.getLong(2))
                .setPurchasedAtMillis(rs.getLong(3));
          }
          rs.getInt(4);
          if (!rs.wasNull()) {
            current.addLines(PurchaseLine.newBuilder()
                .setItemId(ItemId.newBuilder().setCategory(rs.getInt(4)).setNumber(rs.getLong(5)))
                .setName(rs.getString(6)).setQuantity(rs.getLong(7))
                .setUnitPriceCents(rs.getLong(8)).setSellerId(rs.getLong(9)));
          }
        }
        if (current != null) {
          list.addPurchases(current);
        }
      }
    }
    return list.build();
  }

}
