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
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Applies {@link ProductCommand}s to the product database, deterministically: item numbers are
 * max + 1 within the category, every time comes from the command. Stateless; thread-safe.
 */
final class ProductHandler implements CommandHandler<ProductCommand> {

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

  /**
   * Applies one command with as few statements as possible: a conditional write whose returned
   * row is the result (the rows it did not match are explained by a read afterwards), or reads
   * first and then one statement for all writes. A rejection is therefore always decided before
   * anything is written and returned as an error result, never thrown, so the state machine
   * needs no savepoint for this handler.
   */
  @Override
  public CommandResult apply(Connection tx, ProductCommand c) throws SQLException {
    switch (c.getKindCase()) {
      case CREATE_ITEM:
        return ok(createItem(tx, c.getCreateItem(), c.getNowMillis()).toByteArray());
      case UPDATE_PRICE: {
        UpdatePriceRequest r = c.getUpdatePrice();
        return ownedUpdate(tx, "price_cents = ?", r.getPriceCents(), r.getId(), r.getSellerId(),
            -1);
      }
      case SET_QUANTITY: {
        SetQuantityRequest r = c.getSetQuantity();
        return ownedUpdate(tx, "quantity = ?", r.getQuantity(), r.getId(), r.getSellerId(), -1);
      }
      case REMOVE_UNITS: {
        RemoveUnitsRequest r = c.getRemoveUnits();
        return ownedUpdate(tx, "quantity = quantity - ?", r.getQuantity(), r.getId(),
            r.getSellerId(), r.getQuantity());
      }
      case TAKE_STOCK:
        return takeStock(tx, c.getTakeStock(), c.getNowMillis());
      case RETURN_STOCK:
        returnStock(tx, c.getReturnStock().getReservationId());
        return ok(Done.getDefaultInstance().toByteArray());
      case ADD_ITEM_VOTE:
        return addVote(tx, c.getAddItemVote(), c.getNowMillis());
      default:
        return CommandResult.error(ErrorCode.INVALID_ARGUMENT, "unknown command kind");
    }
  }

  private static CommandResult ok(byte[] payload) {
    return CommandResult.ok(payload);
  }

