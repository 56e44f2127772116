package dev.marketplace.cli;

import java.security.SecureRandom;

/**
 * Generates {@code Idempotency-Key} values: 32 characters of {@code [A-Za-z0-9_-]} (192 random
 * bits), well inside the contract's 1-64 characters. Thread-safe.
 */
public final class IdempotencyKeys {
  private static final char[] ALPHABET =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-".toCharArray();
  private static final SecureRandom RANDOM = new SecureRandom();
  /** Length of a generated key. */
  public static final int LENGTH = 32;

  private IdempotencyKeys() {}

  /** A new random key. */
  public static String generate() {
    char[] key = new char[LENGTH];
    for (int i = 0; i < LENGTH; i++) {
      key[i] = ALPHABET[RANDOM.nextInt(ALPHABET.length)];
    }
    return new String(key);
  }

  /** Whether {@code key} is acceptable to the servers (1-64 chars of {@code [A-Za-z0-9_-]}). */
  public static boolean isValid(String key) {
    return key != null && key.matches("[A-Za-z0-9_-]{1,64}");
  }
}
