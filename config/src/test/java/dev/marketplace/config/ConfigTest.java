package dev.marketplace.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

class ConfigTest {
  @Command(name = "t")
  static class Opts {
    @Option(names = "--pg-url", defaultValue = "default-url")
    String pgUrl;

    @Option(names = "--port", defaultValue = "1")
    int port;
  }

  @Command(name = "r")
  static class RunOpts extends Opts implements Runnable {
    @Override
    public void run() {}
  }

  private static Opts parse(Map<String, String> env, String... args) {
    Opts opts = new Opts();
    new CommandLine(opts).setDefaultValueProvider(new EnvDefaults(env)).parseArgs(args);
    return opts;
  }

  @Test
  void flagBeatsEnvironmentBeatsDotEnvBeatsDefault(@TempDir Path dir) throws Exception {
    Path dotEnv = dir.resolve("x.env");
    Files.writeString(dotEnv, "# comment\n\nPG_URL=\"from-file\"\nexport PORT=7\n");
    Map<String, String> env = Map.of("MARKETPLACE_ENV_FILE", dotEnv.toString());
    assertThat(parse(env).pgUrl).isEqualTo("from-file");
    assertThat(parse(env).port).isEqualTo(7);
    Map<String, String> env2 = Map.of("MARKETPLACE_ENV_FILE", dotEnv.toString(), "PG_URL", "from-env");
    assertThat(parse(env2).pgUrl).isEqualTo("from-env");
    assertThat(parse(env2, "--pg-url", "from-flag").pgUrl).isEqualTo("from-flag");
  }

  @Test
  void defaultWhenNothingSet() {
    assertThat(parse(Map.of("MARKETPLACE_ENV_FILE_UNUSED", "")).pgUrl).isEqualTo("default-url");
  }

  @Test
  void malformedDotEnvNamesTheLine(@TempDir Path dir) throws Exception {
    Path dotEnv = dir.resolve(".env");
    Files.writeString(dotEnv, "OK=1\nnot a pair\n");
    assertThatThrownBy(() -> new EnvDefaults(Map.of("MARKETPLACE_ENV_FILE", dotEnv.toString())))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(":2:");
    assertThatThrownBy(() -> new EnvDefaults(Map.of("MARKETPLACE_ENV_FILE", dir.resolve("missing").toString())))
        .isInstanceOf(ConfigException.class);
  }

  @Test
  void hostPortListsParseAndRejectGarbage() {
    assertThat(HostPort.parseList("SELLER_SERVERS", "127.0.0.1:8081, localhost:8082"))
        .containsExactly(new HostPort("127.0.0.1", 8081), new HostPort("localhost", 8082));
    assertThat(HostPort.parse("X", "[::1]:5").toString()).isEqualTo("[::1]:5");
    assertThat(HostPort.format(List.of(new HostPort("a", 1), new HostPort("b", 2)))).isEqualTo("a:1,b:2");
    for (String bad : new String[] {"", "host", "host:", ":80", "h:99999", "h:x"}) {
      assertThatThrownBy(() -> HostPort.parseList("SELLER_SERVERS", bad))
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("SELLER_SERVERS");
    }
  }

  @Test
  void executeTurnsABadEnvironmentIntoExitCode2AndAMessage(@TempDir Path dir) throws Exception {
    Path dotEnv = dir.resolve(".env");
    Files.writeString(dotEnv, "PG_URL=from-file\nnot a pair\n");
    java.io.StringWriter err = new java.io.StringWriter();
    RunOpts opts = new RunOpts();
    CommandLine cl = new CommandLine(opts).setErr(new java.io.PrintWriter(err));
    int code = EnvDefaults.execute("prog", cl, Map.of("MARKETPLACE_ENV_FILE", dotEnv.toString()));
    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).startsWith("prog: configuration error: ").contains(":2:");
    assertThat(opts.pgUrl).as("nothing parsed").isNull();

    Files.writeString(dotEnv, "PG_URL=from-file\n");
    RunOpts ok = new RunOpts();
    int okCode = EnvDefaults.execute("prog", new CommandLine(ok),
        Map.of("MARKETPLACE_ENV_FILE", dotEnv.toString(), "PORT", "7"), "--port", "9");
    assertThat(okCode).isZero();
    assertThat(ok.pgUrl).isEqualTo("from-file");
    assertThat(ok.port).isEqualTo(9);
  }
}
