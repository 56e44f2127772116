package dev.marketplace.productdb;

import dev.marketplace.proto.ItemId;
import dev.marketplace.proto.Rating;
import dev.marketplace.proto.product.Condition;
import dev.marketplace.proto.product.Item;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Row mapping and queries on {@code items}, used by the apply path (inside its transaction) and
 * the read path. Stateless; thread-safe.
 */
final class Items {
  static final String COLUMNS = "category, number, name, keywords, condition, price_cents, "
      + "quantity, seller_id, thumbs_up, thumbs_down";

  private Items() {}

  static Item map(ResultSet rs) throws SQLException {
    Array kw = rs.getArray("keywords");
    String[] keywords = (String[]) kw.getArray();
    return Item.newBuilder()
        .setId(ItemId.newBuilder().setCategory(rs.getInt("category")).setNumber(rs.getLong("number")))
        .setName(rs.getString("name"))
        .addAllKeywords(Arrays.asList(keywords))
        .setCondition(Condition.forNumber(rs.getInt("condition")))
        .setPriceCents(rs.getLong("price_cents"))
        .setQuantity(rs.getLong("quantity"))
        .setSellerId(rs.getLong("seller_id"))
        .setRating(Rating.newBuilder().setThumbsUp(rs.getLong("thumbs_up"))
            .setThumbsDown(rs.getLong("thumbs_down")))
        .build();
  }

  /** The item, or null. */
  static Item find(Connection c, ItemId id) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT " + COLUMNS + " FROM items WHERE category = ? AND number = ?")) {
      ps.setInt(1, id.getCategory());
      ps.setLong(2, id.getNumber());
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? map(rs) : null;
      }
    }
  }

  static List<Item> bySeller(Connection c, long sellerId) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT " + COLUMNS + " FROM items WHERE seller_id = ? ORDER BY category, number")) {
      ps.setLong(1, sellerId);
      return list(ps);
    }
  }

  /**
   * Items of {@code category} with quantity > 0; with keywords, those matching at least one
   * (case-insensitive), by matching-keyword count desc, then number.
   */
  static List<Item> search(Connection c, int category, List<String> lowerKeywords)
      throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT " + COLUMNS + " FROM (SELECT i.*, (SELECT count(*) FROM unnest(?::text[]) AS q(k) "
            + "WHERE q.k = ANY (SELECT lower(x) FROM unnest(i.keywords) AS x)) AS matches "
            + "FROM items i WHERE i.category = ? AND i.quantity > 0) s "
            + "WHERE ? OR s.matches > 0 ORDER BY s.matches DESC, s.number")) {
      ps.setArray(1, c.createArrayOf("text", lowerKeywords.toArray()));
      ps.setInt(2, category);
      ps.setBoolean(3, lowerKeywords.isEmpty());
      return list(ps);
    }
  }

  private static List<Item> list(PreparedStatement ps) throws SQLException {
    List<Item> out = new ArrayList<>();
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        out.add(map(rs));
      }
    }
    return out;
  }
}
