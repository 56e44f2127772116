package dev.marketplace.rest;

import dev.marketplace.proto.Role;
import dev.marketplace.proto.customer.Account;
import dev.marketplace.proto.customer.CreateAccountRequest;
import dev.marketplace.proto.customer.CustomerDbGrpc.CustomerDbBlockingStub;
import dev.marketplace.proto.customer.LoginRequest;
import dev.marketplace.proto.customer.Session;
import dev.marketplace.proto.customer.TokenRequest;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The account and session endpoints both REST servers share, for one role: create an account
 * ({@code POST /sellers} or {@code /buyers}), log in ({@code POST /sessions}: {@code {token,
 * sellerId|buyerId, expiresInSeconds}}) and log out ({@code DELETE /sessions/current}).
 * Thread-safe (stateless apart from the replica set).
 */
public final class AccountEndpoints {
  /** {@code {id, username, name}}. */
  public record AccountView(long id, String username, String name) {}

  private final ReplicaSet<CustomerDbBlockingStub> customers;
  private final Role role;
  private final String keyRole;
  private final String idField;

  /** @param role SELLER or BUYER; the session body names the id {@code sellerId} or {@code buyerId} */
  public AccountEndpoints(ReplicaSet<CustomerDbBlockingStub> customers, Role role) {
    if (role != Role.SELLER && role != Role.BUYER) {
      throw new IllegalArgumentException("role must be SELLER or BUYER: " + role);
    }
    this.customers = customers;
    this.role = role;
    this.keyRole = role == Role.SELLER ? "seller" : "buyer";
    this.idField = keyRole + "Id";
  }

  /** {@code POST /sellers} or {@code POST /buyers}: 201 {@link AccountView}. */
  public void createAccount(Context ctx) {
    JsonBody b = JsonBody.read(ctx, "username", "password", "name");
    String username = b.string("username", 1, 32);
    String password = b.string("password", 6, 128);
    String name = b.string("name", 1, 32);
    b.validate();
    String key = IdempotencyKeys.forRequest(ctx, keyRole, null).step("create");
    CreateAccountRequest request = CreateAccountRequest.newBuilder().setUsername(username)
        .setPassword(password).setName(name).setIdempotencyKey(key).build();
    Account a = role == Role.SELLER
        ? customers.call("CreateSeller", c -> c.createSeller(request))
        : customers.call("CreateBuyer", c -> c.createBuyer(request));
    Json.respond(ctx, 201, new AccountView(a.getId(), a.getUsername(), a.getName()));
  }

  /** {@code POST /sessions}: 201 {@code {token, sellerId|buyerId, expiresInSeconds}}. */
  public void login(Context ctx) {
    JsonBody b = JsonBody.read(ctx, "username", "password");
    String username = b.string("username", 1, 32);
    String password = b.string("password", 1, 128);
    b.validate();
    String key = IdempotencyKeys.forRequest(ctx, keyRole, null).step("login");
    Session s = customers.call("Login", c -> c.login(LoginRequest.newBuilder().setRole(role)
        .setUsername(username).setPassword(password).setIdempotencyKey(key).build()));
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("token", s.getToken());
    body.put(idField, s.getAccountId());
    body.put("expiresInSeconds", s.getExpiresInSeconds());
    Json.respond(ctx, 201, body);
  }

  /** {@code DELETE /sessions/current}: 204 (also for an unknown token: logout is idempotent). */
  public void logout(Context ctx) {
    String token = BearerAuth.token(ctx);
    String key = IdempotencyKeys.forRequest(ctx, keyRole, null).step("logout");
    customers.call("Logout", c -> c.logout(TokenRequest.newBuilder().setToken(token)
        .setRole(role).setIdempotencyKey(key).build()));
    ctx.status(204);
  }
}
