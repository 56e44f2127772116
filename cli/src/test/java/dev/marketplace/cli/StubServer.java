package dev.marketplace.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;

/**
 * Test-only HTTP server on 127.0.0.1, port 0, playing the server side of the REST contract: it
 * records every request and answers with what a test's handler returns, including answers a real
 * server gives only when dying (connection closed without a response) or stuck (no answer until
 * the server is closed). Thread-safe.
 */
public final class StubServer implements AutoCloseable {
  /** One received request; header names are lower case. */
  public record Recorded(String method, String path, Map<String, List<String>> headers,
      String body) {
    /** First value of a header, or null. */
    public String header(String name) {
      List<String> v = headers.get(name.toLowerCase(Locale.ROOT));
      return v == null || v.isEmpty() ? null : v.get(0);
    }
  }

  /** What to answer. */
  public record Reply(int status, String contentType, String body, Map<String, String> headers,
      Kind kind) {
    enum Kind { NORMAL, DROP, HANG }

    public static Reply json(int status, String body) {
      return new Reply(status, "application/json", body, Map.of(), Kind.NORMAL);
    }

    public static Reply empty(int status) {
      return new Reply(status, null, "", Map.of(), Kind.NORMAL);
    }

    /** An RFC 9457 problem with optional field errors given as field, message pairs. */
    public static Reply problem(int status, String title, String detail, String... fieldErrors) {
      StringBuilder errors = new StringBuilder();
      for (int i = 0; i + 1 < fieldErrors.length; i += 2) {
        errors.append(errors.length() == 0 ? "" : ",").append("{\"field\":\"")
            .append(fieldErrors[i]).append("\",\"message\":\"").append(fieldErrors[i + 1])
            .append("\"}");
      }
      String body = "{\"type\":\"about:blank\",\"title\":\"" + title + "\",\"status\":" + status
          + ",\"detail\":\"" + detail + "\""
          + (errors.length() > 0 ? ",\"errors\":[" + errors + "]" : "") + "}";
      return new Reply(status, "application/problem+json", body, Map.of(), Kind.NORMAL);
    }

    /** 503 with {@code Retry-After}. */
    public static Reply unavailable(int retryAfterSeconds) {
      Reply p = problem(503, "Service Unavailable", "no quorum");
      return new Reply(503, p.contentType(), p.body(),
          Map.of("Retry-After", Integer.toString(retryAfterSeconds)), Kind.NORMAL);
    }

    /** Closes the connection without any response, like a server killed mid-request. */
    public static Reply drop() {
      return new Reply(0, null, null, Map.of(), Kind.DROP);
    }

    /** Never answers until the server is closed. */
    public static Reply hang() {
      return new Reply(0, null, null, Map.of(), Kind.HANG);
    }
  }

  private final HttpServer server;
  private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "stub-server");
    t.setDaemon(true);
    return t;
  });
  private final List<Recorded> requests = new CopyOnWriteArrayList<>();
  private final CountDownLatch closed = new CountDownLatch(1);
  private volatile Function<Recorded, Reply> handler;
  private volatile boolean running;

  private StubServer(Function<Recorded, Reply> handler) throws IOException {
    this.handler = handler;
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
    running = true;
  }

  /** Starts a server answering with {@code handler}. */
  public static StubServer start(Function<Recorded, Reply> handler) throws IOException {
    return new StubServer(handler);
  }

  /**
   * Starts a server answering {@code "METHOD /path"} keys (path with query) from {@code routes},
   * 404 problem for anything else.
   */
  public static StubServer routes(Map<String, Reply> routes) throws IOException {
    return start(r -> routes.getOrDefault(r.method() + " " + r.path(),
        Reply.problem(404, "Not Found", "no route " + r.method() + " " + r.path())));
  }

  /** Replaces the handler. */
  public void setHandler(Function<Recorded, Reply> handler) {
    this.handler = handler;
  }

  /** {@code 127.0.0.1:port}. */
  public String hostPort() {
    return "127.0.0.1:" + server.getAddress().getPort();
  }

  public List<Recorded> requests() {
    return List.copyOf(requests);
  }

  /** The only request received; fails when there were not exactly one. */
  public Recorded only() {
    if (requests.size() != 1) {
      throw new AssertionError("expected exactly one request, got " + requests);
    }
    return requests.get(0);
  }

  private void handle(HttpExchange ex) throws IOException {
    Map<String, List<String>> headers = new HashMap<>();
    ex.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), v));
    String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    Recorded rec = new Recorded(ex.getRequestMethod(), ex.getRequestURI().toString(),
        Map.copyOf(headers), body);
    requests.add(rec);
    Reply reply = handler.apply(rec);
    switch (reply.kind()) {
      case DROP -> {
        ex.close(); // no response headers sent: the connection is closed
        return;
      }
      case HANG -> {
        try {
          closed.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        ex.close();
        return;
      }
      default -> { }
    }
    reply.headers().forEach((k, v) -> ex.getResponseHeaders().add(k, v));
    byte[] bytes = reply.body() == null ? new byte[0] : reply.body().getBytes(StandardCharsets.UTF_8);
    if (reply.contentType() != null) {
      ex.getResponseHeaders().add("Content-Type", reply.contentType());
    }
    ex.sendResponseHeaders(reply.status(), bytes.length == 0 ? -1 : bytes.length);
    if (bytes.length > 0) {
      try (OutputStream os = ex.getResponseBody()) {
        os.write(bytes);
      }
    }
    ex.close();
  }

  /** Stops listening (later connections are refused) and releases hanging handlers. */
  public void stop() {
    if (running) {
      running = false;
      closed.countDown();
      server.stop(0);
      executor.shutdownNow();
    }
  }

  @Override
  public void close() {
    stop();
  }
}
