package dev.marketplace.payment;

/**
 * The payment service could not be reached, timed out, or answered with something other than a
 * decision or an {@code InvalidRequest} fault. Whether the card was charged is unknown: retry
 * with the same {@code reference} to get the same decision. Immutable; thread-safe.
 */
public final class PaymentUnavailableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public PaymentUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
