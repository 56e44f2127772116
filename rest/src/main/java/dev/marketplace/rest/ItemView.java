package dev.marketplace.rest;

import dev.marketplace.proto.product.Item;
import java.util.List;

/**
 * The JSON shape of an item in both REST APIs: {@code id} ("3-17"), {@code name},
 * {@code category}, {@code keywords}, {@code condition} (NEW/USED), {@code price} ("19.99"),
 * {@code quantity}, {@code sellerId}, {@code thumbsUp}, {@code thumbsDown}. Immutable.
 */
public record ItemView(String id, String name, int category, List<String> keywords,
    String condition, String price, long quantity, long sellerId, long thumbsUp,
    long thumbsDown) {

  /** Converts a ProductDb item. */
  public static ItemView of(Item item) {
    return new ItemView(ItemIds.format(item.getId()), item.getName(), item.getId().getCategory(),
        List.copyOf(item.getKeywordsList()), item.getCondition().name(),
        Money.format(item.getPriceCents()), item.getQuantity(), item.getSellerId(),
        item.getRating().getThumbsUp(), item.getRating().getThumbsDown());
  }

  /** Converts a list of items, keeping the order. */
  public static List<ItemView> of(List<Item> items) {
    return items.stream().map(ItemView::of).toList();
  }
}
