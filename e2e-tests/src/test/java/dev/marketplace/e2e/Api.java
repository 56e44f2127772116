package dev.marketplace.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.awaitility.Awaitility;

/**
 * A raw HTTP client for one REST server (java.net.http + Jackson), for tests that must send
 * exactly the bytes they mean, bad ones included. Thread-safe.
 */
final class Api {
  static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  /** One HTTP answer; {@link #json} parses the body (null when it is not JSON). */
  record Resp(int status, String contentType, String body, Map<String, String> headers) {
    JsonNode json() {
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        return null;
      }
    }

    @Override
    public String toString() {
      return status + " " + contentType + " " + body;
    }
  }

  final String base;

  Api(Object hostPort) {
    this.base = "http://" + hostPort;
  }

  /** Serializes {@code value} to JSON text. */
  static String json(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A JSON object with fields in the given order (values may be null). */
  static Map<String, Object> obj(Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], kv[i + 1]);
    }
    return m;
  }

  Resp get(String path, String token) {
    return send("GET", path, token, null, null, Map.of());
  }

  Resp post(String path, String token, Object body) {
    return send("POST", path, token, json(body), "application/json", Map.of());
  }

  Resp post(String path, String token, Object body, String idempotencyKey) {
    return send("POST", path, token, json(body), "application/json",
        Map.of("Idempotency-Key", idempotencyKey));
  }

  /** A POST without a body (e.g. /cart/save). */
  Resp post(String path, String token) {
    return send("POST", path, token, null, null, Map.of());
  }

  Resp put(String path, String token, Object body) {
    return send("PUT", path, token, json(body), "application/json", Map.of());
  }

  Resp delete(String path, String token) {
    return send("DELETE", path, token, null, null, Map.of());
  }

  /**
   * Sends one request. {@code token}: null for no Authorization header, a value starting with
   * "RAW " for that exact header value, else "Bearer token". {@code rawBody}: null for none.
   */
  Resp send(String method, String path, String token, String rawBody, String contentType,
      Map<String, String> headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
        .timeout(Duration.ofSeconds(30))
        .method(method, rawBody == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(rawBody));
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    if (token != null) {
      b.header("Authorization", token.startsWith("RAW ") ? token.substring(4) : "Bearer " + token);
    }
    headers.forEach(b::header);
    try {
      HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
      Map<String, String> h = new LinkedHashMap<>();
      r.headers().map().forEach((k, v) -> h.put(k.toLowerCase(), String.join(",", v)));
      return new Resp(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""),
          r.body(), h);
    } catch (IOException e) {
      throw new UncheckedIOException(method + " " + base + path, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Waits (bounded) until this server's /health answers 200, e.g. after another test killed it. */
  void awaitHealthy() {
    Awaitility.await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(250))
        .ignoreExceptions().until(() -> get("/health", null).status() == 200);
  }
}
