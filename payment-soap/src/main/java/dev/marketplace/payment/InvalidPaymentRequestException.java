package dev.marketplace.payment;

/**
 * A malformed authorization request (missing or garbage field). The server answers it with the
 * WSDL fault {@code InvalidRequest}; {@link PaymentClient} turns that fault back into this
 * exception. A well-formed but refused card is not an exception but {@link Decision#DECLINED}.
 * Immutable; thread-safe.
 */
public final class InvalidPaymentRequestException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;
  private final String field;

  /** {@code field} names the request element at fault, e.g. {@code cardNumber}. */
  public InvalidPaymentRequestException(String field, String message) {
    super(field + ": " + message);
    this.field = field;
  }

  /** The request element at fault, e.g. {@code cardNumber}. */
  public String field() {
    return field;
  }

  /** The reason without the field prefix. */
  public String reason() {
    String m = getMessage();
    return m.substring(Math.min(m.length(), field.length() + 2));
  }
}
