package dev.marketplace.postgres;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * One {@link LocalPostgres} per JVM, started on first use in a fresh temp folder and stopped by the
 * JVM shutdown hook, for test suites: the test classes of a module share the server and each takes
 * a fresh database from {@link #newDatabase(String)}. Thread-safe.
 */
public final class SharedLocalPostgres {
  private static final AtomicInteger COUNTER = new AtomicInteger();
  private static LocalPostgres instance;

  private SharedLocalPostgres() {}

  /** The shared server, started on first call. */
  public static synchronized LocalPostgres get() {
    if (instance == null) {
      instance = LocalPostgres.startThrowaway("shared-pg-");
    }
    return instance;
  }

  /** Creates a new, empty database named {@code prefix_<n>} and returns its name. */
  public static String newDatabase(String prefix) {
    String name = prefix.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9_]", "_")
        + "_" + COUNTER.incrementAndGet();
    get().createDatabase(name);
    return name;
  }
}
