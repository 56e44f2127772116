package dev.marketplace.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * A request that did not succeed: either an HTTP error answered by a server (usually an RFC 9457
 * {@code application/problem+json} body) or no server answering at all. Carries what is needed to
 * show a readable message and to choose the process exit code. Immutable.
 */
public final class ApiException extends Exception {
  /** One field error of a validation problem. */
  public record FieldError(String field, String message) {}

  private final int status;
  private final String title;
  private final String detail;
  private final List<FieldError> errors;
  private final String rawBody;
  private final int exitCode;

  private ApiException(
      int status, String title, String detail, List<FieldError> errors, String rawBody, int exit) {
    super(title + (detail == null || detail.isBlank() ? "" : ": " + detail));
    this.status = status;
    this.title = title;
    this.detail = detail;
    this.errors = List.copyOf(errors);
    this.rawBody = rawBody;
    this.exitCode = exit;
  }

  /** An HTTP error response; {@code json} is the parsed body or null when it was not JSON. */
  public static ApiException fromResponse(int status, String rawBody, JsonNode json) {
    String title = null;
    String detail = null;
    List<FieldError> errors = new ArrayList<>();
    if (json != null && json.isObject()) {
      title = text(json, "title");
      detail = text(json, "detail");
      JsonNode list = json.get("errors");
      if (list != null && list.isArray()) {
        for (JsonNode e : list) {
          errors.add(new FieldError(text(e, "field"), text(e, "message")));
        }
      }
    } else if (rawBody != null && !rawBody.isBlank()) {
      String trimmed = rawBody.strip();
      detail = trimmed.length() > 300 ? trimmed.substring(0, 300) + "..." : trimmed;
    }
    if (title == null || title.isBlank()) {
      title = defaultTitle(status);
    }
    return new ApiException(status, title, detail, errors, rawBody, ExitCodes.forStatus(status));
  }

  /** No server could be reached within the retry budget. */
  public static ApiException unavailable(String detail) {
    return new ApiException(
        0, "No server available", detail, List.of(), null, ExitCodes.UNAVAILABLE);
  }

  /** A local problem detected before sending anything, e.g. not logged in. */
  public static ApiException local(String title, String detail, int exitCode) {
    return new ApiException(0, title, detail, List.of(), null, exitCode);
  }

  private static String text(JsonNode node, String field) {
    JsonNode v = node == null ? null : node.get(field);
    return v == null || v.isNull() ? null : v.asText();
  }

  private static String defaultTitle(int status) {
    return switch (status) {
      case 400 -> "Bad Request";
      case 401 -> "Unauthorized";
      case 402 -> "Payment Required";
      case 403 -> "Forbidden";
      case 404 -> "Not Found";
      case 409 -> "Conflict";
      case 503 -> "Service Unavailable";
      default -> "HTTP error";
    };
  }

  /** HTTP status, or 0 when no server answered or the failure is local. */
  public int status() {
    return status;
  }

  public String title() {
    return title;
  }

  /** The problem's detail, or null. */
  public String detail() {
    return detail;
  }

  public List<FieldError> errors() {
    return errors;
  }

  /** The response body as received, or null. */
  public String rawBody() {
    return rawBody;
  }

  /** The process exit code for this failure (see {@link ExitCodes}). */
  public int exitCode() {
    return exitCode;
  }

  /** A readable, possibly multi-line message, e.g. {@code error: Conflict (HTTP 409): ...}. */
  public String render() {
    StringBuilder sb = new StringBuilder("error: ").append(title);
    if (status > 0) {
      sb.append(" (HTTP ").append(status).append(')');
    }
    if (detail != null && !detail.isBlank()) {
      sb.append(": ").append(detail);
    }
    for (FieldError e : errors) {
      sb.append(System.lineSeparator()).append("  - ");
      if (e.field() != null && !e.field().isBlank()) {
        sb.append(e.field()).append(": ");
      }
      sb.append(e.message() == null ? "invalid" : e.message());
    }
    return sb.toString();
  }
}
