package dev.marketplace.rest;

import io.javalin.http.Context;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * Derives the idempotency keys the REST servers send to the databases. The servers keep no state,
 * so a client's {@code Idempotency-Key} is carried by the databases: every database write of a
 * request gets {@code <role>:<account-or-anon>:<client key>:<request hash>:<step>}, where the
 * request hash is the first 16 hex digits of SHA-256 over method, path and body. Consequences:
 *
 * <ul>
 *   <li>the same key with the same body (on any server replica) reproduces the same database
 *       keys, so the databases return the first results;</li>
 *   <li>the same key with a different body is a different operation (not an error);</li>
 *   <li>keys are scoped by role and account, so two users' keys never collide;</li>
 *   <li>without a header a random 128-bit key is used for the request, so the server's own gRPC
 *       retries across replicas are still safe but a client retry is a new operation.</li>
 * </ul>
 *
 * <p>The databases accept at most 80 characters of {@code [A-Za-z0-9_:-]}; a client key longer
 * than 24 characters is therefore replaced by {@code h} + 23 hex digits of its SHA-256.
 * Stateless; thread-safe.
 */
public final class IdempotencyKeys {
  /** The request header. */
  public static final String HEADER = "Idempotency-Key";

  private static final Pattern CLIENT_KEY = Pattern.compile("[A-Za-z0-9_-]{1,64}");
  private static final Pattern STEP = Pattern.compile("[a-z0-9-]{1,11}");
  private static final SecureRandom RANDOM = new SecureRandom();

  private IdempotencyKeys() {}

  /**
   * The keys of one request.
   *
   * @param base {@code role:account:client:hash}
   * @param fromClient whether the client sent an {@code Idempotency-Key}
   */
  public record RequestKeys(String base, boolean fromClient) {
    /** The database key of one write step of the request. */
    public String step(String step) {
      if (!STEP.matcher(step).matches()) {
        throw new IllegalArgumentException("bad step name " + step);
      }
      return base + ":" + step;
    }

    /**
     * An id derived from the request keys (e.g. a purchase id): deterministic when the client sent
     * a key, random otherwise. 32 hex digits after {@code prefix}.
     */
    public String derivedId(String prefix) {
      return prefix + sha256Hex("id:" + base).substring(0, 32);
    }
  }

  /**
   * Validates the header: absent is fine (null); present must be 1-64 chars of
   * {@code [A-Za-z0-9_-]}, else 400.
   */
  public static String clientKey(String headerValue) {
    if (headerValue == null) {
      return null;
    }
    if (!CLIENT_KEY.matcher(headerValue).matches()) {
      throw ProblemException.invalid(HEADER, "must be 1-64 characters of A-Z a-z 0-9 _ -");
    }
    return headerValue;
  }

  /** The keys of a request by {@code account} (null for anonymous) in {@code role}. */
  public static RequestKeys forRequest(Context ctx, String role, Long account) {
    return derive(role, account, clientKey(ctx.header(HEADER)), ctx.method().toString(),
        ctx.path(), ctx.bodyAsBytes());
  }

  /** The pure derivation behind {@link #forRequest} (for tests). */
  public static RequestKeys derive(String role, Long account, String clientKey, String method,
      String path, byte[] body) {
    String accountPart = account == null ? "anon" : Long.toString(account);
    String clientPart;
    if (clientKey == null) {
      byte[] random = new byte[16];
      RANDOM.nextBytes(random);
      clientPart = "r" + Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    } else if (clientKey.length() > 24) {
      clientPart = "h" + sha256Hex(clientKey).substring(0, 23);
    } else {
      clientPart = clientKey;
    }
    MessageDigest digest = sha256();
    digest.update((method + " " + path + "\n").getBytes(StandardCharsets.UTF_8));
    digest.update(body == null ? new byte[0] : body);
    String hash = HexFormat.of().formatHex(digest.digest()).substring(0, 16);
    return new RequestKeys(role + ":" + accountPart + ":" + clientPart + ":" + hash,
        clientKey != null);
  }

  static String sha256Hex(String s) {
    return HexFormat.of().formatHex(sha256().digest(s.getBytes(StandardCharsets.UTF_8)));
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
