package dev.marketplace.payment;

import dev.marketplace.payment.generated.InvalidRequest;
import dev.marketplace.payment.generated.InvalidRequestFault;
import dev.marketplace.payment.generated.PaymentPortType;
import jakarta.jws.WebService;
import java.math.BigDecimal;

/**
 * The JAX-WS endpoint: implements the SEI generated from {@code wsdl/payment.wsdl} and serves
 * that hand-written WSDL at {@code ?wsdl}. Only translates: wire values to an
 * {@link AuthorizationRequest}, one call to {@link PaymentAuthorizer}, the decision back, and
 * {@link InvalidPaymentRequestException} to the WSDL fault {@code InvalidRequest}. Thread-safe
 * (stateless; the authorizer is thread-safe).
 */
@WebService(
    endpointInterface = "dev.marketplace.payment.generated.PaymentPortType",
    serviceName = "PaymentService",
    portName = "PaymentPort",
    targetNamespace = "http://marketplace.dev/payment",
    wsdlLocation = "wsdl/payment.wsdl")
public class PaymentEndpoint implements PaymentPortType {
  private final PaymentAuthorizer authorizer;

  public PaymentEndpoint(PaymentAuthorizer authorizer) {
    this.authorizer = authorizer;
  }

  @Override
  public dev.marketplace.payment.generated.Decision authorize(
      String name,
      String cardNumber,
      String expiration,
      String securityCode,
      BigDecimal amount,
      String reference)
      throws InvalidRequestFault {
    AuthorizationRequest request;
    try {
      request = AuthorizationRequest.parse(
          name, cardNumber, expiration, securityCode, amount, reference);
    } catch (InvalidPaymentRequestException e) {
      authorizer.logRejected(cardNumber, e);
      InvalidRequest info = new InvalidRequest();
      info.setField(e.field());
      info.setMessage(e.reason());
      throw new InvalidRequestFault("invalid " + e.getMessage(), info);
    }
    Decision decision = authorizer.authorize(request);
    return dev.marketplace.payment.generated.Decision.valueOf(decision.name());
  }
}
