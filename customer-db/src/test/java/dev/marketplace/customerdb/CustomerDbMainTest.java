package dev.marketplace.customerdb;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import org.junit.jupiter.api.Test;

class CustomerDbMainTest {
  private String errOf(String... args) {
    return errOf(2, args);
  }

  private String errOf(int exit, String... args) {
    PrintStream old = System.err;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    System.setErr(new PrintStream(buf, true));
    try {
      assertThat(CustomerDbMain.run(args)).isEqualTo(exit);
    } finally {
      System.setErr(old);
    }
    return buf.toString();
  }

  @Test
  void badConfigurationStopsWithAMessageNamingTheVariable() {
    assertThat(errOf("--pg-url", "jdbc:postgresql://x/y", "--member-id", "3"))
        .contains("MEMBER_ID");
    assertThat(errOf("--pg-url", "jdbc:postgresql://x/y", "--customer-db-replicas", "nohost"))
        .contains("CUSTOMER_DB_REPLICAS");
    assertThat(errOf("--pg-url", "mysql://x")).contains("PG_URL");
    assertThat(errOf("--pg-url", "jdbc:postgresql://x/y", "--member-id", "abc"))
        .contains("--member-id");
    assertThat(errOf(1, "--pg-url", "jdbc:postgresql://127.0.0.1:1/x?password=hush",
        "--member-id", "0"))
        .contains("cannot open PG_URL=").contains("password=***").doesNotContain("hush");
    assertThat(errOf("--pg-url", "jdbc:postgresql://x/y", "--session-timeout-seconds", "0"))
        .contains("SESSION_TIMEOUT_SECONDS");
    assertThat(errOf("--pg-url", "jdbc:postgresql://x/y", "--password-hash-iterations", "5"))
        .contains("PASSWORD_HASH_ITERATIONS");
  }
}
