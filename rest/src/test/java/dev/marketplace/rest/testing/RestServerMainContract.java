package dev.marketplace.rest.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * What every REST server's command line must do with bad settings (the options of
 * {@code RestServerMain} and {@code ServerOptions}): stop at start with exit code 2 and a message
 * naming the variable. A server's test extends it, says how to run its main, and adds checks of
 * its own options. Test scope only; not thread-safe (swaps {@code System.err}).
 */
public abstract class RestServerMainContract {
  /** Runs the server's {@code run(String[])}; returns its exit code. */
  protected abstract int run(String... args);

  /** Runs with {@code args}, asserts exit code 2, and returns what went to standard error. */
  protected String runExpectingFailure(String... args) {
    PrintStream old = System.err;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      assertThat(run(args)).isEqualTo(2);
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
  }
}
