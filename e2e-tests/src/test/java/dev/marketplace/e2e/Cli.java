package dev.marketplace.e2e;

import dev.marketplace.buyerclient.BuyerClientMain;
import dev.marketplace.cli.CliContext;
import dev.marketplace.sellerclient.SellerClientMain;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Runs the real seller and buyer CLIs (their picocli entry points, as {@code main} does) against a
 * {@link ClusterFixture}, one session file per user, capturing output and exit code. Not
 * thread-safe.
 */
final class Cli {
  /** One CLI run's outcome. */
  record Result(int exitCode, String out, String err) {
    @Override
    public String toString() {
      return "exit " + exitCode + "\n--- out\n" + out + "--- err\n" + err;
    }
  }

  private final ClusterFixture cluster;
  private final Path sessionDir;
  private final SplittableRandom random = new SplittableRandom(7);

  Cli(ClusterFixture cluster, Path sessionDir) {
    this.cluster = cluster;
    this.sessionDir = sessionDir;
  }

  Result seller(String user, String... args) {
    return run(true, user, "", args);
  }

  Result buyer(String user, String... args) {
    return run(false, user, "", args);
  }

  /** Runs the buyer client with {@code stdin} piped in (e.g. the interactive shell). */
  Result buyerWithInput(String user, String stdin, String... args) {
    return run(false, user, stdin, args);
  }

  private Result run(boolean seller, String user, String stdin, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    Map<String, String> env = new HashMap<>(cluster.clientEnv());
    env.put("MARKETPLACE_ENV_FILE", cluster.dataDir.resolve("empty.env").toString());
    env.put(seller ? "SELLER_SESSION_FILE" : "BUYER_SESSION_FILE",
        sessionDir.resolve((seller ? "seller-" : "buyer-") + user).toString());
    CliContext ctx =
        CliContext.of(
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
            env,
            random.split());
    int code = seller ? SellerClientMain.run(args, ctx) : BuyerClientMain.run(args, ctx);
    return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }
}
