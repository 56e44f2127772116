package dev.marketplace.cli;

/**
 * Process exit codes of the command-line clients, one per kind of failure so scripts can branch on
 * them. Constants only; thread-safe.
 */
public final class ExitCodes {
  /** The command succeeded. */
  public static final int OK = 0;
  /** Unexpected failure: a server error other than 503, a malformed response, a local I/O error. */
  public static final int ERROR = 1;
  /** Bad command line or configuration (unknown option, malformed value, no servers configured). */
  public static final int USAGE = 2;
  /** The server rejected the input (HTTP 400 or 422). */
  public static final int VALIDATION = 3;
  /** Not logged in, session expired or unknown (401), or not yours (403). */
  public static final int AUTH = 4;
  /** Unknown id (404). */
  public static final int NOT_FOUND = 5;
  /** Conflict (409): username taken, not enough stock, feedback already given. */
  public static final int CONFLICT = 6;
  /** Payment declined (402). */
  public static final int PAYMENT_DECLINED = 7;
  /** No server answered (connection errors, timeouts, 503) within the retry budget. */
  public static final int UNAVAILABLE = 8;

  private ExitCodes() {}

  /** The exit code for an HTTP error status. */
  public static int forStatus(int status) {
    return switch (status) {
      case 400, 422 -> VALIDATION;
      case 401, 403 -> AUTH;
      case 402 -> PAYMENT_DECLINED;
      case 404 -> NOT_FOUND;
      case 409 -> CONFLICT;
      case 503 -> UNAVAILABLE;
      default -> ERROR;
    };
  }
}
