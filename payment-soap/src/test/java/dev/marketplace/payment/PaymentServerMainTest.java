package dev.marketplace.payment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.marketplace.config.ConfigException;
import dev.marketplace.config.EnvDefaults;
import dev.marketplace.config.HostPort;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.io.StringWriter;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PaymentServerMainTest {
  @TempDir static Path dir;
  static Path emptyDotEnv;

  @BeforeAll
  static void emptyDotEnv() throws Exception {
    emptyDotEnv = Files.createFile(dir.resolve("empty.env"));
  }

  /** An environment with {@code kv} and an empty .env file, whatever the working directory has. */
  static Map<String, String> env(String... kv) {
    java.util.HashMap<String, String> m = new java.util.HashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    m.putIfAbsent("MARKETPLACE_ENV_FILE", emptyDotEnv.toString());
    return m;
  }

  static PaymentConfig parse(Map<String, String> env, String... args) {
    PaymentServerMain main = new PaymentServerMain();
    PaymentServerMain.commandLine(main, new EnvDefaults(env)).parseArgs(args);
    return main.config();
  }

  @Test
  void defaults() {
    PaymentConfig c = parse(env());
    assertThat(c.listen()).isEqualTo(new HostPort("127.0.0.1", 8100));
    assertThat(c.approveProbability()).isEqualTo(0.9);
    assertThat(c.seed()).isNull();
    assertThat(c.maxReferences()).isEqualTo(100_000);
  }

  @Test
  void environmentThenFlags() {
    Map<String, String> e = env("LISTEN", "0.0.0.0:9100", "APPROVE_PROBABILITY", "0.25",
        "PAYMENT_SEED", "17");
    PaymentConfig fromEnv = parse(e);
    assertThat(fromEnv.listen()).isEqualTo(new HostPort("0.0.0.0", 9100));
    assertThat(fromEnv.approveProbability()).isEqualTo(0.25);
    assertThat(fromEnv.seed()).isEqualTo(17L);
    PaymentConfig fromFlags = parse(e, "--approve-probability", "1", "--payment-seed", "-3");
    assertThat(fromFlags.approveProbability()).isEqualTo(1.0);
    assertThat(fromFlags.seed()).isEqualTo(-3L);
  }

  @Test
  void badValuesNameTheirVariable() {
    for (String p : new String[] {"1.5", "-0.1", "NaN"}) {
      assertThatThrownBy(() -> parse(env("APPROVE_PROBABILITY", p)))
          .isInstanceOf(ConfigException.class).hasMessageContaining("APPROVE_PROBABILITY");
    }
    assertThatThrownBy(() -> parse(env("LISTEN", "nohost")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("LISTEN");
    assertThatThrownBy(() -> parse(env(), "--payment-max-references", "0"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("PAYMENT_MAX_REFERENCES");
  }

  @Test
  void executeRejectsBadInputWithExitCodeTwoAndAMessage() {
    StringWriter err = new StringWriter();
    int garbage = PaymentServerMain.commandLine(new PaymentServerMain(), new EnvDefaults(env()))
        .setErr(new PrintWriter(err)).execute("--approve-probability", "lots");
    assertThat(garbage).isEqualTo(2);
    assertThat(err.toString()).contains("--approve-probability");
    int outOfRange = PaymentServerMain.commandLine(new PaymentServerMain(), new EnvDefaults(env()))
        .execute("--approve-probability", "2");
    assertThat(outOfRange).isEqualTo(2);
  }

  @Test
  void startsFromConfigOnAFreePort() {
    PaymentConfig c = parse(env(), "--listen", "127.0.0.1:0", "--approve-probability", "0",
        "--payment-seed", "1");
    try (PaymentServer server = PaymentServerMain.start(c);
        PaymentClient client = new PaymentClient(server.url(), Duration.ofSeconds(10))) {
      assertThat(server.port()).isPositive();
      assertThat(client.authorize("Ada", "4111111111111111", "12/99", "123", 100, null))
          .isEqualTo(Decision.DECLINED);
    }
  }
}
