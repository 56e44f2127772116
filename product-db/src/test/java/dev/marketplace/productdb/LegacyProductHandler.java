package dev.marketplace.productdb;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.marketplace.proto.ItemId;
import dev.marketplace.proto.Vote;
import dev.marketplace.proto.product.AddItemVoteRequest;
import dev.marketplace.proto.product.CreateItemRequest;
import dev.marketplace.proto.product.Item;
import dev.marketplace.proto.product.RemoveUnitsRequest;
import dev.marketplace.proto.product.SetQuantityRequest;
import dev.marketplace.proto.product.StockLine;
import dev.marketplace.proto.product.TakeStockReply;
import dev.marketplace.proto.product.TakeStockRequest;
import dev.marketplace.proto.product.UpdatePriceRequest;
import dev.marketplace.proto.Done;
import dev.marketplace.proto.product.commands.ProductCommand;
import dev.marketplace.replica.CommandHandler;
import dev.marketplace.replica.CommandRejectedException;
import dev.marketplace.replica.CommandResult;
import dev.marketplace.replica.ErrorCode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * THE PRE-2026-11 HANDLER, kept verbatim as the reference for {@code ApplyPathEquivalenceTest}:
 * the optimized {@link ProductHandler} must give byte-identical results and identical tables.
 *
 * Applies {@link ProductCommand}s to the product database, deterministically: item numbers are
 * max + 1 within the category, every time comes from the command. Stateless; thread-safe.
 */
final class LegacyProductHandler implements CommandHandler<ProductCommand> {

  @Override
  public ProductCommand parse(byte[] command) throws CommandRejectedException {
    try {
      return ProductCommand.parseFrom(command);
    } catch (InvalidProtocolBufferException e) {
      throw new CommandRejectedException(ErrorCode.INVALID_ARGUMENT, "malformed command");
    }
  }

  @Override
  public String idempotencyKey(ProductCommand c) {
    return c.getIdempotencyKey().isEmpty() ? ""
        : "product/" + c.getKindCase().name() + "/" + c.getIdempotencyKey();
  }

  @Override
  public long commandTimeMillis(ProductCommand c) {
    return c.getNowMillis();
  }

  @Override
  public CommandResult apply(Connection tx, ProductCommand c)
      throws SQLException, CommandRejectedException {
    switch (c.getKindCase()) {
      case CREATE_ITEM:
        return ok(createItem(tx, c.getCreateItem(), c.getNowMillis()).toByteArray());
      case UPDATE_PRICE: {
        UpdatePriceRequest r = c.getUpdatePrice();
        owned(tx, r.getId(), r.getSellerId());
        update(tx, "UPDATE items SET price_cents = ? WHERE category = ? AND number = ?",
            r.getPriceCents(), r.getId());
        return ok(Items.find(tx, r.getId()).toByteArray());
      }
      case SET_QUANTITY: {
        SetQuantityRequest r = c.getSetQuantity();
        owned(tx, r.getId(), r.getSellerId());
        update(tx, "UPDATE items SET quantity = ? WHERE category = ? AND number = ?",
            r.getQuantity(), r.getId());
        return ok(Items.find(tx, r.getId()).toByteArray());
      }
      case REMOVE_UNITS: {
        RemoveUnitsRequest r = c.getRemoveUnits();
        Item item = owned(tx, r.getId(), r.getSellerId());
        if (item.getQuantity() < r.getQuantity()) {
          throw new CommandRejectedException(ErrorCode.FAILED_PRECONDITION, "only "
              + item.getQuantity() + " units in stock, cannot remove " + r.getQuantity());
        }
        update(tx, "UPDATE items SET quantity = quantity - ? WHERE category = ? AND number = ?",
            r.getQuantity(), r.getId());
        return ok(Items.find(tx, r.getId()).toByteArray());
      }
      case TAKE_STOCK:
        return takeStock(tx, c.getTakeStock(), c.getNowMillis());
      case RETURN_STOCK:
        returnStock(tx, c.getReturnStock().getReservationId());
        return ok(Done.getDefaultInstance().toByteArray());
      case ADD_ITEM_VOTE:
        return ok(addVote(tx, c.getAddItemVote(), c.getNowMillis()).toByteArray());
      default:
        throw new CommandRejectedException(ErrorCode.INVALID_ARGUMENT, "unknown command kind");
    }
  }

