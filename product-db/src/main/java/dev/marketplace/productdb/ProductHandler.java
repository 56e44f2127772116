package dev.marketplace.productdb;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.marketplace.proto.ItemId;
import dev.marketplace.proto.Rating;
import dev.marketplace.proto.Vote;
import dev.marketplace.proto.product.AddItemVoteRequest;
import dev.marketplace.proto.product.Condition;
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
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.UnaryOperator;

/**
 * Applies {@link ProductCommand}s to the product database, deterministically: item numbers are
 * max + 1 within the category, every time comes from the command. Keeps batch state (see {@link
 * #beginBatch}); used by the one apply thread only, not thread-safe.
 */
final class ProductHandler implements CommandHandler<ProductCommand> {
  /**
   * Batch state for the item commands (CreateItem, UpdatePrice, SetQuantity, RemoveUnits): items
   * as they are in the transaction (read ahead for the whole batch in {@link #beginBatch}, or on
   * first use; a cached {@code null} = no such item) and each category's highest number, kept
   * exact by applying those commands to them; their writes are deferred until {@link #flush}.
   * TakeStock, ReturnStock and AddItemVote flush and forget all of it first.
   */
  private final Map<ItemKey, Item> items = new HashMap<>();
  private final Map<Integer, Long> maxNumber = new HashMap<>();
  /** Items changed since the last flush: key -> created_at_millis of a new item, or null. */
  private final Map<ItemKey, Long> dirty = new LinkedHashMap<>();
  private boolean deferring;

