package dev.marketplace.buyerserver;

import static org.assertj.core.api.Assertions.assertThat;

import dev.marketplace.rest.testing.RestServerMainContract;
import org.junit.jupiter.api.Test;

/** Bad settings stop the server at start with exit code 2 and a message naming the variable. */
class BuyerServerMainTest extends RestServerMainContract {
  @Override
  protected int run(String... args) {
    return BuyerServerMain.run(args);
  }

  @Test
  void badPaymentUrlNamesItsVariable() {
    assertThat(runExpectingFailure("--customer-db-replicas", "h:1", "--product-db-replicas",
        "h:2", "--payment-url", "ftp://x/payment")).contains("PAYMENT_URL");
  }
}
