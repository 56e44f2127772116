package dev.marketplace.loadgen;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.marketplace.config.EnvDefaults;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Whole runs of the benchmark against in-process fake REST servers (a fake of the servers, not
 * of the benchmark): how answers are counted, failover, and the exit code. No cluster.
 */
class LoadGenRunTest {
  /** A REST server that answers the benchmark's requests with canned bodies. */
  static final class FakeServer implements AutoCloseable {
    final HttpServer server;
    final AtomicInteger requests = new AtomicInteger();
    final AtomicInteger itemNumber = new AtomicInteger();
    volatile int priceStatus = 200;
    volatile boolean unavailable;
    final AtomicInteger logins = new AtomicInteger();
    /** Answers this many of the next {@code GET /me/rating} with 401. */
    final AtomicInteger expireSeller = new AtomicInteger();
    /** Answers this many of the next {@code DELETE /cart} with 401. */
    final AtomicInteger expireBuyer = new AtomicInteger();

    FakeServer() throws IOException {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      server.createContext("/", this::handle);
      server.setExecutor(Executors.newFixedThreadPool(4));
      server.start();
    }

    String address() {
      return "127.0.0.1:" + server.getAddress().getPort();
    }

    private void handle(HttpExchange ex) throws IOException {
      requests.incrementAndGet();
      ex.getRequestBody().readAllBytes();
      String m = ex.getRequestMethod();
      String p = ex.getRequestURI().getPath();
      AtomicInteger expire = m.equals("GET") && p.equals("/me/rating") ? expireSeller
          : m.equals("DELETE") && p.equals("/cart") ? expireBuyer : null;
      if (unavailable) {
        send(ex, 503, "{\"status\":503,\"title\":\"no quorum\"}");
      } else if (expire != null && expire.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
        send(ex, 401, "{\"status\":401,\"title\":\"expired\"}");
      } else if (m.equals("POST") && (p.equals("/sellers") || p.equals("/buyers"))) {
        send(ex, 201, "{\"id\":\"a1\",\"username\":\"u\",\"name\":\"n\"}");
      } else if (m.equals("POST") && p.equals("/sessions")) {
        logins.incrementAndGet();
        send(ex, 201, "{\"token\":\"tok\",\"expiresInSeconds\":300}");
      } else if (m.equals("POST") && p.equals("/items")) {
        send(ex, 201, "{\"id\":\"3-" + itemNumber.incrementAndGet() + "\"}");
      } else if (m.equals("PUT") && p.endsWith("/price")) {
        send(ex, priceStatus, priceStatus == 200 ? "{\"id\":\"3-1\"}"
            : "{\"status\":" + priceStatus + ",\"title\":\"boom\"}");
      } else if (m.equals("DELETE") && p.equals("/cart")) {
        send(ex, 204, null);
      } else if (m.equals("POST") && p.equals("/purchases")) {
        send(ex, 402, "{\"status\":402,\"title\":\"declined\"}");
      } else {
        send(ex, 200, "{}");
      }
    }

    private static void send(HttpExchange ex, int status, String body) throws IOException {
      if (body == null) {
        ex.sendResponseHeaders(status, -1);
        ex.close();
        return;
      }
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().set("Content-Type", "application/json");
      ex.sendResponseHeaders(status, bytes.length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(bytes);
      }
    }

    @Override
    public void close() {
      server.stop(0);
      ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }
  }

  private FakeServer a;
  private FakeServer b;
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  @AfterEach
  void stop() {
    if (a != null) {
      a.close();
    }
    if (b != null) {
      b.close();
    }
  }

  private int run(String servers, String... args) {
    return runFor("300ms", servers, args);
  }

  private int runFor(String duration, String servers, String... args) {
    CommandLine cl = LoadGenMain.commandLine(new EnvDefaults(Map.of(
        "SELLER_SERVERS", servers, "BUYER_SERVERS", servers)));
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    String[] base = {"--clients", "2", "--duration", duration, "--warmup", "0", "--sellers", "1",
        "--items-per-seller", "3", "--buyers", "1", "--seed", "11"};
    String[] all = new String[base.length + args.length];
    System.arraycopy(base, 0, all, 0, base.length);
    System.arraycopy(args, 0, all, base.length, args.length);
    return cl.execute(all);
  }

  @Test
  void anUnexpected5xxIsShownInTheTableAndFailsTheRun() throws IOException {
    a = new FakeServer();
    a.priceStatus = 500;
    int code = run(a.address(), "--workloads", "seller-writes,purchase");
    assertThat(code).as(err.toString()).isEqualTo(1);
    String table = out.toString();
    assertThat(table).containsPattern("PUT /items/\\{id\\}/price +\\| +0\\.0 \\|");
    assertThat(table).containsPattern("\\| 500=\\d+! ");
    assertThat(table).contains("FAILED").contains("boom");
    // declined purchases are expected answers, not errors
    assertThat(table).containsPattern("POST /purchases .*\\| +0 \\| 402=\\d+ ");
  }

  @Test
  void a503ServerIsFailedOverTransparentlyAndCounted() throws IOException {
    a = new FakeServer();
    b = new FakeServer();
    a.unavailable = true;
    int code = run(a.address() + "," + b.address(), "--clients", "8", "--workloads",
        "seller-writes", "--json");
    assertThat(code).as(err.toString()).isZero();
    JsonNode json = HttpApi.JSON.readTree(out.toString());
    assertThat(json.get("serverFailure").asBoolean()).isFalse();
    assertThat(json.get("failovers").asLong()).isPositive();
    JsonNode row = json.get("rows").get(0);
    assertThat(row.get("request").asText()).isEqualTo("PUT /items/{id}/price");
    assertThat(row.get("errors").asLong()).isZero();
    assertThat(row.get("ok").asLong()).isPositive();
    assertThat(row.get("statuses").fieldNames()).toIterable().containsExactly("200");
    assertThat(a.requests.get()).isPositive();
  }

  @Test
  void theRequestBudgetBoundsTheRun() throws IOException {
    a = new FakeServer();
    // a minute-long window that the budget of 5 actions ends long before
    int code = runFor("1m", a.address(), "--workloads", "buyer-reads", "--max-requests", "5",
        "--json");
    assertThat(code).as(err.toString()).isZero();
    JsonNode rows = HttpApi.JSON.readTree(out.toString()).get("rows");
    long total = 0;
    for (JsonNode r : rows) {
      if (!r.get("request").asText().startsWith("(")) {
        total += r.get("ok").asLong();
      }
    }
    assertThat(total).isEqualTo(5);
  }

  @Test
  void expiredSessionsAreLoggedInAgainBeforeAMeasurement() throws IOException {
    a = new FakeServer();
    a.expireSeller.set(1);
    a.expireBuyer.set(1);
    int code = run(a.address(), "--workloads", "cart", "--json");
    assertThat(code).as(err.toString()).isZero();
    // setup: 1 seller + 2 buyer sessions; then one re-login each
    assertThat(a.logins.get()).isEqualTo(5);
    JsonNode rows = HttpApi.JSON.readTree(out.toString()).get("rows");
    assertThat(rows.get(0).get("errors").asLong()).isZero();
  }
}
