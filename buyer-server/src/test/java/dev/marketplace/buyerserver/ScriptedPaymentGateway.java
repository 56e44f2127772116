package dev.marketplace.buyerserver;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Test double of the payment service (another module's job): answers with a scripted decision or
 * "unavailable", idempotent by reference as {@link PaymentGateway} requires, and records every
 * charge. Thread-safe (synchronized).
 */
final class ScriptedPaymentGateway implements PaymentGateway {
  enum Mode { APPROVE, DECLINE, UNAVAILABLE }

  private Mode mode = Mode.APPROVE;
  private final Map<String, PaymentDecision> decided = new HashMap<>();
  private final List<Long> charges = new ArrayList<>();
  private int calls;

  synchronized void mode(Mode m) {
    mode = m;
  }

  synchronized List<Long> charges() {
    return List.copyOf(charges);
  }

  synchronized int calls() {
    return calls;
  }

  @Override
  public synchronized PaymentDecision authorize(String name, String cardNumber,
      String expiration, String securityCode, long amountCents, String reference)
      throws PaymentUnavailableException {
    calls++;
    PaymentDecision prior = decided.get(reference);
    if (prior != null) {
      return prior;
    }
    switch (mode) {
      case UNAVAILABLE:
        throw new PaymentUnavailableException("scripted outage");
      case DECLINE:
        decided.put(reference, PaymentDecision.DECLINED);
        return PaymentDecision.DECLINED;
      default:
        decided.put(reference, PaymentDecision.APPROVED);
        charges.add(amountCents);
        return PaymentDecision.APPROVED;
    }
  }
}
