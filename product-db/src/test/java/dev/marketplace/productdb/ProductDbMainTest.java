package dev.marketplace.productdb;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import org.junit.jupiter.api.Test;

class ProductDbMainTest {
  private String errOf(String... args) {
    PrintStream old = System.err;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    System.setErr(new PrintStream(buf, true));
    try {
      assertThat(ProductDbMain.run(args)).isEqualTo(2);
    } finally {
      System.setErr(old);
    }
    return buf.toString();
  }

  @Test
  void badConfigurationStopsWithAMessageNamingTheVariable() {
    assertThat(errOf("--pg-url", "jdbc:postgresql://x/y", "--member-id", "3"))
        .contains("MEMBER_ID");
    assertThat(errOf("--pg-url", "jdbc:postgresql://x/y", "--product-db-replicas", "nohost"))
        .contains("PRODUCT_DB_REPLICAS");
    assertThat(errOf("--pg-url", "mysql://x")).contains("PG_URL");
    assertThat(errOf("--pg-url", "jdbc:postgresql://x/y", "--member-id", "abc"))
        .contains("--member-id");
  }
}
