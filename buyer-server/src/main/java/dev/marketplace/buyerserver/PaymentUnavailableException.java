package dev.marketplace.buyerserver;

/**
 * The payment service could not be reached or did not answer, so the outcome of the
 * authorization is unknown to the caller. Immutable.
 */
public final class PaymentUnavailableException extends Exception {
  public PaymentUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }

  public PaymentUnavailableException(String message) {
    super(message);
  }
}
