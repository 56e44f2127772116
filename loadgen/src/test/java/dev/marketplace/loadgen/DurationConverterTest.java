package dev.marketplace.loadgen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class DurationConverterTest {
  @Test
  void readsSecondsMillisecondsMinutesAndBareSeconds() {
    assertThat(DurationConverter.parse("10s")).isEqualTo(Duration.ofSeconds(10));
    assertThat(DurationConverter.parse("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(DurationConverter.parse("2m")).isEqualTo(Duration.ofMinutes(2));
    assertThat(DurationConverter.parse("1.5")).isEqualTo(Duration.ofMillis(1500));
    assertThat(DurationConverter.parse(" 0S ")).isEqualTo(Duration.ZERO);
  }

  @Test
  void rejectsGarbageAndNegativeValues() {
    assertThatThrownBy(() -> DurationConverter.parse("ten"))
        .isInstanceOf(CommandLine.TypeConversionException.class)
        .hasMessageContaining("'ten'");
    assertThatThrownBy(() -> DurationConverter.parse("-1s"))
        .isInstanceOf(CommandLine.TypeConversionException.class)
        .hasMessageContaining("negative");
    assertThatThrownBy(() -> DurationConverter.parse("")).isInstanceOf(
        CommandLine.TypeConversionException.class);
  }
}
