package dev.marketplace.buyerserver;

/**
 * The buyer server's view of the payment service (the SOAP client is adapted to it elsewhere).
 *
 * <p>Contract the purchase flow relies on: authorizations are <b>idempotent by
 * {@code reference}</b> (the purchase id): authorizing the same reference again returns the first
 * decision and never charges twice. A client retry of a purchase with the same Idempotency-Key
 * re-runs the flow with the same purchase id, so without this property a retry after a lost
 * response could charge twice, or be approved after a decline whose stock was already returned.
 *
 * <p>Implementations must be thread-safe.
 */
public interface PaymentGateway {
  /**
   * Authorizes {@code amountCents} on the card.
   *
   * @param securityCode may be null (optional in the API)
   * @param reference the purchase id, unique per purchase
   * @throws PaymentUnavailableException when the service cannot be reached or does not answer
   */
  PaymentDecision authorize(String name, String cardNumber, String expiration,
      String securityCode, long amountCents, String reference) throws PaymentUnavailableException;
}
