package dev.marketplace.rest;

import java.util.regex.Pattern;

/**
 * Money at the REST edge: a JSON string with at most two decimals ({@code "19.99"}, {@code "5"},
 * {@code "0.5"}) parsed exactly to cents; always written with two decimals. No floating point is
 * involved anywhere. Stateless; thread-safe.
 */
public final class Money {
  /** Largest accepted price: 1,000,000.00. */
  public static final long MAX_PRICE_CENTS = 100_000_000L;

  private static final Pattern FORMAT = Pattern.compile("(0|[1-9][0-9]{0,8})(\\.[0-9]{1,2})?");

  private Money() {}

  /**
   * Parses a price: digits, optionally a dot and one or two digits; no sign, exponent, spaces,
   * thousands separators or leading zeros. Returns cents.
   *
   * @throws IllegalArgumentException with a message fit for a field error
   */
  public static long parseCents(String text) {
    if (text == null || !FORMAT.matcher(text).matches()) {
      throw new IllegalArgumentException(
          "must be a decimal string with at most two decimals, e.g. \"19.99\"");
    }
    int dot = text.indexOf('.');
    long units = Long.parseLong(dot < 0 ? text : text.substring(0, dot));
    long cents = 0;
    if (dot >= 0) {
      String frac = text.substring(dot + 1);
      cents = Long.parseLong(frac.length() == 1 ? frac + "0" : frac);
    }
    return units * 100 + cents;
  }

  /** Parses a price and checks 0 < price <= 1,000,000.00. */
  public static long parsePriceCents(String text) {
    long cents = parseCents(text);
    if (cents <= 0) {
      throw new IllegalArgumentException("must be greater than 0");
    }
    if (cents > MAX_PRICE_CENTS) {
      throw new IllegalArgumentException("must be at most 1000000.00");
    }
    return cents;
  }

  /** Formats cents as {@code "12.34"} ({@code "-0.05"} for negatives, which never occur). */
  public static String format(long cents) {
    String sign = cents < 0 ? "-" : "";
    long abs = Math.abs(cents);
    return sign + (abs / 100) + "." + String.format("%02d", abs % 100);
  }
}
