package dev.marketplace.rest;

import dev.marketplace.proto.Role;
import dev.marketplace.proto.customer.AuthInfo;
import dev.marketplace.proto.customer.CustomerDbGrpc.CustomerDbBlockingStub;
import dev.marketplace.proto.customer.TokenRequest;
import io.javalin.http.Context;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Bearer-token authentication through {@code CustomerDb.Authenticate}, checked against the role
 * the server serves (a buyer token on the seller server is 401). A missing, malformed, unknown or
 * expired token is 401 with {@code WWW-Authenticate: Bearer}. Thread-safe.
 */
public final class BearerAuth {
  private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9_\\-.~+/=]{1,512}");

  private final ReplicaSet<CustomerDbBlockingStub> customers;
  private final Role role;

  public BearerAuth(ReplicaSet<CustomerDbBlockingStub> customers, Role role) {
    this.customers = customers;
    this.role = role;
  }

  /** The role this server serves. */
  public Role role() {
    return role;
  }

  /** The token of the request, or 401. */
  public static String token(Context ctx) {
    String header = ctx.header("Authorization");
    if (header == null || header.isBlank()) {
      throw new ProblemException(Problem.unauthorized("missing Authorization: Bearer <token>"));
    }
    String[] parts = header.strip().split("\\s+", 2);
    if (parts.length != 2 || !parts[0].equalsIgnoreCase("Bearer")
        || !TOKEN.matcher(parts[1]).matches()) {
      throw new ProblemException(Problem.unauthorized(
          "the Authorization header must be \"Bearer <token>\""));
    }
    return parts[1];
  }

  /** Authenticates the request (refreshing the session), or 401. */
  public Authenticated require(Context ctx) {
    String token = token(ctx);
    AuthInfo info = customers.call("Authenticate", s -> s.authenticate(
        TokenRequest.newBuilder().setToken(token).setRole(role).build()));
    if (info.getRole() != role) {
      throw new ProblemException(Problem.unauthorized("the token is not a "
          + role.name().toLowerCase(java.util.Locale.ROOT) + " session"));
    }
    return new Authenticated(token, info.getAccountId());
  }

  /** Authenticates when an Authorization header is present (bad tokens are still 401). */
  public Optional<Authenticated> optional(Context ctx) {
    if (ctx.header("Authorization") == null) {
      return Optional.empty();
    }
    return Optional.of(require(ctx));
  }

  /** An authenticated caller: its token and account id. Immutable. */
  public record Authenticated(String token, long accountId) {}
}
