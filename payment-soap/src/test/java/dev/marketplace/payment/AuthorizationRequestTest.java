package dev.marketplace.payment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.time.YearMonth;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class AuthorizationRequestTest {
  private static AuthorizationRequest parse(String card, String exp, String cvv, String amount,
      String ref) {
    return AuthorizationRequest.parse("Ada Lovelace", card, exp, cvv,
        amount == null ? null : new BigDecimal(amount), ref);
  }

  @Test
  void wellFormedRequestIsNormalised() {
    AuthorizationRequest r = parse("4111 1111-1111 1111", " 07/29 ", "123", "12.3", "p-1");
    assertThat(r.cardDigits()).isEqualTo("4111111111111111");
    assertThat(r.expiration()).isEqualTo(YearMonth.of(2029, 7));
    assertThat(r.amount()).isEqualByComparingTo("12.30");
    assertThat(r.amount().scale()).isEqualTo(2);
    assertThat(r.reference()).isEqualTo("p-1");
    assertThat(r.toString()).doesNotContain("4111111111111111").contains("1111");
  }

  @ParameterizedTest(name = "[{index}] {0} {1} {2} {3} ref={4} -> {5}")
  @CsvSource(nullValues = "NULL", value = {
      "NULL,               12/30, 123,   1.00,   NULL, cardNumber",
      "'',                 12/30, 123,   1.00,   NULL, cardNumber",
      "4111x11111111111,   12/30, 123,   1.00,   NULL, cardNumber",
      "41111111111,        12/30, 123,   1.00,   NULL, cardNumber",
      "41111111111111111111, 12/30, 123, 1.00,   NULL, cardNumber",
      "4111111111111111,   NULL,  123,   1.00,   NULL, expiration",
      "4111111111111111,   1230,  123,   1.00,   NULL, expiration",
      "4111111111111111,   13/30, 123,   1.00,   NULL, expiration",
      "4111111111111111,   00/30, 123,   1.00,   NULL, expiration",
      "4111111111111111,   1/30,  123,   1.00,   NULL, expiration",
      "4111111111111111,   12/30, 12,    1.00,   NULL, securityCode",
      "4111111111111111,   12/30, 12345, 1.00,   NULL, securityCode",
      "4111111111111111,   12/30, abc,   1.00,   NULL, securityCode",
      "4111111111111111,   12/30, NULL,  1.00,   NULL, securityCode",
      "4111111111111111,   12/30, 123,   NULL,   NULL, amount",
      "4111111111111111,   12/30, 123,   0,      NULL, amount",
      "4111111111111111,   12/30, 123,   -5.00,  NULL, amount",
      "4111111111111111,   12/30, 123,   1.001,  NULL, amount",
      "4111111111111111,   12/30, 123,   10000000000.00, NULL, amount",
      "4111111111111111,   12/30, 123,   1.00,   '  ', reference",
  })
  void malformedFieldIsNamed(String card, String exp, String cvv, String amount, String ref,
      String field) {
    assertThatThrownBy(() -> parse(card, exp, cvv, amount, ref))
        .isInstanceOf(InvalidPaymentRequestException.class)
        .satisfies(e -> assertThat(((InvalidPaymentRequestException) e).field())
            .isEqualTo(field));
  }

  @Test
  void missingOrTooLongNameAndReferenceAreRejected() {
    assertThatThrownBy(() -> AuthorizationRequest.parse(" ", "4111111111111111", "12/30", "123",
        BigDecimal.ONE, null)).hasMessageStartingWith("name:");
    assertThatThrownBy(() -> AuthorizationRequest.parse("x".repeat(101), "4111111111111111",
        "12/30", "123", BigDecimal.ONE, null)).hasMessageStartingWith("name:");
    assertThatThrownBy(() -> parse("4111111111111111", "12/30", "123", "1", "r".repeat(201)))
        .hasMessageStartingWith("reference:");
  }

  @Test
  void maskKeepsOnlyTheLastFour() {
    assertThat(AuthorizationRequest.mask("4111111111111234")).isEqualTo("************1234");
    assertThat(AuthorizationRequest.mask("1234")).isEqualTo("****");
    assertThat(AuthorizationRequest.mask("12")).isEqualTo("**");
    assertThat(AuthorizationRequest.mask(null)).isEqualTo("null");
  }
}
