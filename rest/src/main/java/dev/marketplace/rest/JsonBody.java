package dev.marketplace.rest;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A strict reader of one JSON request body. The body must be {@code application/json}, non-empty,
 * well-formed, a single JSON object without duplicate keys, and contain only the fields the
 * endpoint declares: an unknown field is a validation error (so a typo such as {@code "qty"} is
 * reported instead of silently ignored). Typed getters record a {@link FieldError} naming the
 * field on a missing value or wrong type and return a placeholder; {@link #validate()} then throws
 * one 400 problem listing every error. Money is only accepted as a string (see {@link Money});
 * integers only as JSON integers (not {@code 5.0}, not {@code "5"}).
 *
 * <p>One instance per request; not thread-safe.
 */
public final class JsonBody {
  private final ObjectNode node;
  private final List<FieldError> errors = new ArrayList<>();

  private JsonBody(ObjectNode node) {
    this.node = node;
  }

  /** Reads the request body, declaring the fields the endpoint accepts. */
  public static JsonBody read(Context ctx, String... allowedFields) {
    requireJsonContentType(ctx.contentType());
    byte[] bytes = ctx.bodyAsBytes();
    return parse(bytes, allowedFields);
  }

  /** Parses raw bytes (the part of {@link #read} that does not need a request; for tests). */
  public static JsonBody parse(byte[] bytes, String... allowedFields) {
    if (bytes == null || bytes.length == 0) {
      throw new ProblemException(Problem.badRequest("a JSON object body is required"));
    }
    JsonNode tree;
    try {
      tree = Json.MAPPER.readTree(bytes);
    } catch (JacksonException e) {
      throw new ProblemException(Problem.badRequest("malformed JSON: " + e.getOriginalMessage()));
    } catch (java.io.IOException e) {
      throw new ProblemException(Problem.badRequest("unreadable body"));
    }
    if (tree == null || !tree.isObject()) {
      throw new ProblemException(Problem.badRequest("the body must be a JSON object"));
    }
    JsonBody body = new JsonBody((ObjectNode) tree);
    Set<String> allowed = new LinkedHashSet<>(List.of(allowedFields));
    for (Iterator<String> it = tree.fieldNames(); it.hasNext(); ) {
      String name = it.next();
      if (!allowed.contains(name)) {
        body.errors.add(new FieldError(truncate(name), "unknown field; allowed: "
            + String.join(", ", allowed)));
      }
    }
    return body;
  }

  /** 415 unless the content type is {@code application/json} (parameters such as charset ok). */
  public static void requireJsonContentType(String contentType) {
    String base = contentType == null ? "" : contentType.split(";", 2)[0].strip();
    if (!base.equalsIgnoreCase("application/json")) {
      throw new ProblemException(Problem.of(415, "unsupported-media-type",
          "Unsupported media type", "Content-Type must be application/json"));
    }
    int charset = contentType.toLowerCase(java.util.Locale.ROOT).indexOf("charset=");
    if (charset >= 0) {
      String cs = contentType.substring(charset + 8).split(";", 2)[0].strip().replace("\"", "");
      if (!cs.equalsIgnoreCase("utf-8")) {
        throw new ProblemException(Problem.of(415, "unsupported-media-type",
            "Unsupported media type", "only charset=utf-8 is accepted"));
      }
    }
  }

  /** A required string of {@code min..max} characters (code points), not blank, no controls. */
  public String string(String field, int min, int max) {
    JsonNode v = present(field);
    if (v == null) {
      return null;
    }
    if (!v.isTextual()) {
      return error(field, "must be a string");
    }
    String s = v.textValue();
    String problem = checkText(s, min, max);
    return problem == null ? s : error(field, problem);
  }

  /** An optional string: null when absent or JSON null, else as {@link #string}. */
  public String optionalString(String field, int min, int max) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    return string(field, min, max);
  }

  /** A required string that must be one of {@code allowed} (exact, case-sensitive). */
  public String oneOf(String field, Set<String> allowed) {
    JsonNode v = present(field);
    if (v == null) {
      return null;
    }
    if (!v.isTextual() || !allowed.contains(v.textValue())) {
      return error(field, "must be one of " + String.join(", ", new java.util.TreeSet<>(allowed)));
    }
    return v.textValue();
  }

  /** A required JSON integer in {@code min..max}. */
  public long integer(String field, long min, long max) {
    JsonNode v = present(field);
    if (v == null) {
      return 0;
    }
    if (!v.isIntegralNumber()) {
      error(field, v.isNumber() ? "must be an integer, not a fraction"
          : "must be a JSON integer (not a string)");
      return 0;
    }
    if (!v.canConvertToLong() || v.longValue() < min || v.longValue() > max) {
      error(field, "must be between " + min + " and " + max);
      return 0;
    }
    return v.longValue();
  }

  /** A required price: a string with at most two decimals, 0 < price <= 1,000,000.00; cents. */
  public long price(String field) {
    JsonNode v = present(field);
    if (v == null) {
      return 0;
    }
    if (!v.isTextual()) {
      error(field, "must be a string such as \"19.99\" (numbers are not accepted for money)");
      return 0;
    }
    try {
      return Money.parsePriceCents(v.textValue());
    } catch (IllegalArgumentException e) {
      error(field, e.getMessage());
      return 0;
    }
  }

  /**
   * A list of strings, each {@code minLen..maxLen} characters, at most {@code maxItems}; absent
   * or null is an empty list when {@code required} is false.
   */
  public List<String> stringList(String field, boolean required, int maxItems, int minLen,
      int maxLen) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      if (required) {
        error(field, "is required");
      }
      return List.of();
    }
    if (!v.isArray()) {
      error(field, "must be an array of strings");
      return List.of();
    }
    if (v.size() > maxItems) {
      error(field, "at most " + maxItems + " entries");
      return List.of();
    }
    List<String> out = new ArrayList<>();
    for (int i = 0; i < v.size(); i++) {
      JsonNode e = v.get(i);
      String name = field + "[" + i + "]";
      if (!e.isTextual()) {
        error(name, "must be a string");
        continue;
      }
      String problem = checkText(e.textValue(), minLen, maxLen);
      if (problem == null && (e.textValue().contains(",") || e.textValue().isBlank()
          || !e.textValue().equals(e.textValue().strip()))) {
        problem = "must not contain commas or surrounding spaces";
      }
      if (problem != null) {
        error(name, problem);
      } else {
        out.add(e.textValue());
      }
    }
    return out;
  }

  /** Adds an error found by the caller's own checks. */
  public void addError(String field, String message) {
    errors.add(new FieldError(field, message));
  }

  /** Throws one 400 problem listing every recorded error; no-op when there are none. */
  public void validate() {
    if (!errors.isEmpty()) {
      throw ProblemException.validation(errors);
    }
  }

  /** The errors recorded so far (for tests). */
  public List<FieldError> errors() {
    return List.copyOf(errors);
  }

  /**
   * Checks a text value: {@code min..max} code points, not blank when {@code min > 0}, no control
   * characters. Returns a message or null.
   */
  public static String checkText(String s, int min, int max) {
    int len = s.codePointCount(0, s.length());
    if (len < min || len > max) {
      return "must be " + min + "-" + max + " characters";
    }
    if (min > 0 && s.isBlank()) {
      return "must not be blank";
    }
    if (s.codePoints().anyMatch(Character::isISOControl)) {
      return "must not contain control characters";
    }
    return null;
  }

  private JsonNode present(String field) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      error(field, "is required");
      return null;
    }
    return v;
  }

  private String error(String field, String message) {
    errors.add(new FieldError(field, message));
    return null;
  }

  private static String truncate(String s) {
    return s.length() > 40 ? s.substring(0, 40) + "..." : s;
  }
}
