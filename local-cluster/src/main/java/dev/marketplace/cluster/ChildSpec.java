package dev.marketplace.cluster;

import java.net.URI;
import java.util.List;

/**
 * One process the local cluster runs: a name (also its log file's name), the main class started in
 * its own JVM with the launcher's class path, its arguments, and the URL that answers 200 when it
 * is ready (null for processes whose readiness is seen through another one's health check).
 * Immutable.
 */
public record ChildSpec(String name, String mainClass, List<String> args, URI readyUrl) {
  public ChildSpec {
    args = List.copyOf(args);
  }
}
