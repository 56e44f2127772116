package dev.marketplace.loadgen;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.marketplace.config.HostPort;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One benchmark client's view of a replicated REST server list: it starts at a random server and
 * sticks to it; a connection error, a timeout or a 503 moves on to the next server (the same
 * request, the same {@code Idempotency-Key}), at most once per server, like the CLIs do. Every
 * other status is returned as is, never thrown, so the caller can count it.
 *
 * <p>Not thread-safe: each benchmark client owns its instances (the {@link HttpClient} underneath
 * is shared and thread-safe).
 */
final class HttpApi {
  /** Status reported when no server answered at all (connection errors/timeouts everywhere). */
  static final int NO_ANSWER = -1;

  static final ObjectMapper JSON = new ObjectMapper();

  /** One answer: HTTP status (or {@link #NO_ANSWER}), the body text, the server that answered. */
  record Resp(int status, String body, String server) {
    JsonNode json() {
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        return null;
      }
    }
  }

  private final HttpClient http;
  private final List<HostPort> servers;
  private final Duration timeout;
  private int current;
  /** Requests that were resent to another server after a connection error, timeout or 503. */
  private long failovers;

  HttpApi(HttpClient http, List<HostPort> servers, Duration timeout, SplittableRandom random) {
    if (servers.isEmpty()) {
      throw new IllegalArgumentException("no servers");
    }
    this.http = http;
    this.servers = List.copyOf(servers);
    this.timeout = timeout;
    this.current = random.nextInt(this.servers.size());
  }

  /** A shared HTTP/1.1 client for all benchmark clients. */
  static HttpClient newHttpClient(Duration connectTimeout) {
    return HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(connectTimeout)
        .followRedirects(HttpClient.Redirect.NEVER)
        .build();
  }

  long failovers() {
    return failovers;
  }

  Resp get(String pathAndQuery, String token) {
    return send("GET", pathAndQuery, token, null);
  }

  /** A write ({@code POST}/{@code PUT}/{@code DELETE}) with a fresh Idempotency-Key. */
  Resp write(String method, String path, String token, Object body) {
    String text;
    try {
      text = body == null ? null : JSON.writeValueAsString(body);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot serialize request body", e);
    }
    return send(method, path, token, text);
  }

  private Resp send(String method, String path, String token, String body) {
    String key = "GET".equals(method) ? null : newKey();
    int n = servers.size();
    String lastBody = "";
    int lastStatus = NO_ANSWER;
    for (int attempt = 0; attempt < n; attempt++) {
      int index = (current + attempt) % n;
      HostPort server = servers.get(index);
      HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://" + server + path))
          .timeout(timeout)
          .header("Accept", "application/json, application/problem+json");
      if (body != null) {
        b.header("Content-Type", "application/json");
        b.method(method, HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
      } else {
        b.method(method, HttpRequest.BodyPublishers.noBody());
      }
      if (key != null) {
        b.header("Idempotency-Key", key);
      }
      if (token != null) {
        b.header("Authorization", "Bearer " + token);
      }
      try {
        HttpResponse<String> r =
            http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        if (r.statusCode() != 503) {
          current = index;
          return new Resp(r.statusCode(), r.body() == null ? "" : r.body(), server.toString());
        }
        lastStatus = 503;
        lastBody = r.body() == null ? "" : r.body();
      } catch (IOException e) {
        lastStatus = NO_ANSWER;
        lastBody = e.getClass().getSimpleName() + ": " + e.getMessage();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return new Resp(NO_ANSWER, "interrupted", server.toString());
      }
      if (attempt + 1 < n) {
        failovers++;
      }
    }
    current = (current + 1) % n;
    return new Resp(lastStatus, lastBody, "all");
  }

  private static final char[] ALPHABET =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-".toCharArray();

  /** 32 random characters of {@code [A-Za-z0-9_-]}, never from the seed (keys live 24 h). */
  private String newKey() {
    char[] k = new char[32];
    for (int i = 0; i < k.length; i++) {
      k[i] = ALPHABET[ThreadLocalRandom.current().nextInt(ALPHABET.length)];
    }
    return new String(k);
  }
}
