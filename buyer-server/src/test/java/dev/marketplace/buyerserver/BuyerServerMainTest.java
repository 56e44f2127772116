package dev.marketplace.buyerserver;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Bad settings stop the server at start with exit code 2 and a message naming the variable. */
class BuyerServerMainTest {
  private static String runExpectingFailure(String... args) {
    PrintStream old = System.err;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      assertThat(BuyerServerMain.run(args)).isEqualTo(2);
    } finally {
      System.setErr(old);
    }
    return err.toString(StandardCharsets.UTF_8);
  }

  @Test
  void badValuesNameTheirVariable() {
    assertThat(runExpectingFailure("--listen", "nonsense", "--customer-db-replicas", "h:1",
        "--product-db-replicas", "h:2")).contains("LISTEN");
    assertThat(runExpectingFailure("--customer-db-replicas", "h:notaport",
        "--product-db-replicas", "h:2")).contains("CUSTOMER_DB_REPLICAS");
    assertThat(runExpectingFailure("--customer-db-replicas", "h:1",
        "--product-db-replicas", "")).contains("PRODUCT_DB_REPLICAS");
    assertThat(runExpectingFailure("--customer-db-replicas", "h:1", "--product-db-replicas",
        "h:2", "--db-call-timeout-ms", "soon")).contains("DB_CALL_TIMEOUT_MS");
    assertThat(runExpectingFailure("--customer-db-replicas", "h:1", "--product-db-replicas",
        "h:2", "--max-body-bytes", "10")).contains("MAX_BODY_BYTES");
    assertThat(runExpectingFailure("--customer-db-replicas", "h:1", "--product-db-replicas",
        "h:2", "--payment-url", "ftp://x/payment")).contains("PAYMENT_URL");
  }
}
