package dev.marketplace.sellerclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.marketplace.cli.CliHarness;
import dev.marketplace.cli.CliHarness.Result;
import dev.marketplace.cli.ClientTestBase;
import dev.marketplace.cli.Json;
import dev.marketplace.cli.SessionStore;
import dev.marketplace.cli.StubServer;
import dev.marketplace.cli.StubServer.Recorded;
import dev.marketplace.cli.StubServer.Reply;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SellerClientTest extends ClientTestBase {
  static final String ITEM = "{\"id\":\"3-17\",\"name\":\"Desk lamp\",\"category\":3,"
      + "\"keywords\":[\"desk\",\"light\"],\"condition\":\"NEW\",\"price\":\"19.90\","
      + "\"quantity\":5,\"sellerId\":\"s1\",\"thumbsUp\":2,\"thumbsDown\":0}";
  static final String ITEM2 = "{\"id\":\"3-4\",\"name\":\"Chair\",\"category\":3,"
      + "\"keywords\":[],\"condition\":\"USED\",\"price\":\"120.00\","
      + "\"quantity\":12,\"sellerId\":\"s1\",\"thumbsUp\":0,\"thumbsDown\":1}";

  @Override
  protected Path sessionFileIn(Path dir) {
    return dir.resolve("home/.marketplace/seller-session");
  }

  @Override
  protected CliHarness cli(String serverList) {
    return new CliHarness(SellerClientMain::run, Map.of(
        "SELLER_SERVERS", serverList, "SELLER_SESSION_FILE", sessionFile.toString(),
        "USERNAME", "os-user", "PASSWORD", "from-env"));
  }

  void loggedIn() throws Exception {
    new SessionStore(sessionFile).save(new SessionStore.Session("seller", "tok-1", "s1", 300));
  }

  @Test
  void createAccountPostsTheAccountWithAKeyAndNoToken() {
    routes.put("POST /sellers", Reply.json(201, "{\"id\":\"s1\",\"username\":\"ann\","
        + "\"name\":\"Ann Smith\"}"));
    Result r = run("create-account", "--username", "ann", "--password", "secret1",
        "--name", "Ann Smith");
    assertThat(r.exitCode()).as(r.toString()).isZero();
    Recorded req = server.only();
    assertThat(body(req)).isEqualTo(Json.parseOrNull(
        "{\"username\":\"ann\",\"password\":\"secret1\",\"name\":\"Ann Smith\"}"));
    assertThat(req.header("Idempotency-Key")).matches("[A-Za-z0-9_-]{32}");
    assertThat(req.header("Authorization")).isNull();
    assertThat(r.out()).contains("Account created")
        .contains("ID  USERNAME  NAME").contains("s1  ann       Ann Smith");
  }

  @Test
  void missingPasswordIsPromptedFromInputNotTakenFromTheEnvironment() {
    routes.put("POST /sessions", Reply.json(201,
        "{\"token\":\"tok-9\",\"sellerId\":\"s1\",\"expiresInSeconds\":300}"));
    Result r = cli(server.hostPort()).runWithInput("typed-pw\n", "login", "--username", "ann");
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(body(server.only()).get("password").asText()).isEqualTo("typed-pw");
    assertThat(r.err()).contains("Password: ");
    // the environment's USERNAME never fills --username
    Result noUser = cli(server.hostPort()).run("login", "--password", "x");
    assertThat(noUser.exitCode()).isEqualTo(2);
    assertThat(noUser.err()).contains("Missing required option: '--username");
  }

  @Test
  void loginStoresTheTokenOwnerOnlyAndLaterCommandsSendIt() throws Exception {
    routes.put("POST /sessions", Reply.json(201,
        "{\"token\":\"tok-9\",\"sellerId\":\"s1\",\"expiresInSeconds\":300}"));
    routes.put("GET /items", Reply.json(200, "[" + ITEM + "," + ITEM2 + "]"));
    Result login = run("login", "--username", "ann", "--password", "secret1");
    assertThat(login.exitCode()).as(login.toString()).isZero();
    assertThat(login.out()).contains("Logged in as ann (seller id s1)");
    assertThat(body(server.only())).isEqualTo(
        Json.parseOrNull("{\"username\":\"ann\",\"password\":\"secret1\"}"));
    assertThat(server.only().header("Idempotency-Key")).matches("[A-Za-z0-9_-]{32}");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(sessionFile)))
        .isEqualTo("rw-------");
    assertThat(Files.readString(sessionFile)).contains("tok-9");

    Result items = run("my-items");
    assertThat(items.exitCode()).as(items.toString()).isZero();
    Recorded get = server.requests().get(1);
    assertThat(get.method()).isEqualTo("GET");
    assertThat(get.path()).isEqualTo("/items");
    assertThat(get.header("Authorization")).isEqualTo("Bearer tok-9");
    assertThat(get.header("Idempotency-Key")).isNull();
    String nl = System.lineSeparator();
    assertThat(items.out()).isEqualTo(
        "ID    NAME       CAT  COND   PRICE  QTY  KEYWORDS    SELLER  UP  DOWN" + nl
        + "----  ---------  ---  ----  ------  ---  ----------  ------  --  ----" + nl
        + "3-17  Desk lamp    3  NEW    19.90    5  desk,light  s1       2     0" + nl
        + "3-4   Chair        3  USED  120.00   12              s1       0     1" + nl);
  }

  @Test
  void jsonPrintsTheServersJsonWhereverTheFlagIs() throws Exception {
    loggedIn();
    routes.put("GET /items", Reply.json(200, "[" + ITEM + "]"));
    Result after = run("my-items", "--json");
    Result before = run("--json", "my-items");
    assertThat(after.out().strip()).isEqualTo("[" + ITEM + "]");
    assertThat(before.out().strip()).isEqualTo("[" + ITEM + "]");
  }

  @Test
  void logoutEndsTheSessionAndRemovesTheFile() throws Exception {
    loggedIn();
    routes.put("DELETE /sessions/current", Reply.empty(204));
    Result r = run("logout");
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out()).contains("Logged out.");
    assertThat(server.only().method()).isEqualTo("DELETE");
    assertThat(server.only().header("Authorization")).isEqualTo("Bearer tok-1");
    assertThat(server.only().header("Idempotency-Key")).matches("[A-Za-z0-9_-]{32}");
    assertThat(Files.exists(sessionFile)).isFalse();
    Result again = run("logout");
    assertThat(again.exitCode()).isZero();
    assertThat(again.out()).contains("Not logged in.");
    assertThat(server.requests()).hasSize(1);
  }

  @Test
  void commandsNeedingASessionFailLocallyWithoutOne() {
    Result r = run("my-items");
    assertThat(r.exitCode()).isEqualTo(4);
    assertThat(r.err()).contains("Not logged in").contains("seller-client login");
    assertThat(server.requests()).isEmpty();
  }

  @Test
  void listItemSendsTheContractsShape() throws Exception {
    loggedIn();
    routes.put("POST /items", Reply.json(201, ITEM));
    Result r = run("list-item", "--name", "Desk lamp", "--category", "3", "--keywords",
        "desk,light", "--condition", "new", "--price", "19.9", "--quantity", "5");
    assertThat(r.exitCode()).as(r.toString()).isZero();
    Recorded req = server.only();
    assertThat(req.header("Content-Type")).isEqualTo("application/json");
    assertThat(body(req)).isEqualTo(Json.parseOrNull("{\"name\":\"Desk lamp\",\"category\":3,"
        + "\"keywords\":[\"desk\",\"light\"],\"condition\":\"NEW\",\"price\":\"19.90\","
        + "\"quantity\":5}"));
    assertThat(body(req).get("price").isTextual()).isTrue();
    assertThat(r.out()).contains("Item listed.").contains("3-17  Desk lamp");
  }

  @Test
  void itemUpdatesUseTheirPathsAndBodies() throws Exception {
    loggedIn();
    routes.put("PUT /items/3-17/price", Reply.json(200, ITEM));
    routes.put("PUT /items/3-17/quantity", Reply.json(200, ITEM));
    routes.put("POST /items/3-17/removals", Reply.json(200, ITEM));
    assertThat(run("set-price", "3-17", "17.5").exitCode()).isZero();
    assertThat(run("set-quantity", "3-17", "12").exitCode()).isZero();
    Result last = run("remove-units", "3-17", "2");
    assertThat(last.exitCode()).isZero();
    assertThat(last.out()).contains("3-17  Desk lamp");
    List<Recorded> reqs = server.requests();
    assertThat(reqs).extracting(Recorded::method).containsExactly("PUT", "PUT", "POST");
    assertThat(body(reqs.get(0))).isEqualTo(Json.parseOrNull("{\"price\":\"17.50\"}"));
    assertThat(body(reqs.get(1))).isEqualTo(Json.parseOrNull("{\"quantity\":12}"));
    assertThat(body(reqs.get(2))).isEqualTo(Json.parseOrNull("{\"quantity\":2}"));
    assertThat(reqs).allMatch(q -> "Bearer tok-1".equals(q.header("Authorization")));
  }

  @Test
  void ratingIsShownAsATable() throws Exception {
    loggedIn();
    routes.put("GET /me/rating", Reply.json(200, "{\"thumbsUp\":7,\"thumbsDown\":1}"));
    Result r = run("rating");
    assertThat(r.exitCode()).isZero();
    assertThat(r.out()).contains("THUMBS UP  THUMBS DOWN").contains("        7            1");
  }

  @Test
  void badValuesAreUsageErrorsBeforeAnyRequest() throws Exception {
    loggedIn();
    assertThat(run("set-price", "3-17", "1.999").exitCode()).isEqualTo(2);
    assertThat(run("set-price", "../admin", "1.00").exitCode()).isEqualTo(2);
    Result cond = run("list-item", "--name", "x", "--category", "1", "--condition", "BROKEN",
        "--price", "1", "--quantity", "1");
    assertThat(cond.exitCode()).isEqualTo(2);
    assertThat(cond.err()).contains("--condition");
    assertThat(run("no-such-command").exitCode()).isEqualTo(2);
    assertThat(server.requests()).isEmpty();
  }

  @Test
  void problemsBecomeReadableMessagesAndExitCodes() throws Exception {
    loggedIn();
    routes.put("POST /items", Reply.problem(400, "Invalid item", "2 fields are invalid",
        "price", "must be at most 1000000.00", "keywords", "at most 5"));
    routes.put("PUT /items/9-9/price", Reply.problem(404, "Not Found", "no item 9-9"));
    routes.put("PUT /items/3-1/price", Reply.problem(403, "Forbidden", "not your item"));
    routes.put("POST /items/3-17/removals", Reply.problem(409, "Conflict", "only 5 left"));
    Result invalid = run("list-item", "--name", "x", "--category", "1", "--condition", "NEW",
        "--price", "1", "--quantity", "1");
    assertThat(invalid.exitCode()).isEqualTo(3);
    assertThat(invalid.err()).contains("error: Invalid item (HTTP 400): 2 fields are invalid")
        .contains("  - price: must be at most 1000000.00").contains("  - keywords: at most 5");
    assertThat(invalid.out()).isEmpty();
    Result json = run("--json", "list-item", "--name", "x", "--category", "1", "--condition",
        "NEW", "--price", "1", "--quantity", "1");
    assertThat(Json.parseOrNull(json.out()).get("status").asInt()).isEqualTo(400);
    assertThat(run("set-price", "9-9", "1").exitCode()).isEqualTo(5);
    assertThat(run("set-price", "3-1", "1").exitCode()).isEqualTo(4);
    Result conflict = run("remove-units", "3-17", "9");
    assertThat(conflict.exitCode()).isEqualTo(6);
    assertThat(conflict.err()).contains("Conflict (HTTP 409): only 5 left");
    assertThat(Files.exists(sessionFile)).isTrue(); // 403 keeps the session
  }

  @Test
  void anExpiredSessionIsRemovedSoTheUserLogsInAgain() throws Exception {
    loggedIn();
    routes.put("GET /items", Reply.problem(401, "Unauthorized", "session expired"));
    Result r = run("my-items");
    assertThat(r.exitCode()).isEqualTo(4);
    assertThat(r.err()).contains("session expired").contains("log in again");
    assertThat(Files.exists(sessionFile)).isFalse();
  }

  @Test
  void aStoppedServerIsSkippedWithTheSameIdempotencyKeyFromTheCommandLine() throws Exception {
    loggedIn();
    StubServer dead = StubServer.start(r -> Reply.empty(204));
    servers.add(dead);
    dead.stop();
    StubServer busy = StubServer.start(r -> Reply.unavailable(0));
    servers.add(busy);
    routes.put("PUT /items/3-17/price", Reply.json(200, ITEM));
    Result r = cli(dead.hostPort() + "," + busy.hostPort() + "," + server.hostPort())
        .run("set-price", "3-17", "19.90");
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(server.only().header("Idempotency-Key"))
        .isEqualTo(busy.only().header("Idempotency-Key"));
    assertThat(r.err()).isEmpty();
  }

  @Test
  void allServersDownIsExitCode8WithTheServersNamed() throws Exception {
    StubServer a = StubServer.start(r -> Reply.empty(204));
    StubServer b = StubServer.start(r -> Reply.empty(204));
    servers.add(a);
    servers.add(b);
    a.stop();
    b.stop();
    Result r = assertTimeoutPreemptively(Duration.ofSeconds(30),
        () -> cli(a.hostPort() + "," + b.hostPort())
            .run("create-account", "--username", "a", "--password", "secret1", "--name", "A"));
    assertThat(r.exitCode()).isEqualTo(8);
    assertThat(r.err()).contains("No server available").contains("no seller server answered")
        .contains(a.hostPort()).contains(b.hostPort());
  }

  @Test
  void missingOrBadServerConfigurationIsAUsageError() {
    Result none = new CliHarness(SellerClientMain::run,
        Map.of("SELLER_SESSION_FILE", sessionFile.toString()))
        .run("create-account", "--username", "a", "--password", "secret1", "--name", "A");
    assertThat(none.exitCode()).isEqualTo(2);
    assertThat(none.err()).contains("SELLER_SERVERS");
    Result bad = cli("localhost").run("create-account", "--username", "a", "--password",
        "secret1", "--name", "A");
    assertThat(bad.exitCode()).isEqualTo(2);
    assertThat(bad.err()).contains("SELLER_SERVERS").contains("host:port");
    Result flag = cli("nonsense").run("--seller-servers", server.hostPort(), "logout");
    assertThat(flag.exitCode()).isZero();
  }

  @Test
  void everyCommandHasHelpWithExamples() {
    for (String cmd : new String[] {"create-account", "login", "logout", "rating", "list-item",
        "my-items", "set-price", "set-quantity", "remove-units", "shell"}) {
      Result r = run(cmd, "--help");
      assertThat(r.exitCode()).as(cmd).isZero();
      assertThat(r.out()).as(cmd).contains("Usage: seller-client " + cmd).contains("Examples:");
    }
    Result top = run("--help");
    assertThat(top.out()).contains("Exit codes:").contains("SELLER_SERVERS");
    assertThat(server.requests()).isEmpty();
  }

  @Test
  void timeoutsAndServersComeFromTheEnvironmentOrADotEnvFile() throws Exception {
    StubServer stuck = StubServer.start(r -> Reply.hang());
    servers.add(stuck);
    routes.put("POST /sellers", Reply.json(201, "{\"id\":\"s1\"}"));
    Path dotEnv = dir.resolve("client.env");
    Files.writeString(dotEnv, "SELLER_SERVERS=" + stuck.hostPort() + "," + server.hostPort()
        + "\nCLIENT_REQUEST_TIMEOUT_MS=300\n");
    Result r = new CliHarness(SellerClientMain::run, Map.of("MARKETPLACE_ENV_FILE",
        dotEnv.toString(), "SELLER_SESSION_FILE", sessionFile.toString()))
        .run("create-account", "--username", "a", "--password", "secret1", "--name", "A");
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(server.only().header("Idempotency-Key"))
        .isEqualTo(stuck.only().header("Idempotency-Key"));
    Result badEnv = new CliHarness(SellerClientMain::run, Map.of("MARKETPLACE_ENV_FILE",
        dir.resolve("missing.env").toString())).run("my-items");
    assertThat(badEnv.exitCode()).isEqualTo(2);
    assertThat(badEnv.err()).contains("MARKETPLACE_ENV_FILE");
  }

  @Test
  void logoutWithNoServerReachableStillForgetsTheLocalSession() throws Exception {
    loggedIn();
    server.stop();
    Result r = run("logout");
    assertThat(r.exitCode()).isEqualTo(8);
    assertThat(r.err()).contains("No server available").contains("removed anyway");
    assertThat(Files.exists(sessionFile)).isFalse();
  }
}
