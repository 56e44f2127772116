package dev.marketplace.rest;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An RFC 9457 problem detail ({@code application/problem+json}): {@code type}, {@code title},
 * {@code status}, {@code detail}, plus {@code errors} for validation failures, plus the response
 * headers that go with it (e.g. {@code Retry-After}). Immutable; thread-safe.
 */
public record Problem(
    String type, String title, int status, String detail, List<FieldError> errors,
    Map<String, String> headers) {

  /** The media type of every error body. */
  public static final String MEDIA_TYPE = "application/problem+json";

  /** Prefix of every problem {@code type} URI. */
  public static final String TYPE_PREFIX = "urn:marketplace:problem:";

  public Problem {
    errors = errors == null ? List.of() : List.copyOf(errors);
    headers = headers == null ? Map.of() : Map.copyOf(headers);
  }

  /** A problem without field errors or headers. */
  public static Problem of(int status, String slug, String title, String detail) {
    return new Problem(TYPE_PREFIX + slug, title, status, detail, List.of(), Map.of());
  }

  /** 400 with one field error per invalid field. */
  public static Problem validation(List<FieldError> errors) {
    String detail = errors.size() == 1
        ? errors.get(0).field() + ": " + errors.get(0).message()
        : errors.size() + " fields are invalid";
    return new Problem(TYPE_PREFIX + "validation", "Invalid request", 400, detail, errors,
        Map.of());
  }

  /** 400 for a request that cannot be read at all (malformed JSON, wrong top-level type). */
  public static Problem badRequest(String detail) {
    return of(400, "bad-request", "Bad request", detail);
  }

  /** 401, with the {@code WWW-Authenticate: Bearer} challenge. */
  public static Problem unauthorized(String detail) {
    return new Problem(TYPE_PREFIX + "unauthorized", "Unauthorized", 401, detail, List.of(),
        Map.of("WWW-Authenticate", "Bearer"));
  }

  /** 403: the resource belongs to someone else. */
  public static Problem forbidden(String detail) {
    return of(403, "forbidden", "Forbidden", detail);
  }

  /** 404: unknown id or route. */
  public static Problem notFound(String detail) {
    return of(404, "not-found", "Not found", detail);
  }

  /** 409: conflict with the current state. */
  public static Problem conflict(String detail) {
    return of(409, "conflict", "Conflict", detail);
  }

  /** 402: the card was declined. */
  public static Problem paymentDeclined(String detail) {
    return of(402, "payment-declined", "Payment declined", detail);
  }

  /** 503 with {@code Retry-After: 1}. */
  public static Problem unavailable(String detail) {
    return new Problem(TYPE_PREFIX + "unavailable", "Service unavailable", 503, detail,
        List.of(), Map.of("Retry-After", "1"));
  }

  /** 500 without any internal detail. */
  public static Problem internal(String requestId) {
    return of(500, "internal", "Internal server error",
        "unexpected error; request id " + requestId);
  }

  /** The JSON body (field order as in RFC 9457). */
  public Map<String, Object> body() {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("type", type);
    body.put("title", title);
    body.put("status", status);
    body.put("detail", detail);
    if (!errors.isEmpty()) {
      body.put("errors", errors);
    }
    return body;
  }
}
