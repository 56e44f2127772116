package dev.marketplace.customerdb;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * Slow salted password hashes: PBKDF2WithHmacSHA256 (JDK), 16-byte random salt, 256-bit output,
 * stored as {@code pbkdf2$<iterations>$<salt b64>$<hash b64>}. Verification reads the iterations
 * from the stored value, so changing the setting keeps old hashes valid. Thread-safe.
 */
public final class PasswordHasher {
  private final int iterations;
  private final SecureRandom random = new SecureRandom();
  private final String dummy;

  public PasswordHasher(int iterations) {
    if (iterations < 1) {
      throw new IllegalArgumentException("iterations must be >= 1");
    }
    this.iterations = iterations;
    this.dummy = hash("dummy password for unknown users");
  }

  /** A new hash of {@code password} with a fresh salt. */
  public String hash(String password) {
    byte[] salt = new byte[16];
    random.nextBytes(salt);
    Base64.Encoder b64 = Base64.getEncoder().withoutPadding();
    return "pbkdf2$" + iterations + "$" + b64.encodeToString(salt) + "$"
        + b64.encodeToString(derive(password, salt, iterations));
  }

  /** True when {@code password} matches {@code stored}; false for malformed stored values. */
  public boolean verify(String password, String stored) {
    String[] p = stored.split("\\$");
    if (p.length != 4 || !p[0].equals("pbkdf2")) {
      return false;
    }
    try {
      int iter = Integer.parseInt(p[1]);
      byte[] salt = Base64.getDecoder().decode(p[2]);
      byte[] want = Base64.getDecoder().decode(p[3]);
      return iter > 0 && MessageDigest.isEqual(want, derive(password, salt, iter));
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /** Spends the same time as a real check, for unknown usernames (no timing oracle). */
  public void verifyDummy(String password) {
    verify(password, dummy);
  }

  private static byte[] derive(String password, byte[] salt, int iterations) {
    PBEKeySpec spec = new PBEKeySpec(password.toCharArray(), salt, iterations, 256);
    try {
      return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec)
          .getEncoded();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("PBKDF2WithHmacSHA256 unavailable", e);
    } finally {
      spec.clearPassword();
    }
  }
}
