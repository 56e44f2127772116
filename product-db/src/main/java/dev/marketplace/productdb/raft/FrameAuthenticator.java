package dev.marketplace.productdb.raft;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * HMAC-SHA256 of Raft peer frames under the cluster key: {@code mac = HMAC(key, int32 from ||
 * message)}. Thread-safe (one {@link Mac} per thread).
 */
public final class FrameAuthenticator {
  /** The key used when none is configured; fine on a laptop, never in a shared network. */
  public static final String DEVELOPMENT_KEY = "marketplace-development-cluster-key";
  /** Length of a MAC in bytes. */
  public static final int MAC_BYTES = 32;

  private final SecretKeySpec key;
  private final ThreadLocal<Mac> macs;

  /**
   * @param clusterKey the shared secret, at least 16 characters
   * @throws IllegalArgumentException when the key is too short
   */
  public FrameAuthenticator(String clusterKey) {
    if (clusterKey == null || clusterKey.length() < 16) {
      throw new IllegalArgumentException("cluster key must be at least 16 characters");
    }
    this.key = new SecretKeySpec(clusterKey.getBytes(StandardCharsets.UTF_8), "HmacSHA256");
    this.macs = ThreadLocal.withInitial(() -> {
      try {
        Mac m = Mac.getInstance("HmacSHA256");
        m.init(key);
        return m;
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("HmacSHA256 unavailable", e);
      }
    });
  }

  /** The MAC of one frame. */
  public byte[] sign(int from, byte[] message) {
    Mac m = macs.get();
    m.update((byte) (from >>> 24));
    m.update((byte) (from >>> 16));
    m.update((byte) (from >>> 8));
    m.update((byte) from);
    m.update(message);
    return m.doFinal();
  }

  /** Whether {@code mac} is the MAC of the frame (constant-time comparison). */
  public boolean verify(int from, byte[] message, byte[] mac) {
    if (mac == null || mac.length != MAC_BYTES) return false;
    return MessageDigest.isEqual(sign(from, message), mac);
  }
}
