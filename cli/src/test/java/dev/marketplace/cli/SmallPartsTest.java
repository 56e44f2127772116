package dev.marketplace.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import picocli.CommandLine.TypeConversionException;

class SmallPartsTest {
  @Test
  void tableAlignsColumnsAndRightAlignsNumbers() {
    String nl = System.lineSeparator();
    String text = new Table("ID", "NAME", "PRICE").alignRight(2)
        .row("3-17", "Lamp", "19.99").row("10-2", "A long name", "5.00").render();
    assertThat(text).isEqualTo(
        "ID    NAME         PRICE" + nl
        + "----  -----------  -----" + nl
        + "3-17  Lamp         19.99" + nl
        + "10-2  A long name   5.00" + nl);
  }

  @Test
  void moneyIsNormalizedToTwoDecimalsAndGarbageRejected() {
    Converters.Money m = new Converters.Money();
    assertThat(m.convert("19.9")).isEqualTo("19.90");
    assertThat(m.convert("5")).isEqualTo("5.00");
    assertThat(m.convert("1000000.00")).isEqualTo("1000000.00");
    assertThat(m.convert("2.500")).isEqualTo("2.50");
    assertThatThrownBy(() -> m.convert("1.999")).isInstanceOf(TypeConversionException.class)
        .hasMessageContaining("two decimals");
    assertThatThrownBy(() -> m.convert("abc")).isInstanceOf(TypeConversionException.class);
    assertThatThrownBy(() -> m.convert("1e400000000")).isInstanceOf(TypeConversionException.class);
    assertThatThrownBy(() -> m.convert("-5")).isInstanceOf(TypeConversionException.class);
    assertThat(m.convert("7.")).isEqualTo("7.00");
  }

  @Test
  void itemIdsMustLookLikeCategoryDashNumber() {
    Converters.ItemId id = new Converters.ItemId();
    assertThat(id.convert(" 3-17 ")).isEqualTo("3-17");
    for (String bad : new String[] {"3", "a-1", "../x", "3-17/price", "-1", "3--1"}) {
      assertThatThrownBy(() -> id.convert(bad)).isInstanceOf(TypeConversionException.class);
    }
  }

  @Test
  void shellTokenizerHandlesQuotesAndEscapes() {
    assertThat(Shell.tokenize("list-item --name \"Desk lamp\" --keywords 'a b',c x\\ y"))
        .containsExactly("list-item", "--name", "Desk lamp", "--keywords", "a b,c", "x y");
    assertThat(Shell.tokenize("  ")).isEmpty();
    assertThat(Shell.tokenize("a \"\" b")).containsExactly("a", "", "b");
    assertThatThrownBy(() -> Shell.tokenize("login \"ann")).isInstanceOf(
        IllegalArgumentException.class);
  }

  @Test
  void exitCodesAreDistinctPerFailureKind() {
    assertThat(ExitCodes.forStatus(400)).isEqualTo(3);
    assertThat(ExitCodes.forStatus(401)).isEqualTo(4);
    assertThat(ExitCodes.forStatus(403)).isEqualTo(4);
    assertThat(ExitCodes.forStatus(404)).isEqualTo(5);
    assertThat(ExitCodes.forStatus(409)).isEqualTo(6);
    assertThat(ExitCodes.forStatus(402)).isEqualTo(7);
    assertThat(ExitCodes.forStatus(503)).isEqualTo(8);
    assertThat(ExitCodes.forStatus(500)).isEqualTo(1);
  }

  @Test
  void idempotencyKeysAreRandomAndValid() {
    String a = IdempotencyKeys.generate();
    assertThat(a).matches("[A-Za-z0-9_-]{32}");
    assertThat(IdempotencyKeys.isValid(a)).isTrue();
    assertThat(IdempotencyKeys.generate()).isNotEqualTo(a);
    assertThat(IdempotencyKeys.isValid("")).isFalse();
    assertThat(IdempotencyKeys.isValid("x".repeat(65))).isFalse();
  }
}
