package dev.marketplace.loadgen;

import java.time.Duration;
import java.util.Locale;
import picocli.CommandLine;

/**
 * Parses a duration written {@code 10s}, {@code 500ms}, {@code 2m} or a plain number of seconds;
 * rejects negative and unparsable values with a message naming the value. Stateless.
 */
final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
  @Override
  public Duration convert(String value) {
    return parse(value);
  }

  static Duration parse(String value) {
    String v = value == null ? "" : value.strip().toLowerCase(Locale.ROOT);
    try {
      Duration d;
      if (v.endsWith("ms")) {
        d = Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2).strip()));
      } else if (v.endsWith("s")) {
        d = Duration.ofMillis(Math.round(
            Double.parseDouble(v.substring(0, v.length() - 1).strip()) * 1000));
      } else if (v.endsWith("m")) {
        d = Duration.ofSeconds(Long.parseLong(v.substring(0, v.length() - 1).strip()) * 60);
      } else {
        d = Duration.ofMillis(Math.round(Double.parseDouble(v) * 1000));
      }
      if (d.isNegative()) {
        throw new CommandLine.TypeConversionException("negative duration: '" + value + "'");
      }
      return d;
    } catch (NumberFormatException e) {
      throw new CommandLine.TypeConversionException(
          "expected a duration like 10s, 500ms or 2m, got '" + value + "'");
    }
  }
}
