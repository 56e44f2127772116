package dev.marketplace.rest.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A small java.net.http client for endpoint tests: sends JSON, returns status, headers and the
 * parsed body. Test scope only. Thread-safe.
 */
public final class HttpTestClient {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private final HttpClient client = HttpClient.newBuilder()
      .connectTimeout(Duration.ofSeconds(5)).build();
  private final String base;

  public HttpTestClient(int port) {
    this.base = "http://127.0.0.1:" + port;
  }

  /** A response: status, content type, headers, raw body and parsed JSON (null if not JSON). */
  public record Response(int status, String contentType, HttpResponse<String> raw, JsonNode json) {
    public String header(String name) {
      return raw.headers().firstValue(name).orElse(null);
    }

    public String body() {
      return raw.body();
    }
  }

  /** Sends a request; {@code body} may be null; headers as name/value pairs. */
  public Response send(String method, String path, String body, String... headers) {
    Map<String, String> h = new LinkedHashMap<>();
    if (body != null) {
      h.put("Content-Type", "application/json");
    }
    for (int i = 0; i + 1 < headers.length; i += 2) {
      h.put(headers[i], headers[i + 1]);
    }
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
        .timeout(Duration.ofSeconds(20))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
    h.forEach((k, v) -> {
      if (v != null) {
        b.header(k, v);
      }
    });
    try {
      HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
      String ct = r.headers().firstValue("Content-Type").orElse("");
      JsonNode json = null;
      if (ct.contains("json") && !r.body().isEmpty()) {
        json = MAPPER.readTree(r.body());
      }
      return new Response(r.statusCode(), ct, r, json);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** {@code Authorization: Bearer <token>} header pair. */
  public static String[] bearer(String token) {
    return new String[] {"Authorization", "Bearer " + token};
  }
}
