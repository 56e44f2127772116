package dev.marketplace.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.marketplace.cli.StubServer.Reply;
import dev.marketplace.config.HostPort;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ApiClientTest {
  private final List<StubServer> servers = new ArrayList<>();

  @AfterEach
  void closeServers() {
    servers.forEach(StubServer::close);
  }

  private StubServer server(java.util.function.Function<StubServer.Recorded, Reply> h)
      throws Exception {
    StubServer s = StubServer.start(h);
    servers.add(s);
    return s;
  }

  /** A server that was started and stopped: its port refuses connections. */
  private StubServer deadServer() throws Exception {
    StubServer s = server(r -> Reply.empty(204));
    s.stop();
    return s;
  }

  private static ApiClient client(ApiClient.Settings settings, StubServer... ss) {
    List<HostPort> list = new ArrayList<>();
    for (StubServer s : ss) {
      list.add(HostPort.parse("test", s.hostPort()));
    }
    return new ApiClient("test server", list, settings, CliHarness.FIRST);
  }

  private static ApiClient client(StubServer... ss) {
    return client(fast(), ss);
  }

  private static ApiClient.Settings fast() {
    return new ApiClient.Settings(Duration.ofSeconds(2), Duration.ofSeconds(5),
        Duration.ofSeconds(10), 0, Duration.ZERO, Duration.ZERO);
  }

  @Test
  void readSendsAcceptAndTokenButNoIdempotencyKey() throws Exception {
    StubServer s = server(r -> Reply.json(200, "[{\"id\":\"1-2\"}]"));
    ApiClient c = client(s);
    c.setBearerToken("tok123");
    ApiResponse r = c.get("/items?category=1");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().get(0).get("id").asText()).isEqualTo("1-2");
    StubServer.Recorded rec = s.only();
    assertThat(rec.method()).isEqualTo("GET");
    assertThat(rec.path()).isEqualTo("/items?category=1");
    assertThat(rec.header("Authorization")).isEqualTo("Bearer tok123");
    assertThat(rec.header("Accept")).contains("application/json");
    assertThat(rec.header("Idempotency-Key")).isNull();
  }

  @Test
  void writeSendsJsonBodyAndAFreshWellFormedKey() throws Exception {
    StubServer s = server(r -> Reply.json(201, "{\"id\":\"7\"}"));
    ApiClient c = client(s);
    c.write("POST", "/sellers", Json.object().put("username", "ann"));
    c.write("POST", "/sellers", Json.object().put("username", "bob"));
    List<StubServer.Recorded> reqs = s.requests();
    assertThat(reqs).hasSize(2);
    assertThat(reqs.get(0).header("Content-Type")).isEqualTo("application/json");
    assertThat(reqs.get(0).body()).isEqualTo("{\"username\":\"ann\"}");
    assertThat(reqs.get(0).header("Idempotency-Key")).matches("[A-Za-z0-9_-]{32}");
    assertThat(reqs.get(1).header("Idempotency-Key")).matches("[A-Za-z0-9_-]{32}")
        .isNotEqualTo(reqs.get(0).header("Idempotency-Key"));
    assertThat(reqs.get(0).header("Authorization")).isNull();
  }

  @Test
  void stoppedFirstServerIsSkippedAndTheClientSticksToTheLiveOne() throws Exception {
    StubServer dead = deadServer();
    StubServer live = server(r -> Reply.json(201, "{\"ok\":true}"));
    ApiClient c = client(dead, live);
    ApiResponse r = c.write("POST", "/items", Json.object().put("name", "x"));
    assertThat(r.server()).isEqualTo(live.hostPort());
    assertThat(live.only().header("Idempotency-Key")).matches("[A-Za-z0-9_-]{32}");
    assertThat(c.currentServer().toString()).isEqualTo(live.hostPort());
    c.get("/items");
    assertThat(live.requests()).hasSize(2);
  }

  @Test
  void a503IsRetriedOnTheNextServerWithTheSameKeyAndBody() throws Exception {
    StubServer busy = server(r -> Reply.unavailable(0));
    StubServer ok = server(r -> Reply.json(201, "{\"id\":\"p1\"}"));
    ApiClient c = client(busy, ok);
    ApiResponse r = c.write("POST", "/purchases", Json.object().put("name", "Ann"));
    assertThat(r.json().get("id").asText()).isEqualTo("p1");
    String key = busy.only().header("Idempotency-Key");
    assertThat(key).matches("[A-Za-z0-9_-]{32}");
    assertThat(ok.only().header("Idempotency-Key")).isEqualTo(key);
    assertThat(ok.only().body()).isEqualTo(busy.only().body());
    // sticky: the next request goes straight to the server that answered
    c.get("/purchases");
    assertThat(busy.requests()).hasSize(1);
    assertThat(ok.requests()).hasSize(2);
  }

  @Test
  void aServerDyingBeforeAnsweringIsRetriedElsewhereWithTheSameKey() throws Exception {
    StubServer[] dying = new StubServer[1];
    dying[0] = server(r -> Reply.drop());
    StubServer ok = server(r -> Reply.json(201, "{\"id\":\"p1\"}"));
    ApiClient c = client(dying[0], ok);
    c.setBearerToken("t");
    ApiResponse r = c.write("POST", "/purchases", Json.object().put("cardNumber", "4111"));
    assertThat(r.status()).isEqualTo(201);
    String key = dying[0].requests().get(0).header("Idempotency-Key");
    assertThat(ok.only().header("Idempotency-Key")).isEqualTo(key);
    assertThat(ok.only().header("Authorization")).isEqualTo("Bearer t");
  }

  @Test
  void aServerThatNeverAnswersTimesOutAndTheNextOneAnswers() throws Exception {
    StubServer stuck = server(r -> Reply.hang());
    StubServer ok = server(r -> Reply.json(200, "{\"id\":\"x\"}"));
    ApiClient.Settings s = fast().withTimeouts(Duration.ofMillis(300), Duration.ofSeconds(10));
    ApiClient c = client(s, stuck, ok);
    ApiResponse r = c.write("PUT", "/items/1-1/price", Json.object().put("price", "1.00"));
    assertThat(r.status()).isEqualTo(200);
    assertThat(ok.only().header("Idempotency-Key"))
        .isEqualTo(stuck.only().header("Idempotency-Key"));
  }

  @Test
  void clientErrorsAreFinalAndParsedAsProblems() throws Exception {
    StubServer conflict = server(r -> Reply.problem(400, "Invalid input", "2 problems",
        "price", "must be > 0", "name", "too long"));
    StubServer other = server(r -> Reply.json(201, "{}"));
    ApiClient c = client(conflict, other);
    assertThatThrownBy(() -> c.write("POST", "/items", Json.object()))
        .isInstanceOfSatisfying(ApiException.class, e -> {
          assertThat(e.status()).isEqualTo(400);
          assertThat(e.exitCode()).isEqualTo(ExitCodes.VALIDATION);
          assertThat(e.render()).contains("Invalid input (HTTP 400): 2 problems")
              .contains("  - price: must be > 0").contains("  - name: too long");
        });
    assertThat(conflict.requests()).hasSize(1);
    assertThat(other.requests()).isEmpty();
  }

  @Test
  void serverErrorsOtherThan503AreNotRetried() throws Exception {
    StubServer broken = server(r -> Reply.json(500, "oops, not json"));
    StubServer other = server(r -> Reply.json(201, "{}"));
    ApiClient c = client(broken, other);
    assertThatThrownBy(() -> c.get("/cart"))
        .isInstanceOfSatisfying(ApiException.class, e -> {
          assertThat(e.exitCode()).isEqualTo(ExitCodes.ERROR);
          assertThat(e.render()).contains("HTTP 500").contains("oops, not json");
        });
    assertThat(other.requests()).isEmpty();
  }

  @Test
  void allServersDownIsUnavailableAfterBoundedAttempts() throws Exception {
    StubServer a = deadServer();
    StubServer b = deadServer();
    ApiClient c = client(ApiClient.Settings.defaults(), a, b);
    ApiException e = assertTimeoutPreemptively(Duration.ofSeconds(30),
        () -> catchApi(() -> c.write("POST", "/sessions", Json.object())));
    assertThat(e.exitCode()).isEqualTo(ExitCodes.UNAVAILABLE);
    assertThat(e.render()).contains("No server available").contains("6 attempt(s)")
        .contains(a.hostPort()).contains(b.hostPort()).contains("connection refused");
  }

  @Test
  void all503IsUnavailableAfterThreeRoundsWithTheSameKeyEverywhere() throws Exception {
    StubServer a = server(r -> Reply.unavailable(0));
    StubServer b = server(r -> Reply.unavailable(0));
    ApiClient c = client(a, b);
    ApiException e = catchApi(() -> c.write("DELETE", "/cart", null));
    assertThat(e.exitCode()).isEqualTo(ExitCodes.UNAVAILABLE);
    assertThat(a.requests()).hasSize(3);
    assertThat(b.requests()).hasSize(3);
    String key = a.requests().get(0).header("Idempotency-Key");
    assertThat(a.requests()).allMatch(r -> key.equals(r.header("Idempotency-Key")));
    assertThat(b.requests()).allMatch(r -> key.equals(r.header("Idempotency-Key")));
  }

  @Test
  void theFirstServerComesFromTheRandomSource() throws Exception {
    StubServer a = server(r -> Reply.json(200, "{}"));
    StubServer b = server(r -> Reply.json(200, "{}"));
    java.util.random.RandomGenerator last = new java.util.random.RandomGenerator() {
      @Override
      public long nextLong() {
        return 0;
      }

      @Override
      public int nextInt(int bound) {
        return bound - 1;
      }
    };
    ApiClient c = new ApiClient("t", List.of(HostPort.parse("t", a.hostPort()),
        HostPort.parse("t", b.hostPort())), fast(), last);
    c.get("/x");
    assertThat(b.requests()).hasSize(1);
    assertThat(a.requests()).isEmpty();
  }

  @Test
  void invalidCallerKeyIsRejectedLocally() {
    ApiClient c = new ApiClient("t", List.of(new HostPort("127.0.0.1", 1)), fast(),
        CliHarness.FIRST);
    assertThat(catchApi(() -> c.send("POST", "/x", null, "bad key!")).exitCode())
        .isEqualTo(ExitCodes.USAGE);
  }

  interface ApiCall {
    Object call() throws ApiException;
  }

  static ApiException catchApi(ApiCall call) {
    try {
      call.call();
    } catch (ApiException e) {
      return e;
    }
    throw new AssertionError("expected an ApiException");
  }
}
