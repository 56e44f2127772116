package dev.marketplace.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class IdempotencyKeysTest {
  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void headerValidation() {
    assertThat(IdempotencyKeys.clientKey(null)).isNull();
    assertThat(IdempotencyKeys.clientKey("abc-DEF_123")).isEqualTo("abc-DEF_123");
    assertThat(IdempotencyKeys.clientKey("x".repeat(64))).hasSize(64);
    for (String bad : new String[] {"", "x".repeat(65), "a b", "a:b", "ä", "a/b", "a;b"}) {
      assertThatThrownBy(() -> IdempotencyKeys.clientKey(bad))
          .isInstanceOfSatisfying(ProblemException.class, e -> {
            assertThat(e.problem().status()).isEqualTo(400);
            assertThat(e.problem().errors().get(0).field()).isEqualTo("Idempotency-Key");
          });
    }
  }

  @Test
  void sameKeySameBodySameDbKeys() {
    var a = IdempotencyKeys.derive("buyer", 7L, "k1", "POST", "/purchases", b("{\"x\":1}"));
    var c = IdempotencyKeys.derive("buyer", 7L, "k1", "POST", "/purchases", b("{\"x\":1}"));
    assertThat(a).isEqualTo(c);
    assertThat(a.step("take")).startsWith("buyer:7:k1:").endsWith(":take");
    assertThat(a.derivedId("p")).isEqualTo(c.derivedId("p")).hasSize(33);
    assertThat(a.fromClient()).isTrue();
  }

  @Test
  void differentBodyPathAccountOrRoleIsDifferentOperation() {
    var base = IdempotencyKeys.derive("buyer", 7L, "k1", "POST", "/cart/items", b("{}"));
    assertThat(IdempotencyKeys.derive("buyer", 7L, "k1", "POST", "/cart/items", b("{ }")))
        .isNotEqualTo(base);
    assertThat(IdempotencyKeys.derive("buyer", 7L, "k1", "POST", "/cart/removals", b("{}")))
        .isNotEqualTo(base);
    assertThat(IdempotencyKeys.derive("buyer", 8L, "k1", "POST", "/cart/items", b("{}")))
        .isNotEqualTo(base);
    assertThat(IdempotencyKeys.derive("seller", 7L, "k1", "POST", "/cart/items", b("{}")))
        .isNotEqualTo(base);
  }

  @Test
  void withoutHeaderEveryRequestIsRandom() {
    var a = IdempotencyKeys.derive("seller", null, null, "POST", "/sellers", b("{}"));
    var c = IdempotencyKeys.derive("seller", null, null, "POST", "/sellers", b("{}"));
    assertThat(a).isNotEqualTo(c);
    assertThat(a.fromClient()).isFalse();
    assertThat(a.base()).startsWith("seller:anon:r");
  }

  @Test
  void longestKeysFitTheDatabaseLimit() {
    var k = IdempotencyKeys.derive("seller", Long.MAX_VALUE, "Z".repeat(64), "POST", "/x",
        b("{}"));
    String dbKey = k.step("feedback-xx");
    assertThat(dbKey.length()).isLessThanOrEqualTo(80);
    assertThat(dbKey).matches("[A-Za-z0-9_:-]{1,80}");
    var other = IdempotencyKeys.derive("seller", Long.MAX_VALUE, "Z".repeat(63) + "Y", "POST",
        "/x", b("{}"));
    assertThat(other.base()).isNotEqualTo(k.base());
  }
}
