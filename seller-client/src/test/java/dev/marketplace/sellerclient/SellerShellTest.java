package dev.marketplace.sellerclient;

import static org.assertj.core.api.Assertions.assertThat;

import dev.marketplace.cli.CliHarness;
import dev.marketplace.cli.CliHarness.Result;
import dev.marketplace.cli.Json;
import dev.marketplace.cli.StubServer;
import dev.marketplace.cli.StubServer.Recorded;
import dev.marketplace.cli.StubServer.Reply;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SellerShellTest {
  @TempDir Path dir;
  final Map<String, Reply> routes = new HashMap<>();
  StubServer server;
  CliHarness cli;

  @BeforeEach
  void start() throws Exception {
    server = StubServer.start(r -> routes.getOrDefault(r.method() + " " + r.path(),
        Reply.problem(404, "Not Found", "no route " + r.path())));
    cli = new CliHarness(SellerClientMain::run, Map.of("SELLER_SERVERS", server.hostPort(),
        "SELLER_SESSION_FILE", dir.resolve("s").toString()));
    routes.put("POST /sessions", Reply.json(201,
        "{\"token\":\"tok\",\"sellerId\":\"s1\",\"expiresInSeconds\":300}"));
    routes.put("POST /items", Reply.json(201, SellerClientTest.ITEM));
    routes.put("GET /items", Reply.json(200, "[" + SellerClientTest.ITEM + "]"));
    routes.put("DELETE /sessions/current", Reply.empty(204));
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void menuChoicesAskForEachValueAndTypedCommandsReuseTheSameCommands() {
    String input = String.join("\n",
        "2",                 // login: asks username; the command asks the password
        "ann",
        "secret1",
        "5",                 // list-item: name, category, keywords, condition, price, quantity
        "Desk lamp",
        "3",
        "desk,light",
        "new",
        "19.9",
        "5",
        "list-item --name Chair --category 3 --condition USED --price 5 --quantity 1",
        "my-items --json",
        "help set-price",
        "shell",
        "set-price 3-17 1.999",
        "0",
        "my-items",          // never reached: 0 quits
        "");
    Result r = cli.runWithInput(input);
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(2); // the last command's code
    assertThat(r.out()).contains("Marketplace - seller menu").contains("  5) list-item")
        .contains("  0) quit").contains("seller> ").contains("  username (Your user name): ")
        .contains("  keywords (Up to 5 keywords of 1-8 chars, comma-separated, optional): ").contains("Item listed.")
        .contains("[" + SellerClientTest.ITEM + "]").contains("Usage: seller-client set-price");
    assertThat(r.err()).contains("Password: ").contains("already in the shell")
        .contains("more than two decimals");
    List<Recorded> reqs = server.requests();
    assertThat(reqs).extracting(q -> q.method() + " " + q.path())
        .containsExactly("POST /sessions", "POST /items", "POST /items", "GET /items");
    assertThat(Json.parseOrNull(reqs.get(1).body())).isEqualTo(Json.parseOrNull(
        "{\"name\":\"Desk lamp\",\"category\":3,\"keywords\":[\"desk\",\"light\"],"
            + "\"condition\":\"NEW\",\"price\":\"19.90\",\"quantity\":5}"));
    // options of the previous run do not leak into the next one
    assertThat(Json.parseOrNull(reqs.get(2).body()).get("keywords")).isEmpty();
    assertThat(reqs.get(3).header("Authorization")).isEqualTo("Bearer tok");
  }

  @Test
  void noArgumentsStartsTheShellAndEndOfInputLeavesIt() throws Exception {
    Files.writeString(dir.resolve("ignored"), "");
    Result r = cli.runWithInput("login --username ann --password secret1\nlogout\n");
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out()).contains("Marketplace - seller menu").contains("Logged out.");
    assertThat(Files.exists(dir.resolve("s"))).isFalse();
    Result bad = cli.runWithInput("frobnicate\nlogin --username \"ann\n");
    assertThat(bad.err()).contains("unknown command 'frobnicate'").contains("unterminated");
    assertThat(bad.exitCode()).isEqualTo(2);
  }

  @Test
  void topLevelOptionsApplyToEveryShellCommand() {
    Result r = cli.runWithInput("login --username ann --password secret1\nmy-items\n",
        "--json", "shell");
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out()).contains("\"token\":\"tok\"").contains("[" + SellerClientTest.ITEM + "]");
  }
}
