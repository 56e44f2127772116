package dev.marketplace.rest;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.javalin.http.HttpStatus;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns every failure into an {@code application/problem+json} response: {@link ProblemException}
 * as is, gRPC statuses of the databases by {@link #fromGrpc}, Javalin's own errors (unknown route,
 * wrong method, oversize body, ...) by {@link #fromHttp}, and anything unexpected into a 500 that
 * names only the request id (the stack trace goes to the log, never to the client). Stateless;
 * thread-safe.
 */
public final class ErrorMapping {
  private static final Logger LOG = LoggerFactory.getLogger(ErrorMapping.class);

  private ErrorMapping() {}

  /** Registers the exception handlers on a Javalin configuration. */
  public static void install(JavalinConfig cfg) {
    cfg.routes.exception(ProblemException.class, (e, ctx) -> render(ctx, e.problem()));
    cfg.routes.exception(StatusRuntimeException.class, (e, ctx) -> {
      Problem p = fromGrpc(e);
      if (p.status() == 500) {
        LOG.error("database call failed in {} {} (request {})", ctx.method(), ctx.path(),
            RestServer.requestId(ctx), e);
      }
      render(ctx, p);
    });
    cfg.routes.exception(HttpResponseException.class, (e, ctx) -> render(ctx, fromHttp(e, ctx)));
    cfg.routes.exception(Exception.class, (e, ctx) -> {
      LOG.error("unexpected failure in {} {} (request {})", ctx.method(), ctx.path(),
          RestServer.requestId(ctx), e);
      render(ctx, Problem.internal(RestServer.requestId(ctx)));
    });
    cfg.router.javaLangErrorHandler((res, error) -> {
      LOG.error("fatal error while handling a request", error);
      try {
        res.setStatus(500);
        res.setContentType(Problem.MEDIA_TYPE);
        res.getOutputStream().write(Json.write(Problem.of(500, "internal",
            "Internal server error", "unexpected error").body())
            .getBytes(StandardCharsets.UTF_8));
      } catch (java.io.IOException | RuntimeException ignored) {
        // the connection is gone; nothing more to do
      }
    });
  }

  /** Writes a problem response (status, headers, body). */
  public static void render(Context ctx, Problem p) {
    ctx.status(p.status());
    p.headers().forEach(ctx::header);
    ctx.contentType(Problem.MEDIA_TYPE);
    ctx.result(Json.write(p.body()));
  }

  /**
   * Maps a database status: INVALID_ARGUMENT/OUT_OF_RANGE 400, UNAUTHENTICATED 401,
   * PERMISSION_DENIED 403, NOT_FOUND 404, ALREADY_EXISTS/FAILED_PRECONDITION/ABORTED 409,
   * UNAVAILABLE/DEADLINE_EXCEEDED/RESOURCE_EXHAUSTED 503 with {@code Retry-After: 1}, anything
   * else 500 (without the database's message).
   */
  public static Problem fromGrpc(StatusRuntimeException e) {
    Status.Code code = e.getStatus().getCode();
    String desc = e.getStatus().getDescription();
    String detail = desc == null || desc.isBlank() ? code.toString() : desc;
    return switch (code) {
      case INVALID_ARGUMENT, OUT_OF_RANGE -> Problem.badRequest(detail);
      case UNAUTHENTICATED -> Problem.unauthorized(detail);
      case PERMISSION_DENIED -> Problem.forbidden(detail);
      case NOT_FOUND -> Problem.notFound(detail);
      case ALREADY_EXISTS, FAILED_PRECONDITION, ABORTED -> Problem.conflict(detail);
      case UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED -> Problem.unavailable(
          "the replicated store cannot answer right now (" + detail + "); retry");
      default -> Problem.of(500, "internal", "Internal server error",
          "database error " + code);
    };
  }

  /** Maps an error Javalin raised itself (404 no route, 405, 413, 415, 400, ...). */
  public static Problem fromHttp(HttpResponseException e, Context ctx) {
    int status = e.getStatus();
    return switch (status) {
      case 404 -> Problem.notFound("no route " + ctx.method() + " " + ctx.path());
      case 405 -> Problem.of(405, "method-not-allowed", "Method not allowed",
          ctx.method() + " is not allowed on " + ctx.path());
      case 413 -> Problem.of(413, "too-large", "Content too large",
          "the request body is larger than the limit");
      case 415 -> Problem.of(415, "unsupported-media-type", "Unsupported media type",
          "Content-Type must be application/json");
      case 400 -> Problem.badRequest(e.getMessage() == null ? "bad request" : e.getMessage());
      default -> {
        HttpStatus hs = HttpStatus.forStatus(status);
        String title = hs == HttpStatus.UNKNOWN ? "Error" : hs.getMessage();
        yield Problem.of(status, "http-" + status, title,
            e.getMessage() == null ? title : e.getMessage());
      }
    };
  }
}
