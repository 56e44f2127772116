package dev.marketplace.buyerserver;

/**
 * The gateway used until the SOAP client is adapted to {@link PaymentGateway}: every
 * authorization fails as unavailable (so purchases answer 503 and return their stock), naming the
 * configured payment URL. Nothing is approved or declined here. Immutable; thread-safe.
 */
public final class UnconfiguredPaymentGateway implements PaymentGateway {
  private final String url;

  public UnconfiguredPaymentGateway(String url) {
    this.url = url;
  }

  @Override
  public PaymentDecision authorize(String name, String cardNumber, String expiration,
      String securityCode, long amountCents, String reference)
      throws PaymentUnavailableException {
    throw new PaymentUnavailableException("no payment client is wired to " + url + " yet");
  }
}
