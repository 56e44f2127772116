package dev.marketplace.cli;

import java.math.BigDecimal;
import java.math.RoundingMode;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** picocli converters for the contract's value formats. Stateless; thread-safe. */
public final class Converters {
  private Converters() {}

  /**
   * Money: a positive decimal with at most two decimals, normalized to two ({@code 5} becomes
   * {@code "5.00"}), sent as a JSON string. Range checks are left to the server.
   */
  public static final class Money implements ITypeConverter<String> {
    @Override
    public String convert(String value) {
      String v = value.strip();
      if (!v.matches("[0-9]{1,13}(\\.[0-9]{0,20})?")) {
        throw new TypeConversionException("'" + value + "' is not an amount like 19.99");
      }
      BigDecimal d = new BigDecimal(v.endsWith(".") ? v + "0" : v);
      if (d.stripTrailingZeros().scale() > 2) {
        throw new TypeConversionException("'" + value + "' has more than two decimals");
      }
      return d.setScale(2, RoundingMode.UNNECESSARY).toPlainString();
    }
  }

  /** An item id {@code <category>-<number>}, e.g. {@code 3-17}. */
  public static final class ItemId implements ITypeConverter<String> {
    @Override
    public String convert(String value) {
      String v = value.strip();
      if (!v.matches("[0-9]{1,9}-[0-9]{1,18}")) {
        throw new TypeConversionException(
            "'" + value + "' is not an item id like 3-17 (<category>-<number>)");
      }
      return v;
    }
  }
}
