package dev.marketplace.rest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.marketplace.proto.StatusRequest;
import dev.marketplace.rest.testing.FakeDbs;
import dev.marketplace.rest.testing.HttpTestClient;
import dev.marketplace.rest.testing.HttpTestClient.Response;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The shared server setup over real HTTP: Javalin's own errors, 500s, health, metrics. */
class RestServerTest {
  private FakeDbs dbs;
  private RestServer server;
  private HttpTestClient http;

  @BeforeEach
  void start() {
    dbs = FakeDbs.start(3);
    server = RestServer.start(
        new RestServer.Options("127.0.0.1", 0, "test-openapi.yaml", 1024),
        new HealthCheck(dbs.customers, dbs.products, Duration.ofMillis(500)),
        routes -> {
          routes.post("/echo", ctx -> {
            JsonBody b = JsonBody.read(ctx, "n");
            long n = b.integer("n", 0, 10);
            b.validate();
            Json.respond(ctx, 200, Map.of("n", n));
          });
          routes.get("/boom", ctx -> {
            throw new IllegalStateException("secret internal detail");
          });
          routes.get("/db", ctx -> Json.respond(ctx, 200, Map.of("role",
              dbs.customers.call("Status", s -> s.status(StatusRequest.getDefaultInstance()))
                  .getRole())));
        });
    http = new HttpTestClient(server.port());
  }

  @AfterEach
  void stop() {
    server.close();
    dbs.close();
  }

  private static void assertProblem(Response r, int status) {
    assertThat(r.status()).isEqualTo(status);
    assertThat(r.contentType()).startsWith("application/problem+json");
    assertThat(r.json().get("status").asInt()).isEqualTo(status);
    assertThat(r.json().has("type") && r.json().has("title") && r.json().has("detail")).isTrue();
  }

  @Test
  void unknownRouteIs404Problem() {
    assertProblem(http.send("GET", "/nope", null), 404);
  }

  @Test
  void wrongMethodIs405Problem() {
    assertProblem(http.send("DELETE", "/echo", null), 405);
  }

  @Test
  void badBodiesAre4xxProblems() {
    assertProblem(http.send("POST", "/echo", "{not json"), 400);
    assertProblem(http.send("POST", "/echo", ""), 400);
    assertProblem(http.send("POST", "/echo", "{\"n\":\"x\"}"), 400);
    assertProblem(http.send("POST", "/echo", "{\"n\":1}", "Content-Type", "text/plain"), 415);
    Response big = http.send("POST", "/echo", "{\"n\":1,\"pad\":\"" + "x".repeat(4000) + "\"}");
    assertProblem(big, 413);
    Response ok = http.send("POST", "/echo", "{\"n\":3}");
    assertThat(ok.status()).isEqualTo(200);
    assertThat(ok.json().get("n").asInt()).isEqualTo(3);
  }

  @Test
  void oversizeChunkedBodyIs413() throws Exception {
    byte[] big = ("{\"n\":1,\"pad\":\"" + "x".repeat(50_000) + "\"}")
        .getBytes(java.nio.charset.StandardCharsets.UTF_8);
    java.net.http.HttpRequest req = java.net.http.HttpRequest.newBuilder(
            java.net.URI.create("http://127.0.0.1:" + server.port() + "/echo"))
        .header("Content-Type", "application/json")
        .POST(java.net.http.HttpRequest.BodyPublishers.ofInputStream(
            () -> new java.io.ByteArrayInputStream(big)))
        .build();
    java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newHttpClient()
        .send(req, java.net.http.HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(413);
    assertThat(r.headers().firstValue("Content-Type").orElse(""))
        .startsWith("application/problem+json");
  }

  @Test
  void unexpectedExceptionIs500WithoutDetails() {
    Response r = http.send("GET", "/boom", null);
    assertProblem(r, 500);
    assertThat(r.body()).doesNotContain("secret").doesNotContain("IllegalStateException")
        .doesNotContain("at dev.");
    assertThat(r.header("X-Request-Id")).isNotBlank();
  }

  @Test
  void requestIdIsEchoedWhenWellFormed() {
    assertThat(http.send("GET", "/db", null, "X-Request-Id", "abc-1").header("X-Request-Id"))
        .isEqualTo("abc-1");
    assertThat(http.send("GET", "/db", null, "X-Request-Id", "bad id!").header("X-Request-Id"))
        .isNotEqualTo("bad id!");
  }

  @Test
  void failsOverToTheNextReplica() {
    dbs.customerReplicas.get(0).setDown(true);
    dbs.customerReplicas.get(1).setDown(true);
    Response r = http.send("GET", "/db", null);
    assertThat(r.status()).isEqualTo(200);
    assertThat(dbs.customerReplicas.get(2).calls()).isPositive();
  }

  @Test
  void allReplicasDownIs503WithRetryAfter() {
    dbs.setAllDown(true);
    Response r = http.send("GET", "/db", null);
    assertProblem(r, 503);
    assertThat(r.header("Retry-After")).isEqualTo("1");
  }

  @Test
  void healthNeedsAQuorumOfEachDatabase() {
    Response up = http.send("GET", "/health", null);
    assertThat(up.status()).isEqualTo(200);
    assertThat(up.json().get("status").asText()).isEqualTo("UP");
    assertThat(up.json().get("customerDb").get("reachable").asInt()).isEqualTo(3);
    dbs.productReplicas.get(0).setDown(true);
    assertThat(http.send("GET", "/health", null).status()).isEqualTo(200);
    dbs.productReplicas.get(1).setDown(true);
    Response down = http.send("GET", "/health", null);
    assertThat(down.status()).isEqualTo(503);
    assertThat(down.json().get("productDb").get("status").asText()).isEqualTo("DOWN");
  }

  @Test
  void metricsCountRequestsByRouteAndStatus() {
    http.send("POST", "/echo", "{\"n\":3}");
    http.send("GET", "/nope", null);
    Response m = http.send("GET", "/metrics", null);
    assertThat(m.status()).isEqualTo(200);
    assertThat(m.body()).contains("http_server_requests_seconds_count{method=\"POST\","
        + "route=\"/echo\",status=\"200\"}")
        .contains("route=\"unmatched\",status=\"404\"")
        .contains("jvm_memory_used_bytes");
  }

  @Test
  void routesAreListed() {
    assertThat(server.routes()).contains("POST /echo", "GET /health", "GET /metrics",
        "GET /openapi.yaml");
    assertThat(http.send("GET", "/openapi.yaml", null).body()).startsWith("openapi:");
  }
}
