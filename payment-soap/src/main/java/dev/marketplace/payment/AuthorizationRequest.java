package dev.marketplace.payment;

import java.math.BigDecimal;
import java.time.YearMonth;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One validated authorization request. {@link #parse} is the single place the input rules live;
 * everything that does not pass them is an {@link InvalidPaymentRequestException}. Immutable;
 * thread-safe.
 *
 * @param name card holder, 1-100 characters after trimming
 * @param cardDigits 12-19 ASCII digits (spaces and dashes of the input removed)
 * @param expiration the last month the card is valid
 * @param securityCode 3 or 4 digits
 * @param amount greater than 0, at most 2 fraction digits, at most 10 integer digits
 * @param reference the purchase id (1-200 characters), or null when not given
 */
public record AuthorizationRequest(
    String name,
    String cardDigits,
    YearMonth expiration,
    String securityCode,
    BigDecimal amount,
    String reference) {

  /** Longest accepted card holder name. */
  public static final int MAX_NAME = 100;
  /** Longest accepted reference. */
  public static final int MAX_REFERENCE = 200;

  private static final Pattern EXPIRATION = Pattern.compile("(\\d{2})/(\\d{2})");
  private static final Pattern SECURITY_CODE = Pattern.compile("\\d{3,4}");
  private static final BigDecimal MAX_AMOUNT = new BigDecimal("9999999999.99");

  /** Validates raw wire values; throws {@link InvalidPaymentRequestException} naming the field. */
  public static AuthorizationRequest parse(
      String name,
      String cardNumber,
      String expiration,
      String securityCode,
      BigDecimal amount,
      String reference) {
    if (name == null || name.isBlank()) {
      throw new InvalidPaymentRequestException("name", "is required");
    }
    String trimmedName = name.strip();
    if (trimmedName.length() > MAX_NAME) {
      throw new InvalidPaymentRequestException("name", "longer than " + MAX_NAME + " characters");
    }
    String digits = parseCard(cardNumber);
    YearMonth exp = parseExpiration(expiration);
    if (securityCode == null || !SECURITY_CODE.matcher(securityCode.strip()).matches()) {
      throw new InvalidPaymentRequestException("securityCode", "must be 3 or 4 digits");
    }
    if (amount == null) {
      throw new InvalidPaymentRequestException("amount", "is required, a decimal like 12.34");
    }
    if (amount.signum() <= 0) {
      throw new InvalidPaymentRequestException("amount", "must be greater than 0, got " + amount);
    }
    if (amount.stripTrailingZeros().scale() > 2) {
      throw new InvalidPaymentRequestException("amount", "has more than 2 decimals: " + amount);
    }
    if (amount.compareTo(MAX_AMOUNT) > 0) {
      throw new InvalidPaymentRequestException("amount", "larger than " + MAX_AMOUNT);
    }
    if (reference != null && (reference.isBlank() || reference.length() > MAX_REFERENCE)) {
      throw new InvalidPaymentRequestException(
          "reference", "must be 1-" + MAX_REFERENCE + " non-blank characters when given");
    }
    return new AuthorizationRequest(
        trimmedName, digits, exp, securityCode.strip(), amount.setScale(2), reference);
  }

  private static String parseCard(String cardNumber) {
    if (cardNumber == null || cardNumber.isBlank()) {
      throw new InvalidPaymentRequestException("cardNumber", "is required");
    }
    String digits = cardNumber.strip().replace(" ", "").replace("-", "");
    for (int i = 0; i < digits.length(); i++) {
      char c = digits.charAt(i);
      if (c < '0' || c > '9') {
        throw new InvalidPaymentRequestException("cardNumber", "must contain only digits");
      }
    }
    if (digits.length() < 12 || digits.length() > 19) {
      throw new InvalidPaymentRequestException(
          "cardNumber", "must have 12-19 digits, got " + digits.length());
    }
    return digits;
  }

  private static YearMonth parseExpiration(String expiration) {
    Matcher m = expiration == null ? null : EXPIRATION.matcher(expiration.strip());
    if (m == null || !m.matches()) {
      throw new InvalidPaymentRequestException("expiration", "must be MM/YY");
    }
    int month = Integer.parseInt(m.group(1));
    if (month < 1 || month > 12) {
      throw new InvalidPaymentRequestException("expiration", "month must be 01-12");
    }
    return YearMonth.of(2000 + Integer.parseInt(m.group(2)), month);
  }

  /** The card number with all but the last 4 digits masked, safe to log. */
  public String maskedCard() {
    return mask(cardDigits);
  }

  /** Masks all but the last 4 characters of {@code card} (all of them when 4 or fewer). */
  public static String mask(String card) {
    if (card == null) {
      return "null";
    }
    String s = card.strip();
    if (s.length() <= 4) {
      return "*".repeat(s.length());
    }
    return "*".repeat(s.length() - 4) + s.substring(s.length() - 4);
  }

  @Override
  public String toString() {
    // Never print the card number, security code or holder name.
    return "AuthorizationRequest[card=" + maskedCard() + ", amount=" + amount
        + ", reference=" + reference + "]";
  }
}
