package dev.marketplace.payment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A non-Java SOAP client (Python zeep) reads the served WSDL and calls the service. Skipped when
 * no python3 with zeep is installed: Debian's {@code python3-zeep} package installs it for
 * {@code /usr/bin/python3}, which may differ from the {@code python3} first on the PATH (pyenv).
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

  /** The first python interpreter that can import zeep, or null. */
  static String pythonWithZeep() {
    for (String python : List.of("python3", "/usr/bin/python3")) {
      try {
        Process p = new ProcessBuilder(python, "-c", "import zeep")
            .redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        if (p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0) {
          return python;
        }
      } catch (IOException e) {
        // not installed: try the next one
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return null;
      }
    }
    return null;
  }

  @Test
  void zeepClientFromServedWsdlGetsDecisionAndFault(@TempDir Path dir) throws Exception {
    String python = pythonWithZeep();
    assumeTrue(python != null,
        "no python3 with zeep (Debian: apt-get install python3-zeep): zeep interop test skipped");
    PaymentAuthorizer authorizer =
        new PaymentAuthorizer(1.0, new Random(1), Clock.systemUTC(), 100);
    try (PaymentServer server = PaymentServer.start("127.0.0.1", 0, authorizer, 2)) {
      Path script = dir.resolve("call.py");
      Files.writeString(script, SCRIPT);
      Process p = new ProcessBuilder(python, script.toString(), server.url() + "?wsdl")
          .redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("zeep finished").isTrue();
      assertThat(p.exitValue()).as(out).isZero();
      assertThat(out).contains("DECISION APPROVED").contains("FAULT").contains("cardNumber");
    }
  }
}
