package dev.marketplace.payment;

/** The answer of the payment service to one authorization. Immutable; thread-safe. */
public enum Decision {
  /** The amount was authorized: the purchase may go ahead. */
  APPROVED,
  /** The card was refused (random refusal or expired card): the purchase must not go ahead. */
  DECLINED
}
