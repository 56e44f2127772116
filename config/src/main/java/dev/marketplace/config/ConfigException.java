package dev.marketplace.config;

/**
 * A configuration value is missing or malformed. The message names the variable or option so the
 * process can stop at start with a message a user can act on. Immutable.
 */
public final class ConfigException extends RuntimeException {
  public ConfigException(String message) {
    super(message);
  }
}
