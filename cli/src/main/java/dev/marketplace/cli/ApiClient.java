package dev.marketplace.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.marketplace.config.HostPort;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.random.RandomGenerator;

/**
 * JSON-over-HTTP client of one kind of server (seller or buyer) replicated on several
 * {@code host:port} endpoints, with transparent failover.
 *
 * <p>The first request goes to a server chosen at random; later requests stick to the server that
 * last answered. A connection error, a timeout or a 503 moves on to the next server in the list
 * (round-robin), resending the same request with the same {@code Idempotency-Key}, until a server
 * answers, {@link Settings#maxAttempts()} attempts were made or {@link Settings#deadline()} has
 * passed. Between full rounds over all servers it backs off (doubling from
 * {@link Settings#backoffBase()}, at most {@link Settings#backoffMax()}, longer when a 503 asked
 * for it with {@code Retry-After}, never past the deadline). Any other status is final: 2xx/3xx
 * is returned, 4xx and other 5xx are thrown as {@link ApiException} at once, without retry.
 *
 * <p>Writes ({@code POST}, {@code PUT}, {@code DELETE}) always carry an {@code Idempotency-Key}, so
 * a server killed after doing the work but before answering is invisible: the retry on another
 * replica returns the first result. Thread-safe.
 */
public final class ApiClient {
  /**
   * Timeouts and the retry budget. Immutable.
   *
   * @param connectTimeout TCP connect timeout per attempt
   * @param requestTimeout time to wait for a response per attempt
   * @param deadline total time budget of one call, retries included
   * @param maxAttempts most attempts per call; 0 means three rounds over all servers
   * @param backoffBase pause after the first full round of failures
   * @param backoffMax longest pause between rounds
   */
  public record Settings(
      Duration connectTimeout,
      Duration requestTimeout,
      Duration deadline,
      int maxAttempts,
      Duration backoffBase,
      Duration backoffMax) {
    public Settings {
      if (connectTimeout.isNegative() || connectTimeout.isZero()
          || requestTimeout.isNegative() || requestTimeout.isZero()
          || deadline.isNegative() || deadline.isZero()) {
        throw new IllegalArgumentException("timeouts must be positive");
      }
      if (maxAttempts < 0 || backoffBase.isNegative() || backoffMax.isNegative()) {
        throw new IllegalArgumentException("attempts and backoff must not be negative");
      }
    }

    /** 2 s connect, 5 s per request, 15 s in all, 3 rounds, back-off 100 ms doubling to 1 s. */
    public static Settings defaults() {
      return new Settings(
          Duration.ofSeconds(2),
          Duration.ofSeconds(5),
          Duration.ofSeconds(15),
          0,
          Duration.ofMillis(100),
          Duration.ofSeconds(1));
    }

    /** A copy with other per-request and total timeouts. */
    public Settings withTimeouts(Duration request, Duration total) {
      Duration connect = request.compareTo(connectTimeout) < 0 ? request : connectTimeout;
      return new Settings(connect, request, total, maxAttempts, backoffBase, backoffMax);
    }
  }

  private final String what;
  private final List<HostPort> servers;
  private final Settings settings;
  private final HttpClient http;
  private final AtomicInteger current;
  private volatile String bearerToken;

  /**
   * @param what names the servers in messages, e.g. "seller server"
   * @param servers at least one endpoint
   * @param settings timeouts and retry budget
   * @param chooser picks the first server ({@code chooser.nextInt(servers.size())})
   */
  public ApiClient(
      String what, List<HostPort> servers, Settings settings, RandomGenerator chooser) {
    if (servers.isEmpty()) {
      throw new IllegalArgumentException("no servers");
    }
    this.what = what;
    this.servers = List.copyOf(servers);
    this.settings = settings;
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(settings.connectTimeout())
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
    this.current = new AtomicInteger(chooser.nextInt(this.servers.size()));
  }

  /** Sets (or with null clears) the bearer token sent on every later request. */
  public void setBearerToken(String token) {
    this.bearerToken = token;
  }

  /** The server the next request will go to first. */
  public HostPort currentServer() {
    return servers.get(current.get());
  }

  /** The configured servers. */
  public List<HostPort> servers() {
    return servers;
  }

  /** A {@code GET}; {@code pathAndQuery} starts with {@code /}. */
  public ApiResponse get(String pathAndQuery) throws ApiException {
    return send("GET", pathAndQuery, null, null);
  }

  /** A write with a fresh idempotency key; {@code body} may be null. */
  public ApiResponse write(String method, String path, JsonNode body) throws ApiException {
    return send(method, path, body, IdempotencyKeys.generate());
  }

