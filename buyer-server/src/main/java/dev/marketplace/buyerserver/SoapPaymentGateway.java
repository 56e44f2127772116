package dev.marketplace.buyerserver;

import dev.marketplace.payment.Decision;
import dev.marketplace.payment.InvalidPaymentRequestException;
import dev.marketplace.payment.PaymentClient;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link PaymentGateway} over the SOAP payment service, through the client generated from its
 * WSDL ({@link PaymentClient}). The service remembers the decision per {@code reference}, which is
 * what makes a retried purchase safe. A request the service rejects as malformed is a decline: the
 * buyer server validated the card fields already, so that only happens for card data the payment
 * service refuses. Thread-safe (the client pools its ports).
 */
public final class SoapPaymentGateway implements PaymentGateway, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SoapPaymentGateway.class);
  private final PaymentClient client;

  public SoapPaymentGateway(String serviceUrl, Duration timeout) {
    this.client = new PaymentClient(serviceUrl, timeout);
  }

  @Override
  public PaymentDecision authorize(String name, String cardNumber, String expiration,
      String securityCode, long amountCents, String reference) throws PaymentUnavailableException {
    try {
      Decision d = client.authorize(name, cardNumber, expiration, securityCode, amountCents, reference);
      return d == Decision.APPROVED ? PaymentDecision.APPROVED : PaymentDecision.DECLINED;
    } catch (InvalidPaymentRequestException e) {
      LOG.info("payment refused the card data of purchase {}: {}", reference, e.getMessage());
      return PaymentDecision.DECLINED;
    } catch (dev.marketplace.payment.PaymentUnavailableException e) {
      throw new PaymentUnavailableException(e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    client.close();
  }
}
