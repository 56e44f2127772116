package dev.marketplace.loadgen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.marketplace.config.EnvDefaults;
import dev.marketplace.config.HostPort;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class LoadGenMainTest {
  private static final Map<String, String> ENV = Map.of(
      "SELLER_SERVERS", "127.0.0.1:8081,127.0.0.1:8082",
      "BUYER_SERVERS", "localhost:8091");

  private static LoadGenMain parse(Map<String, String> env, String... args) {
    CommandLine cl = LoadGenMain.commandLine(new EnvDefaults(env));
    cl.parseArgs(args);
    LoadGenMain main = cl.getCommand();
    main.validate();
    return main;
  }

  @Test
  void defaultsAndServersFromTheEnvironment() {
    LoadGenMain m = parse(ENV);
    assertThat(m.clients).containsExactly(1, 8, 32);
    assertThat(m.duration).isEqualTo(Duration.ofSeconds(10));
    assertThat(m.warmup).isEqualTo(Duration.ofSeconds(3));
    assertThat(m.workloads).containsExactlyElementsOf(LoadGenMain.WORKLOADS);
    assertThat(m.json).isFalse();
    assertThat(m.sellerList()).containsExactly(
        new HostPort("127.0.0.1", 8081), new HostPort("127.0.0.1", 8082));
    assertThat(m.buyerList()).containsExactly(new HostPort("localhost", 8091));
    assertThat(m.mixOf("mixed").toString())
        .isEqualTo("search=30,get=30,price=10,cart=20,purchase=10");
    assertThat(m.mixOf("buyer-reads").toString()).isEqualTo("search=1,get=1");
    assertThat(m.mixOf("purchase").toString()).isEqualTo("purchase=1");
  }

  @Test
  void optionsWinOverTheEnvironment() {
    LoadGenMain m = parse(ENV, "--clients", "2,4", "-d", "500ms", "--warmup", "0",
        "--workloads", "cart,mixed", "--mix", "get=1,purchase=1", "--json",
        "--buyer-servers", "127.0.0.1:9001,127.0.0.1:9002", "--seed", "5");
    assertThat(m.clients).containsExactly(2, 4);
    assertThat(m.duration).isEqualTo(Duration.ofMillis(500));
    assertThat(m.warmup).isZero();
    assertThat(m.workloads).containsExactly("cart", "mixed");
    assertThat(m.mixOf("mixed").toString()).isEqualTo("get=1,purchase=1");
    assertThat(m.json).isTrue();
    assertThat(m.seed).isEqualTo(5L);
    assertThat(m.buyerList()).hasSize(2);
  }

  @Test
  void badValuesAreUsageErrorsNamingTheOption() {
    assertThatThrownBy(() -> parse(ENV, "--clients", "0"))
        .isInstanceOf(CommandLine.ParameterException.class).hasMessageContaining("--clients");
    assertThatThrownBy(() -> parse(ENV, "--workloads", "cart,browse"))
        .hasMessageContaining("unknown workload 'browse'");
    assertThatThrownBy(() -> parse(ENV, "--workloads", "cart,cart"))
        .hasMessageContaining("appears twice");
    assertThatThrownBy(() -> parse(ENV, "--mix", "get=x"))
        .hasMessageContaining("--mix").hasMessageContaining("get=x");
    assertThatThrownBy(() -> parse(ENV, "--duration", "0s"))
        .hasMessageContaining("--duration");
    assertThatThrownBy(() -> parse(ENV, "--duration", "soon"))
        .isInstanceOf(CommandLine.ParameterException.class).hasMessageContaining("soon");
    assertThatThrownBy(() -> parse(ENV, "--seller-servers", "127.0.0.1"))
        .hasMessageContaining("SELLER_SERVERS").hasMessageContaining("host:port");
    assertThatThrownBy(() -> parse(Map.of("SELLER_SERVERS", "127.0.0.1:1")))
        .isInstanceOf(CommandLine.MissingParameterException.class)
        .hasMessageContaining("--buyer-servers");
  }

  @Test
  void refusesNonLoopbackServersUnlessAllowed() {
    assertThatThrownBy(() -> parse(ENV, "--seller-servers", "10.1.2.3:8081"))
        .hasMessageContaining("10.1.2.3:8081 is not a loopback address");
    assertThat(parse(ENV, "--seller-servers", "10.1.2.3:8081", "--allow-non-loopback")
        .sellerList()).containsExactly(new HostPort("10.1.2.3", 8081));
  }

  @Test
  void executeReportsUsageErrorsWithExitCode2() {
    StringWriter err = new StringWriter();
    CommandLine cl = LoadGenMain.commandLine(new EnvDefaults(ENV));
    cl.setErr(new PrintWriter(err, true));
    assertThat(cl.execute("--clients", "-3")).isEqualTo(2);
    assertThat(err.toString()).contains("--clients");
  }

  @Test
  void aServerThatDoesNotListenFailsTheSetupWithAClearMessage() {
    // port 1 on loopback: nothing listens there, the connection is refused at once
    StringWriter err = new StringWriter();
    StringWriter out = new StringWriter();
    CommandLine cl = LoadGenMain.commandLine(new EnvDefaults(Map.of(
        "SELLER_SERVERS", "127.0.0.1:1", "BUYER_SERVERS", "127.0.0.1:1")));
    cl.setErr(new PrintWriter(err, true));
    cl.setOut(new PrintWriter(out, true));
    assertThat(cl.execute("--clients", "1", "--sellers", "1", "--buyers", "1")).isEqualTo(2);
    assertThat(err.toString()).contains("no server reachable");
    assertThat(out.toString()).isEmpty();
    assertThat(List.of(err.toString().split("\n"))).anyMatch(l -> l.startsWith("setup:"));
  }
}
