package dev.marketplace.payment;

import java.time.Clock;
import java.time.YearMonth;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The decision rules of the payment service, free of SOAP. For a valid request:
 *
 * <ol>
 *   <li>a {@code reference} already decided gets the remembered decision (no random draw);
 *   <li>an expired card (now after the end of its MM/YY month, UTC) is {@link Decision#DECLINED};
 *   <li>otherwise one draw {@code random.nextDouble() < approveProbability} approves.
 * </ol>
 *
 * The decision of every request with a reference is remembered, the newest {@code maxReferences}
 * of them (least recently used evicted). A reference reused for another card or amount still gets
 * its remembered decision, logged as a warning and counted. Logs one line per authorization with
 * the card masked.
 *
 * <p>Thread-safe: one lock serialises the reference lookup, the draw and the remembering, so
 * concurrent calls with one reference agree and, for a fixed seed, the n-th drawing call gets
 * the n-th draw.
 */
public final class PaymentAuthorizer {
  private static final Logger log = LoggerFactory.getLogger(PaymentAuthorizer.class);

  private final double approveProbability;
  private final RandomGenerator random;
  private final Clock clock;
  private final Map<String, Remembered> remembered;
  private long approved;
  private long declined;
  private long mismatchedReferences;

  /** A remembered decision and a hash of the card and amount it was made for. */
  private record Remembered(Decision decision, int details) {}

  /**
   * @param approveProbability probability in [0, 1] that a drawn decision approves
   * @param random the source of draws; seed it to make decisions repeatable
   * @param clock used for card expiry (UTC month)
   * @param maxReferences how many reference decisions to remember, at least 1
   */
  public PaymentAuthorizer(
      double approveProbability, RandomGenerator random, Clock clock, int maxReferences) {
    if (!(approveProbability >= 0.0 && approveProbability <= 1.0)) {
      throw new IllegalArgumentException("approveProbability must be in [0, 1]: "
          + approveProbability);
    }
    if (maxReferences < 1) {
      throw new IllegalArgumentException("maxReferences must be >= 1: " + maxReferences);
    }
    this.approveProbability = approveProbability;
    this.random = random;
    this.clock = clock;
    this.remembered = new LinkedHashMap<>(1024, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, Remembered> eldest) {
        return size() > maxReferences;
      }
    };
  }

  /** Decides one validated request; see the class comment for the rules. */
  public Decision authorize(AuthorizationRequest request) {
    String reason;
    Decision decision;
    int details = java.util.Objects.hash(request.cardDigits(), request.amount());
    synchronized (this) {
      Remembered known = request.reference() == null ? null : remembered.get(request.reference());
      if (known != null) {
        decision = known.decision();
        if (known.details() == details) {
          reason = "remembered";
        } else {
          // Still the same decision (a reference never flips), but the caller reused a
          // purchase id for another card or amount: almost certainly a bug worth seeing.
          reason = "remembered-other-card-or-amount";
          mismatchedReferences++;
        }
      } else {
        if (YearMonth.now(clock.withZone(java.time.ZoneOffset.UTC))
            .isAfter(request.expiration())) {
          decision = Decision.DECLINED;
          reason = "expired";
        } else {
          decision = random.nextDouble() < approveProbability
              ? Decision.APPROVED : Decision.DECLINED;
          reason = "random";
        }
        if (request.reference() != null) {
          remembered.put(request.reference(), new Remembered(decision, details));
        }
      }
      if (decision == Decision.APPROVED) {
        approved++;
      } else {
        declined++;
      }
    }
    if (reason.startsWith("remembered-")) {
      log.warn("authorize card={} amount={} reference={} decision={} reason={}",
          request.maskedCard(), request.amount().toPlainString(),
          printable(request.reference()), decision, reason);
    } else {
      log.info("authorize card={} amount={} reference={} decision={} reason={}",
          request.maskedCard(), request.amount().toPlainString(),
          printable(request.reference()), decision, reason);
    }
    return decision;
  }

  /** Logs a request rejected as malformed (one line, card masked). */
  public void logRejected(String cardNumber, InvalidPaymentRequestException e) {
    log.info("authorize card={} rejected field={} reason={}",
        printable(AuthorizationRequest.mask(cardNumber)), e.field(), e.reason());
  }

  /** Number of decisions remembered by reference now. */
  public synchronized int rememberedCount() {
    return remembered.size();
  }

  /** Requests whose reference was first decided for another card or amount. */
  public synchronized long mismatchedReferenceCount() {
    return mismatchedReferences;
  }

  /** Approvals so far (including remembered ones). */
  public synchronized long approvedCount() {
    return approved;
  }

  /** Declines so far (including remembered ones). */
  public synchronized long declinedCount() {
    return declined;
  }

  /** Makes client-given text safe for one log line: control characters become '?', max 80. */
  static String printable(String s) {
    if (s == null) {
      return "-";
    }
    StringBuilder b = new StringBuilder(Math.min(s.length(), 80));
    for (int i = 0; i < s.length() && i < 80; i++) {
      char c = s.charAt(i);
      b.append(Character.isISOControl(c) ? '?' : c);
    }
    return s.length() > 80 ? b + "..." : b.toString();
  }
}
