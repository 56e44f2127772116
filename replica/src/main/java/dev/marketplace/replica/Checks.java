package dev.marketplace.replica;

import java.util.regex.Pattern;

/**
 * Input checks shared by both services. Each throws {@link CommandRejectedException} with
 * INVALID_ARGUMENT and a message naming the field. Stateless; thread-safe.
 */
public final class Checks {
  private static final Pattern KEY = Pattern.compile("[A-Za-z0-9_:-]{1,80}");

  private Checks() {}

  /** An INVALID_ARGUMENT rejection naming {@code field}. */
  public static CommandRejectedException invalid(String field, String problem) {
    return new CommandRejectedException(ErrorCode.INVALID_ARGUMENT, field + ": " + problem);
  }

  /** "" or 1-80 chars of [A-Za-z0-9_:-]. */
  public static String idempotencyKey(String key) throws CommandRejectedException {
    if (!key.isEmpty() && !KEY.matcher(key).matches()) {
      throw invalid("idempotency_key", "must be 1-80 chars of [A-Za-z0-9_:-]");
    }
    return key;
  }

  /**
   * Text of {@code min}..{@code max} Unicode code points, without control characters (NUL cannot
   * be stored in PostgreSQL text) and without unpaired surrogates.
   */
  public static String text(String field, String value, int min, int max)
      throws CommandRejectedException {
    int n = value.codePointCount(0, value.length());
    if (n < min || n > max) {
      throw invalid(field, "must be " + min + "-" + max + " characters, got " + n);
    }
    for (int i = 0; i < value.length(); i++) {
      char ch = value.charAt(i);
      if (Character.isISOControl(ch)) {
        throw invalid(field, "must not contain control characters");
      }
      if (Character.isHighSurrogate(ch)) {
        if (i + 1 >= value.length() || !Character.isLowSurrogate(value.charAt(i + 1))) {
          throw invalid(field, "is not valid Unicode");
        }
        i++;
      } else if (Character.isLowSurrogate(ch)) {
        throw invalid(field, "is not valid Unicode");
      }
    }
    return value;
  }

  /** A number in {@code min..max}. */
  public static long range(String field, long value, long min, long max)
      throws CommandRejectedException {
    if (value < min || value > max) {
      throw invalid(field, "must be " + min + ".." + max + ", got " + value);
    }
    return value;
  }
}
