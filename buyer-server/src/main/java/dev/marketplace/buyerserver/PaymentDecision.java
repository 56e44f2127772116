package dev.marketplace.buyerserver;

/** The payment service's answer to an authorization. Immutable. */
public enum PaymentDecision {
  /** The card was charged. */
  APPROVED,
  /** The card was refused; nothing was charged. */
  DECLINED
}
