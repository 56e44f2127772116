package dev.marketplace.payment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A non-Java SOAP client (Python zeep) reads the served WSDL and calls the service. Skipped when
 * python3 with zeep is not installed.
 */
class ZeepInteropTest {
  private static final String SCRIPT = """
      import decimal, sys, zeep
      from zeep.exceptions import Fault
      client = zeep.Client(sys.argv[1])
      print("DECISION", client.service.authorize(name="Ada", cardNumber="4111111111111111",
          expiration="12/99", securityCode="123", amount=decimal.Decimal("12.34"),
          reference="zeep-1"))
      try:
          client.service.authorize(name="Ada", cardNumber="garbage", expiration="12/99",
              securityCode="123", amount=decimal.Decimal("1.00"))
          print("NO FAULT")
      except Fault as f:
          print("FAULT", f.message)
      """;

  static boolean zeepAvailable() {
    try {
      Process p = new ProcessBuilder("python3", "-c", "import zeep")
          .redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  @Test
  void zeepClientFromServedWsdlGetsDecisionAndFault(@TempDir Path dir) throws Exception {
    assumeTrue(zeepAvailable(), "python3 with zeep not installed: zeep interop test skipped");
    PaymentAuthorizer authorizer =
        new PaymentAuthorizer(1.0, new Random(1), Clock.systemUTC(), 100);
    try (PaymentServer server = PaymentServer.start("127.0.0.1", 0, authorizer, 2)) {
      Path script = dir.resolve("call.py");
      Files.writeString(script, SCRIPT);
      Process p = new ProcessBuilder("python3", script.toString(), server.url() + "?wsdl")
          .redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("zeep finished").isTrue();
      assertThat(p.exitValue()).as(out).isZero();
      assertThat(out).contains("DECISION APPROVED").contains("FAULT").contains("cardNumber");
    }
  }
}
