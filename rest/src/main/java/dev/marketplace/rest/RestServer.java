package dev.marketplace.rest;

import io.javalin.Javalin;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.javalin.router.Endpoint;
import io.javalin.router.ParsedEndpoint;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The common Javalin setup of both REST servers: problem+json for every error, a request body
 * limit, a request id per request ({@code X-Request-Id}, taken from the client when well formed),
 * one log line per request, Prometheus metrics ({@code GET /metrics}), {@code GET /health} and the
 * hand-written OpenAPI document ({@code GET /openapi.yaml}). The server adds its own routes.
 *
 * <p>Thread-safe once started; {@link #close()} stops it.
 */
public final class RestServer implements AutoCloseable {
  private static final Logger ACCESS = LoggerFactory.getLogger("access");
  private static final Pattern REQUEST_ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");
  private static final String REQUEST_ID_ATTR = "requestId";

  /** Settings of the HTTP side. Immutable. */
  public record Options(String host, int port, String openApiResource, long maxBodyBytes) {
    /** Default body limit: 64 KiB. */
    public static final long DEFAULT_MAX_BODY = 64 * 1024;
  }

  private final Javalin app;
  private final PrometheusMeterRegistry registry;
  private final JvmGcMetrics gcMetrics;

  private RestServer(Options options, HealthCheck health, Consumer<RoutesConfig> routes) {
    this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new JvmMemoryMetrics().bindTo(registry);
    this.gcMetrics = new JvmGcMetrics();
    gcMetrics.bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    String openApi = readResource(options.openApiResource());

    this.app = Javalin.create(cfg -> {
      cfg.startup.showJavalinBanner = false;
      cfg.http.maxRequestSize = options.maxBodyBytes();
      cfg.http.prefer405over404 = true;
      cfg.router.ignoreTrailingSlashes = false;
      ErrorMapping.install(cfg);
      cfg.routes.before(ctx -> {
        String given = ctx.header("X-Request-Id");
        String id = given != null && REQUEST_ID.matcher(given).matches()
            ? given : UUID.randomUUID().toString();
        ctx.attribute(REQUEST_ID_ATTR, id);
        ctx.header("X-Request-Id", id);
      });
      cfg.requestLogger.http(this::logRequest);
      cfg.routes.get("/health", ctx -> {
        HealthCheck.Result r = health.check();
        if (!r.up()) {
          ctx.header("Retry-After", "1");
        }
        Json.respond(ctx, r.up() ? 200 : 503, r.body());
      });
      cfg.routes.get("/metrics", ctx -> {
        ctx.contentType("text/plain; version=0.0.4; charset=utf-8");
        ctx.result(registry.scrape());
      });
      cfg.routes.get("/openapi.yaml", ctx -> {
        ctx.contentType("application/yaml");
        ctx.result(openApi);
      });
      routes.accept(cfg.routes);
    });
    app.start(options.host(), options.port());
  }

  /** Builds and starts a server. */
  public static RestServer start(Options options, HealthCheck health,
      Consumer<RoutesConfig> routes) {
    return new RestServer(options, health, routes);
  }

  /** The bound port (useful with port 0). */
  public int port() {
    return app.port();
  }

  /** The metrics registry (for tests and extra meters). */
  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** Every registered HTTP route as {@code "METHOD path"} (for the OpenAPI check). */
  public List<String> routes() {
    List<String> out = new ArrayList<>();
    for (ParsedEndpoint pe : app.unsafe.internalRouter.allHttpHandlers()) {
      Endpoint e = pe.endpoint;
      if (e.method.isHttpMethod() && e.method != HandlerType.HEAD
          && e.method != HandlerType.OPTIONS) {
        out.add(e.method + " " + e.path);
      }
    }
    return out;
  }

  /** The request id of a request (set for every request before any handler). */
  public static String requestId(Context ctx) {
    String id = ctx.attribute(REQUEST_ID_ATTR);
    return id == null ? "-" : id;
  }

  private void logRequest(Context ctx, Float ms) {
    Endpoint matched = ctx.endpoints().matchedHttpEndpoint();
    String route = matched == null ? "unmatched" : matched.path;
    int status = ctx.statusCode();
    Timer.builder("http.server.requests")
        .description("HTTP requests by method, route template and status")
        .tag("method", ctx.method().toString())
        .tag("route", route)
        .tag("status", Integer.toString(status))
        .register(registry)
        .record((long) (ms * 1_000_000L), TimeUnit.NANOSECONDS);
    ACCESS.info("{} {} {} {}ms rid={}", ctx.method(), ctx.path(), status,
        String.format("%.1f", ms), requestId(ctx));
  }

  private static String readResource(String name) {
    try (InputStream in = RestServer.class.getClassLoader().getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + name);
      }
      return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    app.stop();
    gcMetrics.close();
    registry.close();
  }
}
