package dev.marketplace.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MoneyTest {
  @Test
  void parsesExactCents() {
    assertThat(Money.parseCents("19.99")).isEqualTo(1999);
    assertThat(Money.parseCents("0.01")).isEqualTo(1);
    assertThat(Money.parseCents("5")).isEqualTo(500);
    assertThat(Money.parseCents("0.5")).isEqualTo(50);
    assertThat(Money.parseCents("1000000.00")).isEqualTo(100_000_000);
    // the classic float trap: 0.1 + 0.2 style values stay exact
    assertThat(Money.parseCents("0.29")).isEqualTo(29);
    assertThat(Money.parseCents("1.15")).isEqualTo(115);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " 1.00", "1.00 ", "1.999", "-1.00", "+1", "1e3", "01.00", "1,000.00",
      "1.", ".5", "NaN", "Infinity", "0x10", "１.００", "1000000000.00", "12345678901234567890"})
  void rejectsMalformed(String text) {
    assertThatThrownBy(() -> Money.parseCents(text)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void priceBounds() {
    assertThatThrownBy(() -> Money.parsePriceCents("0.00")).hasMessageContaining("greater");
    assertThatThrownBy(() -> Money.parsePriceCents("0")).hasMessageContaining("greater");
    assertThatThrownBy(() -> Money.parsePriceCents("1000000.01")).hasMessageContaining("most");
    assertThat(Money.parsePriceCents("1000000")).isEqualTo(100_000_000);
  }

  @Test
  void formatsTwoDecimals() {
    assertThat(Money.format(1999)).isEqualTo("19.99");
    assertThat(Money.format(5)).isEqualTo("0.05");
    assertThat(Money.format(0)).isEqualTo("0.00");
    assertThat(Money.format(100_000_000)).isEqualTo("1000000.00");
    for (long c : new long[] {1, 10, 99, 100, 12345, 99_999_999}) {
      assertThat(Money.parseCents(Money.format(c))).isEqualTo(c);
    }
  }
}
