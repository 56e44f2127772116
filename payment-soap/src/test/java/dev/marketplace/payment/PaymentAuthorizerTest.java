package dev.marketplace.payment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class PaymentAuthorizerTest {
  /** 15 March 2026, UTC. */
  static final Clock CLOCK = Clock.fixed(Instant.parse("2026-03-15T12:00:00Z"), ZoneOffset.UTC);

  static AuthorizationRequest request(String expiration, String reference) {
    return AuthorizationRequest.parse("Ada", "4111111111111111", expiration, "123",
        new BigDecimal("10.00"), reference);
  }

  static List<Decision> run(PaymentAuthorizer a, int n) {
    List<Decision> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(a.authorize(request("12/30", null)));
    }
    return out;
  }

  @Test
  void sameSeedSameDecisionSequenceAndItFollowsTheDrawRule() {
    long seed = 42;
    List<Decision> first = run(new PaymentAuthorizer(0.5, new Random(seed), CLOCK, 10), 200);
    List<Decision> second = run(new PaymentAuthorizer(0.5, new Random(seed), CLOCK, 10), 200);
    assertThat(second).as("seed %d", seed).isEqualTo(first);
    Random draws = new Random(seed);
    for (int i = 0; i < first.size(); i++) {
      Decision expected = draws.nextDouble() < 0.5 ? Decision.APPROVED : Decision.DECLINED;
      assertThat(first.get(i)).as("call %d, seed %d", i, seed).isEqualTo(expected);
    }
    assertThat(first).contains(Decision.APPROVED, Decision.DECLINED);
  }

  @Test
  void probabilityZeroNeverApprovesAndOneAlwaysApproves() {
    assertThat(run(new PaymentAuthorizer(0.0, new Random(1), CLOCK, 10), 500))
        .containsOnly(Decision.DECLINED);
    assertThat(run(new PaymentAuthorizer(1.0, new Random(1), CLOCK, 10), 500))
        .containsOnly(Decision.APPROVED);
  }

  @Test
  void probabilityOutsideUnitIntervalIsRejected() {
    for (double p : new double[] {-0.1, 1.01, Double.NaN}) {
      assertThatThrownBy(() -> new PaymentAuthorizer(p, new Random(), CLOCK, 10))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void cardIsValidThroughItsExpirationMonthAndDeclinedAfter() {
    PaymentAuthorizer a = new PaymentAuthorizer(1.0, new Random(1), CLOCK, 10);
    assertThat(a.authorize(request("03/26", null))).isEqualTo(Decision.APPROVED);
    assertThat(a.authorize(request("02/26", null))).isEqualTo(Decision.DECLINED);
    assertThat(a.authorize(request("12/25", null))).isEqualTo(Decision.DECLINED);
  }

  @Test
  void sameReferenceKeepsItsDecisionAndDrawsOnlyOnce() {
    PaymentAuthorizer a = new PaymentAuthorizer(0.5, new Random(7), CLOCK, 100);
    Random draws = new Random(7);
    for (int i = 0; i < 50; i++) {
      Decision expected = draws.nextDouble() < 0.5 ? Decision.APPROVED : Decision.DECLINED;
      String ref = "purchase-" + i;
      assertThat(a.authorize(request("12/30", ref))).isEqualTo(expected);
      for (int retry = 0; retry < 3; retry++) {
        assertThat(a.authorize(request("12/30", ref))).as("retry of %s", ref).isEqualTo(expected);
      }
    }
    assertThat(a.rememberedCount()).isEqualTo(50);
  }

  @Test
  void referenceReusedForAnotherAmountKeepsItsDecisionAndIsCounted() {
    PaymentAuthorizer a = new PaymentAuthorizer(0.5, new Random(5), CLOCK, 10);
    Decision first = a.authorize(request("12/30", "p"));
    AuthorizationRequest other = AuthorizationRequest.parse("Ada", "4111111111111111", "12/30",
        "123", new BigDecimal("99.00"), "p");
    assertThat(a.authorize(other)).isEqualTo(first);
    assertThat(a.authorize(request("12/30", "p"))).isEqualTo(first);
    assertThat(a.mismatchedReferenceCount()).isEqualTo(1);
  }

  @Test
  void rememberedReferencesAreBoundedLeastRecentlyUsedFirst() {
    PaymentAuthorizer a = new PaymentAuthorizer(0.5, new Random(3), CLOCK, 3);
    a.authorize(request("12/30", "a"));
    a.authorize(request("12/30", "b"));
    a.authorize(request("12/30", "c"));
    a.authorize(request("12/30", "a")); // touch a: b is now the eldest
    a.authorize(request("12/30", "d"));
    assertThat(a.rememberedCount()).isEqualTo(3);
    // "a" is still remembered: asking again draws nothing, so the next fresh draw is the 5th.
    a.authorize(request("12/30", "a"));
    Random draws = new Random(3);
    for (int i = 0; i < 4; i++) {
      draws.nextDouble();
    }
    Decision fifth = draws.nextDouble() < 0.5 ? Decision.APPROVED : Decision.DECLINED;
    assertThat(a.authorize(request("12/30", "b"))).as("b was evicted, so drawn anew")
        .isEqualTo(fifth);
  }

  @Test
  void concurrentCallsWithOneReferenceAgree() throws Exception {
    PaymentAuthorizer a = new PaymentAuthorizer(0.5, new Random(11), CLOCK, 1000);
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      for (int round = 0; round < 20; round++) {
        String ref = "r" + round;
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Decision>> futures = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
          futures.add(pool.submit(() -> {
            go.await();
            return a.authorize(request("12/30", ref));
          }));
        }
        go.countDown();
        Set<Decision> seen = ConcurrentHashMap.newKeySet();
        for (Future<Decision> f : futures) {
          seen.add(f.get());
        }
        assertThat(seen).as("decisions for %s", ref).hasSize(1);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(a.approvedCount() + a.declinedCount()).isEqualTo(160);
  }
}