  /**
   * Sends one request, failing over as described on the class. {@code idempotencyKey} may be
   * null (reads); it is sent unchanged on every attempt.
   */
  public ApiResponse send(String method, String path, JsonNode body, String idempotencyKey)
      throws ApiException {
    if (idempotencyKey != null && !IdempotencyKeys.isValid(idempotencyKey)) {
      throw ApiException.local(
          "Invalid idempotency key", "expected 1-64 chars of [A-Za-z0-9_-]", ExitCodes.USAGE);
    }
    String bodyText = body == null ? null : Json.write(body);
    long start = System.nanoTime();
    long deadline = start + settings.deadline().toNanos();
    int n = servers.size();
    int maxAttempts = settings.maxAttempts() > 0 ? settings.maxAttempts() : 3 * n;
    List<String> failures = new ArrayList<>();
    int index = current.get();
    int attempts = 0;
    Duration retryAfter = Duration.ZERO;
    while (true) {
      HostPort server = servers.get(index);
      attempts++;
      long remaining = deadline - System.nanoTime();
      Duration timeout = Duration.ofNanos(
          Math.max(Duration.ofMillis(1).toNanos(),
              Math.min(remaining, settings.requestTimeout().toNanos())));
      try {
        HttpRequest request = build(server, method, path, bodyText, idempotencyKey, timeout);
        HttpResponse<String> response =
            http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        int status = response.statusCode();
        String text = response.body() == null ? "" : response.body();
        if (status == 503) {
          ApiException problem = ApiException.fromResponse(status, text, Json.parseOrNull(text));
          failures.add(server + ": HTTP 503 " + problem.getMessage());
          retryAfter = max(retryAfter, parseRetryAfter(response));
        } else {
          current.set(index);
          JsonNode json = Json.parseOrNull(text);
          if (status >= 400) {
            throw ApiException.fromResponse(status, text, json);
          }
          if (json == null) {
            throw ApiException.local(
                "Malformed response", server + " answered " + status + " with a body that is"
                    + " not JSON", ExitCodes.ERROR);
          }
          return new ApiResponse(status, text, json, server.toString());
        }
      } catch (HttpConnectTimeoutException e) {
        failures.add(server + ": connect timed out");
      } catch (HttpTimeoutException e) {
        failures.add(server + ": no response within " + timeout.toMillis() + " ms");
      } catch (IOException e) {
        failures.add(server + ": " + describe(e));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw ApiException.unavailable("interrupted");
      } catch (IllegalArgumentException e) {
        throw ApiException.local("Invalid request", e.getMessage(), ExitCodes.USAGE);
      }
      long now = System.nanoTime();
      if (attempts >= maxAttempts || now >= deadline) {
        throw ApiException.unavailable(
            "no " + what + " answered after " + attempts + " attempt(s) in "
                + Duration.ofNanos(now - start).toMillis() + " ms; tried: "
                + summarize(failures));
      }
      index = (index + 1) % n;
      if (attempts % n == 0) {
        int round = attempts / n;
        long backoff = settings.backoffBase().toNanos() << Math.min(round - 1, 20);
        backoff = Math.min(backoff, settings.backoffMax().toNanos());
        backoff = Math.max(backoff, Math.min(retryAfter.toNanos(), 4 * settings.backoffMax()
            .toNanos()));
        backoff = Math.min(backoff, deadline - now);
        retryAfter = Duration.ZERO;
        if (backoff > 0) {
          try {
            Thread.sleep(backoff / 1_000_000, (int) (backoff % 1_000_000));
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiException.unavailable("interrupted");
          }
        }
      }
    }
  }

  private HttpRequest build(
      HostPort server, String method, String path, String body, String key, Duration timeout) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://" + server + path))
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
    String token = bearerToken;
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return b.build();
  }

  private static Duration parseRetryAfter(HttpResponse<?> response) {
    return response.headers().firstValue("Retry-After").map(v -> {
      try {
        return Duration.ofSeconds(Math.max(0, Long.parseLong(v.strip())));
      } catch (NumberFormatException e) {
        return Duration.ZERO; // HTTP-date form: ignored, the normal back-off applies
      }
    }).orElse(Duration.ZERO);
  }

  /** Joins failure messages, counting repeats: {@code a:1: connection refused (x3)}. */
  private static String summarize(List<String> failures) {
    java.util.Map<String, Integer> counts = new java.util.LinkedHashMap<>();
    failures.forEach(f -> counts.merge(f, 1, Integer::sum));
    List<String> parts = new ArrayList<>();
    counts.forEach((f, c) -> parts.add(c == 1 ? f : f + " (x" + c + ")"));
    return String.join("; ", parts);
  }

  private static Duration max(Duration a, Duration b) {
    return a.compareTo(b) >= 0 ? a : b;
  }

  private static String describe(IOException e) {
    String name = e.getClass().getSimpleName();
    String msg = e.getMessage();
    if (e instanceof java.net.ConnectException) {
      return "connection refused";
    }
    return msg == null || msg.isBlank() ? name : name + " (" + msg + ")";
  }
}
