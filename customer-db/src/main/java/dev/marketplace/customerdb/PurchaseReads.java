package dev.marketplace.customerdb;

import dev.marketplace.proto.ItemId;
import dev.marketplace.proto.customer.Purchase;
import dev.marketplace.proto.customer.PurchaseLine;
import dev.marketplace.replica.CommandRejectedException;
import dev.marketplace.replica.ErrorCode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * Read-side purchase queries of the gRPC service (never used by the apply path). Stateless;
 * thread-safe.
 */
final class PurchaseReads {
  private PurchaseReads() {}

  /**
   * The buyer's purchase {@code purchaseId} with its lines in line order: one statement, found
   * through the primary keys of {@code purchases} and {@code purchase_lines}, so its cost does not
   * grow with the buyer's history.
   *
   * @throws CommandRejectedException NOT_FOUND when the buyer has no purchase with that id (also
   *     when it is another buyer's: the answer does not tell whose it is)
   */
  static Purchase purchase(Connection c, long buyerId, String purchaseId)
      throws SQLException, CommandRejectedException {
    try (PreparedStatement ps = c.prepareStatement("SELECT p.total_cents, "
        + "p.purchased_at_millis, l.category, l.number, l.name, l.quantity, l.unit_price_cents, "
        + "l.seller_id FROM purchases p LEFT JOIN purchase_lines l ON l.purchase_id = p.id "
        + "WHERE p.id = ? AND p.buyer_id = ? ORDER BY l.line_no")) {
      ps.setString(1, purchaseId);
      ps.setLong(2, buyerId);
      try (ResultSet rs = ps.executeQuery()) {
        Purchase.Builder b = null;
        while (rs.next()) {
          if (b == null) {
            b = Purchase.newBuilder().setId(purchaseId).setTotalCents(rs.getLong(1))
                .setPurchasedAtMillis(rs.getLong(2));
          }
          int category = rs.getInt(3);
          if (!rs.wasNull()) {
            b.addLines(PurchaseLine.newBuilder()
                .setItemId(ItemId.newBuilder().setCategory(category).setNumber(rs.getLong(4)))
                .setName(rs.getString(5)).setQuantity(rs.getLong(6))
                .setUnitPriceCents(rs.getLong(7)).setSellerId(rs.getLong(8)));
          }
        }
        if (b == null) {
          throw new CommandRejectedException(ErrorCode.NOT_FOUND,
              "buyer " + buyerId + " has no purchase " + purchaseId);
        }
        return b.build();
      }
    }
  }
}
