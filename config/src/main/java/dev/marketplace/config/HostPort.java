package dev.marketplace.config;

import java.util.ArrayList;
import java.util.List;

/**
 * A {@code host:port} endpoint, as used in every address list of the configuration (for example
 * {@code SELLER_SERVERS=127.0.0.1:8081,127.0.0.1:8082}). Immutable.
 */
public record HostPort(String host, int port) {
  public HostPort {
    if (host == null || host.isBlank()) {
      throw new ConfigException("empty host");
    }
    if (port < 0 || port > 65535) {
      throw new ConfigException("port out of range 0-65535: " + port);
    }
  }

  /** Parses {@code host:port} (IPv6 as {@code [::1]:port}); {@code what} names the variable in errors. */
  public static HostPort parse(String what, String text) {
    String s = text == null ? "" : text.strip();
    int colon = s.lastIndexOf(':');
    if (colon <= 0 || colon == s.length() - 1) {
      throw new ConfigException(what + ": expected host:port, got '" + text + "'");
    }
    String host = s.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(s.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new ConfigException(what + ": port is not a number in '" + text + "'");
    }
    try {
      return new HostPort(host, port);
    } catch (ConfigException e) {
      throw new ConfigException(what + ": " + e.getMessage() + " in '" + text + "'");
    }
  }

  /** Parses a comma-separated, non-empty list of {@code host:port}. */
  public static List<HostPort> parseList(String what, String text) {
    List<HostPort> result = new ArrayList<>();
    if (text != null) {
      for (String part : text.split(",")) {
        if (!part.isBlank()) {
          result.add(parse(what, part));
        }
      }
    }
    if (result.isEmpty()) {
      throw new ConfigException(what + ": expected a comma-separated list of host:port, got '" + text + "'");
    }
    return List.copyOf(result);
  }

  /** Formats a list back to {@code host:port,host:port}. */
  public static String format(List<HostPort> list) {
    return String.join(",", list.stream().map(HostPort::toString).toList());
  }

  @Override
  public String toString() {
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }
}
