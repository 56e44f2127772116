package dev.marketplace.rest;

import dev.marketplace.proto.ItemId;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Item ids at the REST edge: {@code "<category>-<number>"}, category 0-9, number 1..2^63-1,
 * no leading zeros. Stateless; thread-safe.
 */
public final class ItemIds {
  private static final Pattern FORMAT = Pattern.compile("([0-9])-([1-9][0-9]{0,18})");

  private ItemIds() {}

  /**
   * Parses an item id.
   *
   * @throws IllegalArgumentException with a message fit for a field error
   */
  public static ItemId parse(String text) {
    Matcher m = text == null ? null : FORMAT.matcher(text);
    if (m == null || !m.matches()) {
      throw new IllegalArgumentException(
          "must be \"<category>-<number>\" with category 0-9, e.g. \"3-17\"");
    }
    long number;
    try {
      number = Long.parseLong(m.group(2));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("item number is too large");
    }
    return ItemId.newBuilder().setCategory(Integer.parseInt(m.group(1))).setNumber(number).build();
  }

  /** Parses an id, answering 400 naming {@code field} when it is malformed. */
  public static ItemId parse(String field, String text) {
    try {
      return parse(text);
    } catch (IllegalArgumentException e) {
      throw ProblemException.invalid(field, e.getMessage());
    }
  }

  /** Formats an id as {@code "3-17"}. */
  public static String format(ItemId id) {
    return id.getCategory() + "-" + id.getNumber();
  }
}