  /** One statement: the number is max + 1 in the category, the inserted row is the result. */
  private static Item createItem(Connection tx, CreateItemRequest r, long now)
      throws SQLException {
    try (PreparedStatement ps = tx.prepareStatement(
        "INSERT INTO items (category, number, name, keywords, condition, price_cents, quantity, "
            + "seller_id, thumbs_up, thumbs_down, created_at_millis) "
            + "SELECT ?, COALESCE(MAX(number), 0) + 1, ?, ?, ?, ?, ?, ?, 0, 0, ? FROM items "
            + "WHERE category = ? RETURNING " + Items.COLUMNS)) {
      ps.setInt(1, r.getCategory());
      ps.setString(2, r.getName());
      ps.setArray(3, tx.createArrayOf("text", r.getKeywordsList().toArray()));
      ps.setInt(4, r.getConditionValue());
      ps.setLong(5, r.getPriceCents());
      ps.setLong(6, r.getQuantity());
      ps.setLong(7, r.getSellerId());
      ps.setLong(8, now);
      ps.setInt(9, r.getCategory());
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return Items.map(rs);
      }
    }
  }

  /**
   * {@code UPDATE items SET <set>} of the seller's own item (and, with {@code minQuantity >= 0},
   * only if it has that many units) in one statement returning the updated item. When no row
   * matched, nothing was written and a read names the reason, in the order NOT_FOUND,
   * PERMISSION_DENIED, FAILED_PRECONDITION.
   */
  private static CommandResult ownedUpdate(Connection tx, String set, long value, ItemId id,
      long sellerId, long minQuantity) throws SQLException {
    try (PreparedStatement ps = tx.prepareStatement("UPDATE items SET " + set
        + " WHERE category = ? AND number = ? AND seller_id = ? AND quantity >= ? RETURNING "
        + Items.COLUMNS)) {
      ps.setLong(1, value);
      ps.setInt(2, id.getCategory());
      ps.setLong(3, id.getNumber());
      ps.setLong(4, sellerId);
      ps.setLong(5, Math.max(0, minQuantity)); // quantity is never negative
      try (ResultSet rs = ps.executeQuery()) {
        if (rs.next()) {
          return ok(Items.map(rs).toByteArray());
        }
      }
    }
    Item item = Items.find(tx, id);
    if (item == null) {
      return notFound(id).toResult();
    }
    if (item.getSellerId() != sellerId) {
      return CommandResult.error(ErrorCode.PERMISSION_DENIED,
          "item " + label(id) + " belongs to another seller");
    }
    return CommandResult.error(ErrorCode.FAILED_PRECONDITION, "only "
        + item.getQuantity() + " units in stock, cannot remove " + minQuantity);
  }

  static CommandRejectedException notFound(ItemId id) {
    return new CommandRejectedException(ErrorCode.NOT_FOUND, "no item " + label(id));
  }

  static String label(ItemId id) {
    return id.getCategory() + "-" + id.getNumber();
  }

  /**
   * Three statements whatever the number of lines: the stored result, the items (one query),
   * then every write in one statement. The reply's items are the ones read, with the units
   * taken, which is what a read after the update returns (only the apply thread writes).
   */
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
      String k = key(line.getId());
      wanted.computeIfAbsent(k, x -> new long[1])[0] += line.getQuantity();
      ids.put(k, line.getId());
    }
    Map<String, Item> found = findAll(tx, ids.values());
    CommandResult result = null;
    for (Map.Entry<String, ItemId> e : ids.entrySet()) {
      Item item = found.get(e.getKey());
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
    int n = result == null ? ids.size() : 0; // a rejection takes nothing
    Integer[] categories = new Integer[n];
    Long[] numbers = new Long[n];
    Long[] units = new Long[n];
    if (result == null) {
      int i = 0;
      for (Map.Entry<String, ItemId> e : ids.entrySet()) {
        categories[i] = e.getValue().getCategory();
        numbers[i] = e.getValue().getNumber();
        units[i] = wanted.get(e.getKey())[0];
        i++;
      }
      // Reply items in request order (first occurrence), as they are after the update.
      List<Item> items = new ArrayList<>();
      Set<String> seen = new HashSet<>();
      for (StockLine line : r.getLinesList()) {
        String k = key(line.getId());
        if (seen.add(k)) {
          Item before = found.get(k);
          items.add(before.toBuilder().setQuantity(before.getQuantity() - wanted.get(k)[0])
              .build());
        }
      }
      result = CommandResult.ok(TakeStockReply.newBuilder().addAllItems(items).build()
          .toByteArray());
    }
    // Three different tables, each row touched once: safe in one statement.
    try (PreparedStatement ps = tx.prepareStatement("WITH w AS (SELECT * FROM "
        + "unnest(?::integer[], ?::bigint[], ?::bigint[]) AS w(category, number, units)), "
        + "upd AS (UPDATE items i SET quantity = i.quantity - w.units FROM w "
        + "WHERE i.category = w.category AND i.number = w.number), "
        + "lines AS (INSERT INTO reservation_lines (reservation_id, category, number, quantity) "
        + "SELECT ?, category, number, units FROM w) "
        + "INSERT INTO reservations (reservation_id, result, returned, created_at_millis) "
        + "VALUES (?, ?, false, ?)")) {
      ps.setArray(1, tx.createArrayOf("int4", categories));
      ps.setArray(2, tx.createArrayOf("int8", numbers));
      ps.setArray(3, tx.createArrayOf("int8", units));
      ps.setString(4, r.getReservationId());
      ps.setString(5, r.getReservationId());
      ps.setBytes(6, result.encode());
      ps.setLong(7, now);
      ps.executeUpdate();
    }
    return result;
  }

  /** Sort key of an item id (the order TakeStock checks and writes in). */
  private static String key(ItemId id) {
    return String.format("%02d-%019d", id.getCategory(), id.getNumber());
  }

  /** The items with these ids that exist, by {@link #key}, in one query. */
  private static Map<String, Item> findAll(Connection tx, Collection<ItemId> ids)
      throws SQLException {
    Integer[] categories = new Integer[ids.size()];
    Long[] numbers = new Long[ids.size()];
    int i = 0;
    for (ItemId id : ids) {
      categories[i] = id.getCategory();
      numbers[i] = id.getNumber();
      i++;
    }
    Map<String, Item> out = new HashMap<>();
    try (PreparedStatement ps = tx.prepareStatement("SELECT " + Items.COLUMNS + " FROM items "
        + "WHERE (category, number) IN (SELECT * FROM unnest(?::integer[], ?::bigint[]))")) {
      ps.setArray(1, tx.createArrayOf("int4", categories));
      ps.setArray(2, tx.createArrayOf("int8", numbers));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          Item item = Items.map(rs);
          out.put(key(item.getId()), item);
        }
      }
    }
    return out;
  }

  /** One statement: marks the reservation returned and puts its units back (once). */
  private static void returnStock(Connection tx, String reservationId) throws SQLException {
    // A rejected reservation has no lines, so this adds nothing for it; an unknown or already
    // returned one matches no row of r.
    try (PreparedStatement ps = tx.prepareStatement("WITH r AS (UPDATE reservations "
        + "SET returned = true WHERE reservation_id = ? AND NOT returned "
        + "RETURNING reservation_id) "
        + "UPDATE items i SET quantity = i.quantity + l.quantity FROM reservation_lines l "
        + "WHERE l.reservation_id IN (SELECT reservation_id FROM r) "
        + "AND i.category = l.category AND i.number = l.number")) {
      ps.setString(1, reservationId);
      ps.executeUpdate();
    }
  }

  /**
   * One statement: records the vote if the item exists and the feedback id is new, and counts
   * it, returning the counted item; otherwise a read tells NOT_FOUND from a repeat (which
   * returns the item unchanged).
   */
  private static CommandResult addVote(Connection tx, AddItemVoteRequest r, long now)
      throws SQLException {
    String column = r.getVote() == Vote.UP ? "thumbs_up" : "thumbs_down";
    try (PreparedStatement ps = tx.prepareStatement("WITH v AS (INSERT INTO item_votes "
        + "(feedback_id, category, number, vote, voted_at_millis) SELECT ?, ?, ?, ?, ? "
        + "WHERE EXISTS (SELECT 1 FROM items WHERE category = ? AND number = ?) "
        + "ON CONFLICT (feedback_id) DO NOTHING RETURNING 1) "
        + "UPDATE items SET " + column + " = " + column + " + 1 "
        + "WHERE category = ? AND number = ? AND EXISTS (SELECT 1 FROM v) RETURNING "
        + Items.COLUMNS)) {
      ps.setString(1, r.getFeedbackId());
      ps.setInt(2, r.getId().getCategory());
      ps.setLong(3, r.getId().getNumber());
      ps.setInt(4, r.getVoteValue());
      ps.setLong(5, now);
      ps.setInt(6, r.getId().getCategory());
      ps.setLong(7, r.getId().getNumber());
      ps.setInt(8, r.getId().getCategory());
      ps.setLong(9, r.getId().getNumber());
      try (ResultSet rs = ps.executeQuery()) {
        if (rs.next()) {
          return ok(Items.map(rs).toByteArray());
        }
      }
    }
    Item item = Items.find(tx, r.getId());
    if (item == null) {
      return notFound(r.getId()).toResult();
    }
    return ok(item.toByteArray()); // this feedback was counted before
  }
}