  /** An item's primary key. */
  private record ItemKey(int category, long number) {
    static ItemKey of(ItemId id) {
      return new ItemKey(id.getCategory(), id.getNumber());
    }
  }

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
    CommandResult result;
    switch (c.getKindCase()) {
      case CREATE_ITEM:
        result = ok(createItem(tx, c.getCreateItem(), c.getNowMillis()).toByteArray());
        break;
      case UPDATE_PRICE: {
        UpdatePriceRequest r = c.getUpdatePrice();
        result = ownedUpdate(tx, r.getId(), r.getSellerId(), -1,
            item -> item.toBuilder().setPriceCents(r.getPriceCents()).build());
        break;
      }
      case SET_QUANTITY: {
        SetQuantityRequest r = c.getSetQuantity();
        result = ownedUpdate(tx, r.getId(), r.getSellerId(), -1,
            item -> item.toBuilder().setQuantity(r.getQuantity()).build());
        break;
      }
      case REMOVE_UNITS: {
        RemoveUnitsRequest r = c.getRemoveUnits();
        result = ownedUpdate(tx, r.getId(), r.getSellerId(), r.getQuantity(),
            item -> item.toBuilder().setQuantity(item.getQuantity() - r.getQuantity()).build());
        break;
      }
      case TAKE_STOCK:
        forget(tx);
        return takeStock(tx, c.getTakeStock(), c.getNowMillis());
      case RETURN_STOCK:
        forget(tx);
        returnStock(tx, c.getReturnStock().getReservationId());
        return ok(Done.getDefaultInstance().toByteArray());
      case ADD_ITEM_VOTE:
        forget(tx);
        return addVote(tx, c.getAddItemVote(), c.getNowMillis());
      default:
        return CommandResult.error(ErrorCode.INVALID_ARGUMENT, "unknown command kind");
    }
    if (!deferring) {
      flush(tx);
    }
    return result;
  }

  /**
   * Reads ahead, in at most two queries, the items the batch's UpdatePrice/SetQuantity/
   * RemoveUnits name and the highest number of each category its CreateItems use.
   */
  @Override
  public void beginBatch(Connection tx, List<ProductCommand> commands) throws SQLException {
    items.clear();
    maxNumber.clear();
    dirty.clear();
    deferring = true;
    Set<ItemKey> ids = new LinkedHashSet<>();
    Set<Integer> categories = new LinkedHashSet<>();
    for (ProductCommand c : commands) {
      switch (c.getKindCase()) {
        case CREATE_ITEM -> categories.add(c.getCreateItem().getCategory());
        case UPDATE_PRICE -> ids.add(ItemKey.of(c.getUpdatePrice().getId()));
        case SET_QUANTITY -> ids.add(ItemKey.of(c.getSetQuantity().getId()));
        case REMOVE_UNITS -> ids.add(ItemKey.of(c.getRemoveUnits().getId()));
        default -> { }
      }
    }
    if (!ids.isEmpty()) {
      loadItems(tx, ids);
    }
    if (!categories.isEmpty()) {
      loadMaxNumbers(tx, categories);
    }
  }

  /**
   * Writes the deferred item changes as their final rows in one statement: new items inserted,
   * changed ones updated (price and quantity; nothing else is changed by these commands). The
   * same rows as writing after every command, since nothing else wrote them meanwhile.
   */
  @Override
  public void flush(Connection tx) throws SQLException {
    if (dirty.isEmpty()) {
      return;
    }
    List<Integer> newCategory = new ArrayList<>();
    List<Long> newNumber = new ArrayList<>();
    List<String> newName = new ArrayList<>();
    List<String> keywords = new ArrayList<>(); // all new items' keywords, sliced per item
    List<Integer> kwFrom = new ArrayList<>();
    List<Integer> kwTo = new ArrayList<>();
    List<Integer> newCondition = new ArrayList<>();
    List<Long> newPrice = new ArrayList<>();
    List<Long> newQuantity = new ArrayList<>();
    List<Long> newSeller = new ArrayList<>();
    List<Long> newCreated = new ArrayList<>();
    List<Integer> upCategory = new ArrayList<>();
    List<Long> upNumber = new ArrayList<>();
    List<Long> upPrice = new ArrayList<>();
    List<Long> upQuantity = new ArrayList<>();
    for (Map.Entry<ItemKey, Long> e : dirty.entrySet()) {
      Item item = items.get(e.getKey());
      if (e.getValue() != null) {
        newCategory.add(e.getKey().category());
        newNumber.add(e.getKey().number());
        newName.add(item.getName());
        kwFrom.add(keywords.size() + 1);
        keywords.addAll(item.getKeywordsList());
        kwTo.add(keywords.size());
        newCondition.add(item.getConditionValue());
        newPrice.add(item.getPriceCents());
        newQuantity.add(item.getQuantity());
        newSeller.add(item.getSellerId());
        newCreated.add(e.getValue());
      } else {
        upCategory.add(e.getKey().category());
        upNumber.add(e.getKey().number());
        upPrice.add(item.getPriceCents());
        upQuantity.add(item.getQuantity());
      }
    }
    // New and existing items are distinct rows: safe in one statement. A slice [from:to] with
    // from > to is the empty array, as stored for an item without keywords.
    try (PreparedStatement ps = tx.prepareStatement("WITH n AS (INSERT INTO items (category, "
        + "number, name, keywords, condition, price_cents, quantity, seller_id, thumbs_up, "
        + "thumbs_down, created_at_millis) SELECT u.category, u.number, u.name, "
        + "(?::text[])[u.kw_from:u.kw_to], u.condition, u.price, u.quantity, u.seller, 0, 0, "
        + "u.created FROM unnest(?::integer[], ?::bigint[], ?::text[], ?::integer[], "
        + "?::integer[], ?::integer[], ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[]) "
        + "AS u(category, number, name, kw_from, kw_to, condition, price, quantity, seller, "
        + "created)) "
        + "UPDATE items i SET price_cents = u.price, quantity = u.quantity FROM unnest("
        + "?::integer[], ?::bigint[], ?::bigint[], ?::bigint[]) AS u(category, number, price, "
        + "quantity) WHERE i.category = u.category AND i.number = u.number")) {
      ps.setArray(1, tx.createArrayOf("text", keywords.toArray()));
      ps.setArray(2, tx.createArrayOf("int4", newCategory.toArray()));
      ps.setArray(3, tx.createArrayOf("int8", newNumber.toArray()));
      ps.setArray(4, tx.createArrayOf("text", newName.toArray()));
      ps.setArray(5, tx.createArrayOf("int4", kwFrom.toArray()));
      ps.setArray(6, tx.createArrayOf("int4", kwTo.toArray()));
      ps.setArray(7, tx.createArrayOf("int4", newCondition.toArray()));
      ps.setArray(8, tx.createArrayOf("int8", newPrice.toArray()));
      ps.setArray(9, tx.createArrayOf("int8", newQuantity.toArray()));
      ps.setArray(10, tx.createArrayOf("int8", newSeller.toArray()));
      ps.setArray(11, tx.createArrayOf("int8", newCreated.toArray()));
      ps.setArray(12, tx.createArrayOf("int4", upCategory.toArray()));
      ps.setArray(13, tx.createArrayOf("int8", upNumber.toArray()));
      ps.setArray(14, tx.createArrayOf("int8", upPrice.toArray()));
      ps.setArray(15, tx.createArrayOf("int8", upQuantity.toArray()));
      ps.executeUpdate();
    }
    dirty.clear();
  }

  /** Flushes and drops the batch state: the next command reads the tables themselves. */
  private void forget(Connection tx) throws SQLException {
    flush(tx);
    items.clear();
    maxNumber.clear();
  }

  private void loadItems(Connection tx, Set<ItemKey> ids) throws SQLException {
    Integer[] categories = new Integer[ids.size()];
    Long[] numbers = new Long[ids.size()];
    int i = 0;
    for (ItemKey k : ids) {
      categories[i] = k.category();
      numbers[i] = k.number();
      items.put(k, null);
      i++;
    }
    try (PreparedStatement ps = tx.prepareStatement("SELECT " + Items.COLUMNS + " FROM items "
        + "WHERE (category, number) IN (SELECT * FROM unnest(?::integer[], ?::bigint[]))")) {
      ps.setArray(1, tx.createArrayOf("int4", categories));
      ps.setArray(2, tx.createArrayOf("int8", numbers));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          Item item = Items.map(rs);
          items.put(ItemKey.of(item.getId()), item);
        }
      }
    }
  }

  private void loadMaxNumbers(Connection tx, Set<Integer> categories) throws SQLException {
    try (PreparedStatement ps = tx.prepareStatement("SELECT c, (SELECT COALESCE(MAX(number), 0) "
        + "FROM items WHERE category = c) FROM unnest(?::integer[]) AS c")) {
      ps.setArray(1, tx.createArrayOf("int4", categories.toArray()));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          maxNumber.put(rs.getInt(1), rs.getLong(2));
        }
      }
    }
  }

  private static CommandResult ok(byte[] payload) {
    return CommandResult.ok(payload);
  }

  /**
   * The number is max + 1 in the category; the reply is the row as {@link Items#map} reads it
   * back: text as stored (UTF-8 round trip), no rating yet.
   */
  private Item createItem(Connection tx, CreateItemRequest r, long now) throws SQLException {
    if (!maxNumber.containsKey(r.getCategory())) {
      loadMaxNumbers(tx, Set.of(r.getCategory()));
    }
    long number = maxNumber.get(r.getCategory()) + 1;
    maxNumber.put(r.getCategory(), number);
    Item.Builder b = Item.newBuilder()
        .setId(ItemId.newBuilder().setCategory(r.getCategory()).setNumber(number))
        .setName(stored(r.getName()));
    for (String k : r.getKeywordsList()) {
      b.addKeywords(stored(k));
    }
    Item item = b.setCondition(Condition.forNumber(r.getConditionValue()))
        .setPriceCents(r.getPriceCents())
        .setQuantity(r.getQuantity())
        .setSellerId(r.getSellerId())
        .setRating(Rating.newBuilder().setThumbsUp(0).setThumbsDown(0))
        .build();
    ItemKey key = new ItemKey(r.getCategory(), number);
    items.put(key, item);
    dirty.put(key, now);
    return item;
  }

  /** {@code s} as PostgreSQL text gives it back (what the driver sends is its UTF-8 form). */
  private static String stored(String s) {
    return new String(s.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
  }

  /**
   * Changes the seller's own item (with {@code minQuantity >= 0}: only if it has that many
   * units); the reply is the changed item. Rejections, in the order NOT_FOUND,
   * PERMISSION_DENIED, FAILED_PRECONDITION, change nothing.
   */
  private CommandResult ownedUpdate(Connection tx, ItemId id, long sellerId, long minQuantity,
      UnaryOperator<Item> change) throws SQLException {
    ItemKey key = ItemKey.of(id);
    if (!items.containsKey(key)) {
      items.put(key, Items.find(tx, id));
    }
    Item item = items.get(key);
    if (item == null) {
      return notFound(id).toResult();
    }
    if (item.getSellerId() != sellerId) {
      return CommandResult.error(ErrorCode.PERMISSION_DENIED,
          "item " + label(id) + " belongs to another seller");
    }
    if (item.getQuantity() < minQuantity) {
      return CommandResult.error(ErrorCode.FAILED_PRECONDITION, "only "
          + item.getQuantity() + " units in stock, cannot remove " + minQuantity);
    }
    Item changed = change.apply(item);
    items.put(key, changed);
    if (!dirty.containsKey(key)) {
      dirty.put(key, null);
    }
    return ok(changed.toByteArray());
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
