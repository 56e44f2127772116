package dev.marketplace.loadgen;

import java.util.Locale;

/**
 * One step a benchmark client can take; several HTTP requests for some ({@link #CART} adds then
 * removes a unit, {@link #PURCHASE} fills the cart, pays, and sometimes restocks). Immutable.
 */
enum Action {
  /** Buyer: {@code GET /items?category=N&keywords=a,b}. */
  SEARCH,
  /** Buyer: {@code GET /items/{id}}. */
  GET,
  /** Seller: {@code PUT /items/{id}/price}. */
  PRICE,
  /** Buyer: {@code POST /cart/items} then {@code POST /cart/removals} of the same unit. */
  CART,
  /**
   * Buyer: {@code POST /cart/items}, {@code POST /purchases} (201 approved or 402 declined; a
   * declined cart is emptied with {@code DELETE /cart}); the item's seller restocks it with
   * {@code PUT /items/{id}/quantity} every few purchases.
   */
  PURCHASE;

  /** The lower-case name used on the command line. */
  String key() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses a command-line name ({@code search}, {@code get}, ...), case-insensitively. */
  static Action parse(String text) {
    for (Action a : values()) {
      if (a.key().equalsIgnoreCase(text.strip())) {
        return a;
      }
    }
    throw new IllegalArgumentException("unknown action '" + text + "' (expected one of "
        + String.join(", ", java.util.Arrays.stream(values()).map(Action::key).toList()) + ")");
  }
}