  private static CommandResult ok(byte[] payload) {
    return CommandResult.ok(payload);
  }

  private static Item createItem(Connection tx, CreateItemRequest r, long now)
      throws SQLException {
    long number;
    try (PreparedStatement ps = tx.prepareStatement(
        "SELECT COALESCE(MAX(number), 0) + 1 FROM items WHERE category = ?")) {
      ps.setInt(1, r.getCategory());
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        number = rs.getLong(1);
      }
    }
    try (PreparedStatement ps = tx.prepareStatement(
        "INSERT INTO items (category, number, name, keywords, condition, price_cents, quantity, "
            + "seller_id, thumbs_up, thumbs_down, created_at_millis) "
            + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, 0, ?)")) {
      ps.setInt(1, r.getCategory());
      ps.setLong(2, number);
      ps.setString(3, r.getName());
      ps.setArray(4, tx.createArrayOf("text", r.getKeywordsList().toArray()));
      ps.setInt(5, r.getConditionValue());
      ps.setLong(6, r.getPriceCents());
      ps.setLong(7, r.getQuantity());
      ps.setLong(8, r.getSellerId());
      ps.setLong(9, now);
      ps.executeUpdate();
    }
    return Items.find(tx, ItemId.newBuilder().setCategory(r.getCategory()).setNumber(number)
        .build());
  }

  private static Item owned(Connection tx, ItemId id, long sellerId)
      throws SQLException, CommandRejectedException {
    Item item = Items.find(tx, id);
    if (item == null) {
      throw notFound(id);
    }
    if (item.getSellerId() != sellerId) {
      throw new CommandRejectedException(ErrorCode.PERMISSION_DENIED,
          "item " + label(id) + " belongs to another seller");
    }
    return item;
  }

  static CommandRejectedException notFound(ItemId id) {
    return new CommandRejectedException(ErrorCode.NOT_FOUND, "no item " + label(id));
  }

  static String label(ItemId id) {
    return id.getCategory() + "-" + id.getNumber();
  }

  private static void update(Connection tx, String sql, long value, ItemId id)
      throws SQLException {
    try (PreparedStatement ps = tx.prepareStatement(sql)) {
      ps.setLong(1, value);
      ps.setInt(2, id.getCategory());
      ps.setLong(3, id.getNumber());
      ps.executeUpdate();
    }
  }

  private static CommandResult takeStock(Connection tx, TakeStockRequest r, long now)
      throws SQLException {
    try (PreparedStatement ps = tx.prepareStatement(
        "SELECT result FROM reservations WHERE reservation_id = ?")) {
      ps.setString(1, r.getReservationId());
      try (ResultSet rs = ps.executeQuery()) {
        if (rs.next()) {
          return CommandResult.decode(rs.getBytes(1));
        }
      }
    }
    // Sum the units per item; TreeMap gives a deterministic order.
    Map<String, long[]> wanted = new TreeMap<>();
    Map<String, ItemId> ids = new TreeMap<>();
    for (StockLine line : r.getLinesList()) {
      String k = String.format("%02d-%019d", line.getId().getCategory(), line.getId().getNumber());
      wanted.computeIfAbsent(k, x -> new long[1])[0] += line.getQuantity();
      ids.put(k, line.getId());
    }
    CommandResult result = null;
    List<Item> items = new ArrayList<>();
    for (Map.Entry<String, ItemId> e : ids.entrySet()) {
      Item item = Items.find(tx, e.getValue());
      long want = wanted.get(e.getKey())[0];
      if (item == null) {
        result = CommandResult.error(ErrorCode.NOT_FOUND, "no item " + label(e.getValue()));
        break;
      }
      if (item.getQuantity() < want) {
        result = CommandResult.error(ErrorCode.FAILED_PRECONDITION, "item " + label(e.getValue())
            + " has " + item.getQuantity() + " units, " + want + " wanted");
        break;
      }
    }
    if (result == null) {
      for (Map.Entry<String, ItemId> e : ids.entrySet()) {
        long want = wanted.get(e.getKey())[0];
        update(tx, "UPDATE items SET quantity = quantity - ? WHERE category = ? AND number = ?",
            want, e.getValue());
        try (PreparedStatement ps = tx.prepareStatement("INSERT INTO reservation_lines "
            + "(reservation_id, category, number, quantity) VALUES (?, ?, ?, ?)")) {
          ps.setString(1, r.getReservationId());
          ps.setInt(2, e.getValue().getCategory());
          ps.setLong(3, e.getValue().getNumber());
          ps.setLong(4, want);
          ps.executeUpdate();
        }
      }
      // Reply items in request order (first occurrence), as priced now.
      java.util.Set<String> seen = new java.util.HashSet<>();
      for (StockLine line : r.getLinesList()) {
        if (seen.add(label(line.getId()))) {
          items.add(Items.find(tx, line.getId()));
        }
      }
      result = CommandResult.ok(TakeStockReply.newBuilder().addAllItems(items).build()
          .toByteArray());
    }
    try (PreparedStatement ps = tx.prepareStatement("INSERT INTO reservations "
        + "(reservation_id, result, returned, created_at_millis) VALUES (?, ?, false, ?)")) {
      ps.setString(1, r.getReservationId());
      ps.setBytes(2, result.encode());
      ps.setLong(3, now);
      ps.executeUpdate();
    }
    return result;
  }

  private static void returnStock(Connection tx, String reservationId) throws SQLException {
    try (PreparedStatement ps = tx.prepareStatement(
        "UPDATE reservations SET returned = true WHERE reservation_id = ? AND NOT returned "
            + "RETURNING reservation_id")) {
      ps.setString(1, reservationId);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return; // unknown or already returned
        }
      }
    }
    // A rejected reservation has no lines, so this adds nothing for it.
    try (PreparedStatement ps = tx.prepareStatement(
        "UPDATE items i SET quantity = i.quantity + l.quantity FROM reservation_lines l "
            + "WHERE l.reservation_id = ? AND i.category = l.category AND i.number = l.number")) {
      ps.setString(1, reservationId);
      ps.executeUpdate();
    }
  }

  private static Item addVote(Connection tx, AddItemVoteRequest r, long now)
      throws SQLException, CommandRejectedException {
    Item item = Items.find(tx, r.getId());
    if (item == null) {
      throw notFound(r.getId());
    }
    try (PreparedStatement ps = tx.prepareStatement(
        "INSERT INTO item_votes (feedback_id, category, number, vote, voted_at_millis) "
            + "VALUES (?, ?, ?, ?, ?) ON CONFLICT (feedback_id) DO NOTHING")) {
      ps.setString(1, r.getFeedbackId());
      ps.setInt(2, r.getId().getCategory());
      ps.setLong(3, r.getId().getNumber());
      ps.setInt(4, r.getVoteValue());
      ps.setLong(5, now);
      if (ps.executeUpdate() == 0) {
        return item; // this feedback was counted before
      }
    }
    String column = r.getVote() == Vote.UP ? "thumbs_up" : "thumbs_down";
    try (PreparedStatement ps = tx.prepareStatement("UPDATE items SET " + column + " = "
        + column + " + 1 WHERE category = ? AND number = ?")) {
      ps.setInt(1, r.getId().getCategory());
      ps.setLong(2, r.getId().getNumber());
      ps.executeUpdate();
    }
    return Items.find(tx, r.getId());
  }
}
