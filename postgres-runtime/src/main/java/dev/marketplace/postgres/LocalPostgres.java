package dev.marketplace.postgres;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real PostgreSQL server started from this machine's binaries, for tests and the local cluster.
 *
 * <p>{@link #start(Path, int)} runs {@code initdb} into the data folder when it is empty (superuser
 * {@code postgres}, trust authentication, UTF8, locale C), then {@code pg_ctl start} on 127.0.0.1
 * with the unix socket inside the data folder, {@code synchronous_commit=off},
 * {@code max_connections=200} and a small {@code shared_buffers}. When the data folder already has a
 * live server (its {@code postmaster.pid} names a running process), that server is reused.
 *
 * <p>PostgreSQL refuses to run as root. When this JVM runs as root (euid 0), the data folder is
 * chown'ed to the OS user {@code postgres} and every server binary runs through
 * {@code runuser -u postgres --}. If that user does not exist, or cannot reach the data folder (a
 * parent directory not searchable by others), start fails with a message saying what to do: we do
 * not silently move the data elsewhere.
 *
 * <p>{@link #stop()} ({@code pg_ctl stop -m fast}) leaves no server process behind, also when the
 * server was reattached; a JVM shutdown hook does the same if the owner forgets. Thread-safe.
 */
public final class LocalPostgres implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LocalPostgres.class);
  private static final Pattern DB_NAME = Pattern.compile("[a-z_][a-z0-9_]{0,62}");
  /** The database superuser created by initdb and used in JDBC URLs. */
  public static final String SUPERUSER = "postgres";
  /** The folders {@link #newTempDataDir} made in this JVM (deleted with their data folder). */
  private static final Set<Path> TEMP_PARENTS = ConcurrentHashMap.newKeySet();
  private static final String OS_USER = "postgres";

  private final Path binDir;
  private final Path dataDir;
  private final int port;
  private final boolean asRoot;
  private final boolean reattached;
  private final long pid;
  private final Thread shutdownHook;
  private boolean stopped;
  /** Guarded by this: a throwaway server's temp folder, deleted once the server is stopped. */
  private Path deleteWhenStopped;

  private LocalPostgres(
      Path binDir, Path dataDir, int port, boolean asRoot, boolean reattached, long pid) {
    this.binDir = binDir;
    this.dataDir = dataDir;
    this.port = port;
    this.asRoot = asRoot;
    this.reattached = reattached;
    this.pid = pid;
    this.shutdownHook = new Thread(this::stopQuietly, "local-postgres-stop-" + port);
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  /** Starts (or reattaches to) a server on a free port; see {@link #start(Path, int)}. */
  public static LocalPostgres start(Path dataDir) {
    return start(dataDir, 0);
  }

  /**
   * Starts a server whose data lives in {@code dataDir} (created and initialised when missing or
   * empty) on {@code port} (0 = a free port). If the folder has a live server, reuses it and its
   * port. Fails with {@link IllegalStateException} and an actionable message when no binaries are
   * found, when running as root without a {@code postgres} OS user, or when the server fails to
   * start (the message includes the tail of the server log).
   */
  public static LocalPostgres start(Path dataDir, int port) {
    Path bin = findBinDir();
    Path data = dataDir.toAbsolutePath().normalize();
    boolean root = isRoot();
    try {
      Optional<long[]> live = livePostmaster(data);
      if (live.isPresent()) {
        log.info("reusing PostgreSQL pid {} on port {} in {}", live.get()[0], live.get()[1], data);
        return new LocalPostgres(bin, data, (int) live.get()[1], root, true, live.get()[0]);
      }
      if (root) {
        requireOsUser();
      }
      Files.createDirectories(data);
      Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwx------"));
      if (root) {
        run(List.of("chown", "-R", OS_USER + ":", data.toString()), Duration.ofSeconds(60));
        ProcResult probe =
            run(asUser(List.of("test", "-w", data.toString())), Duration.ofSeconds(30));
        if (probe.exit != 0) {
          throw new IllegalStateException(
              "running as root, PostgreSQL must run as OS user '" + OS_USER + "', but that user "
                  + "cannot reach " + data + " (" + blockingParent(data) + "): make every parent "
                  + "directory searchable by others (chmod o+x), or use a data folder made by "
                  + "LocalPostgres.newTempDataDir()");
        }
      }
      boolean empty;
      try (Stream<Path> s = Files.list(data)) {
        empty = s.findAny().isEmpty();
      }
      if (empty) {
        List<String> initdb = new ArrayList<>(List.of(
            bin.resolve("initdb").toString(), "-D", data.toString(), "-U", SUPERUSER,
            "-A", "trust", "-E", "UTF8", "--locale=C"));
        ProcResult r = run(root ? asUser(initdb) : initdb, Duration.ofSeconds(120));
        if (r.exit != 0) {
          throw new IllegalStateException("initdb failed (exit " + r.exit + "): " + r.output);
        }
      } else if (!Files.exists(data.resolve("PG_VERSION"))) {
        throw new IllegalStateException(
            data + " is not empty and is not a PostgreSQL data folder (no PG_VERSION)");
      }
      int chosen = port == 0 ? freePort() : port;
      String opts = String.join(" ",
          "-p", Integer.toString(chosen),
          "-k", data.toString(),
          "-c", "listen_addresses=127.0.0.1",
          "-c", "synchronous_commit=off",
          "-c", "max_connections=200",
          "-c", "shared_buffers=32MB",
          "-c", "fsync=on");
      List<String> ctl = List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(),
          "-l", data.resolve("server.log").toString(), "-w", "-t", "60", "-o", opts, "start");
      ProcResult r = run(root ? asUser(ctl) : ctl, Duration.ofSeconds(90));
      if (r.exit != 0) {
        throw new IllegalStateException("pg_ctl start failed (exit " + r.exit + "): " + r.output
            + "\nserver.log tail:\n" + tail(data.resolve("server.log")));
      }
      long[] started = livePostmaster(data).orElseThrow(() -> new IllegalStateException(
          "pg_ctl reported success but no live postmaster.pid in " + data));
      log.info("started PostgreSQL pid {} on port {} in {}", started[0], chosen, data);
      return new LocalPostgres(bin, data, chosen, root, false, started[0]);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start PostgreSQL in " + data, e);
    }
  }

  /**
   * Starts a throwaway server (for tests and benchmarks) in a new temp data folder ({@link
   * #newTempDataDir}) and deletes that folder when the server is stopped, by {@link #stop()} or at
   * JVM exit: each run used to leave hundreds of megabytes in the temp folder.
   */
  public static LocalPostgres startThrowaway(String prefix) {
    Path data = newTempDataDir(prefix);
    LocalPostgres pg;
    try {
      pg = start(data);
    } catch (RuntimeException e) {
      deleteTree(data.getParent());
      throw e;
    }
    pg.deleteDataWhenStopped();
    return pg;
  }

  /**
   * Makes {@link #stop()} delete this server's data folder, and its parent when that is a folder
   * made by {@link #newTempDataDir}, once the server is gone. Irreversible: for throwaway data.
   */
  public synchronized void deleteDataWhenStopped() {
    Path parent = dataDir.getParent();
    deleteWhenStopped = parent != null && TEMP_PARENTS.contains(parent) ? parent : dataDir;
  }

  /** Deletes {@code root} and everything under it; logs (does not throw) what it cannot delete. */
  private static void deleteTree(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> all = Files.walk(root)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException | UncheckedIOException e) {
      log.warn("cannot delete the throwaway PostgreSQL folder {}: {}", root, e.toString());
    }
  }

  /**
   * A new, empty data folder path under the system temp folder whose parent is searchable by the
   * {@code postgres} OS user (mode 0755), for tests and throwaway clusters. The returned folder
   * itself does not exist yet; {@link #start} creates it.
   */
  public static Path newTempDataDir(String prefix) {
    try {
      Path parent = Files.createTempDirectory(prefix);
      Files.setPosixFilePermissions(parent, PosixFilePermissions.fromString("rwxr-xr-x"));
      TEMP_PARENTS.add(parent.toAbsolutePath().normalize());
      return parent.resolve("data");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a temp folder", e);
    }
  }

  private static String blockingParent(Path data) {
    for (Path p = data.getParent(); p != null; p = p.getParent()) {
      try {
        String perms = PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
        if (perms.charAt(8) != 'x') {
          return p + " has mode " + perms;
        }
      } catch (IOException e) {
        return "cannot read mode of " + p;
      }
    }
    return "check the folder's owner and modes";
  }

  /** The TCP port the server listens on (127.0.0.1). */
  public int port() {
    return port;
  }

  /** The data folder. */
  public Path dataDir() {
    return dataDir;
  }

  /** The postmaster's process id. */
  public long pid() {
    return pid;
  }

  /** True when {@link #start} found this server already running and reused it. */
  public boolean reattached() {
    return reattached;
  }

  /** The database superuser name to connect with (trust authentication: no password). */
  public String user() {
    return SUPERUSER;
  }

  /** The JDBC URL of database {@code db} on this server (connect as {@link #user()}). */
  public String jdbcUrl(String db) {
    return "jdbc:postgresql://127.0.0.1:" + port + "/" + db;
  }

  /**
   * Creates database {@code name} unless it exists. Names are restricted to
   * {@code [a-z_][a-z0-9_]*} (at most 63 chars) so they need no quoting.
   */
  public synchronized void createDatabase(String name) {
    if (!DB_NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("database name must match " + DB_NAME + ": " + name);
    }
    try (Connection c = DriverManager.getConnection(jdbcUrl("postgres"), SUPERUSER, "")) {
      try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
        ps.setString(1, name);
        try (ResultSet rs = ps.executeQuery()) {
          if (rs.next()) {
            return;
          }
        }
      }
      try (Statement st = c.createStatement()) {
        // The name is validated above; CREATE DATABASE takes no bind parameters.
        st.execute("CREATE DATABASE " + name);
      }
    } catch (SQLException e) {
      if ("42P04".equals(e.getSQLState())) {
        return; // created concurrently by someone else
      }
      throw new IllegalStateException("cannot create database " + name + ": " + e.getMessage(), e);
    }
  }

  /** Stops the server ({@code pg_ctl stop -m fast}) and waits until its process is gone. */
  public synchronized void stop() {
    if (stopped) {
      return;
    }
    stopped = true;
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException e) {
      // already shutting down
    }
    List<String> ctl = List.of(bin("pg_ctl"), "-D", dataDir.toString(), "-m", "fast", "-w",
        "-t", "60", "stop");
    try {
      ProcResult r = run(asRoot ? asUser(ctl) : ctl, Duration.ofSeconds(90));
      if (r.exit != 0) {
        log.warn("pg_ctl stop failed (exit {}): {}", r.exit, r.output);
      }
    } catch (IOException e) {
      log.warn("pg_ctl stop failed", e);
    }
    Optional<ProcessHandle> ph = ProcessHandle.of(pid);
    if (ph.isPresent() && ph.get().isAlive()) {
      log.warn("postmaster {} still alive after pg_ctl stop; sending SIGTERM", pid);
      ph.get().destroy();
      try {
        ph.get().onExit().get(30, TimeUnit.SECONDS);
      } catch (Exception e) {
        ph.get().destroyForcibly();
      }
    }
    if (deleteWhenStopped != null) {
      deleteTree(deleteWhenStopped);
    }
  }

  @Override
  public void close() {
    stop();
  }

  private void stopQuietly() {
    try {
      stop();
    } catch (RuntimeException e) {
      // best effort at JVM exit
    }
  }

  private String bin(String name) {
    return binDir.resolve(name).toString();
  }

  /**
   * The PostgreSQL server binaries: env {@code PG_BIN}, else the highest
   * {@code /usr/lib/postgresql/<version>/bin}, else {@code pg_config --bindir}.
   */
  public static Path findBinDir() {
    String env = System.getenv("PG_BIN");
    if (env != null && !env.isBlank()) {
      Path p = Path.of(env);
      if (!Files.isExecutable(p.resolve("initdb"))) {
        throw new IllegalStateException("PG_BIN=" + env + " has no executable initdb");
      }
      return p;
    }
    Path debian = Path.of("/usr/lib/postgresql");
    if (Files.isDirectory(debian)) {
      try (Stream<Path> s = Files.list(debian)) {
        Optional<Path> best = s.filter(p -> Files.isExecutable(p.resolve("bin/initdb")))
            .max(Comparator.comparingInt(LocalPostgres::versionOf));
        if (best.isPresent()) {
          return best.get().resolve("bin");
        }
      } catch (IOException e) {
        // fall through to pg_config
      }
    }
    try {
      ProcResult r = run(List.of("pg_config", "--bindir"), Duration.ofSeconds(20));
      Path p = Path.of(r.output.strip());
      if (r.exit == 0 && Files.isExecutable(p.resolve("initdb"))) {
        return p;
      }
    } catch (IOException e) {
      // no pg_config
    }
    throw new IllegalStateException("no PostgreSQL server binaries found: set PG_BIN to the folder "
        + "holding initdb/pg_ctl/postgres, or install them (apt-get install postgresql)");
  }

  private static int versionOf(Path p) {
    try {
      return Integer.parseInt(p.getFileName().toString().split("\\.")[0]);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** Returns {pid, port} of a live server of {@code data}, if any. */
  private static Optional<long[]> livePostmaster(Path data) throws IOException {
    Path pidFile = data.resolve("postmaster.pid");
    if (!Files.isReadable(pidFile)) {
      return Optional.empty();
    }
    List<String> lines = Files.readAllLines(pidFile, StandardCharsets.UTF_8);
    if (lines.size() < 4) {
      return Optional.empty();
    }
    try {
      long pid = Long.parseLong(lines.get(0).strip());
      int port = Integer.parseInt(lines.get(3).strip());
      Optional<ProcessHandle> ph = ProcessHandle.of(pid);
      if (ph.isPresent() && ph.get().isAlive()
          && ph.get().info().command().map(c -> c.endsWith("postgres")).orElse(true)) {
        return Optional.of(new long[] {pid, port});
      }
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
    return Optional.empty();
  }

  private static boolean isRoot() {
    try {
      return new com.sun.security.auth.module.UnixSystem().getUid() == 0;
    } catch (Throwable t) {
      return "root".equals(System.getProperty("user.name"));
    }
  }

  private static void requireOsUser() throws IOException {
    ProcResult r = run(List.of("id", "-u", OS_USER), Duration.ofSeconds(10));
    if (r.exit != 0) {
      throw new IllegalStateException("running as root: PostgreSQL refuses root and there is no "
          + "OS user '" + OS_USER + "' to run it as; create one (useradd --system " + OS_USER
          + ") or run as a normal user");
    }
  }

  private static List<String> asUser(List<String> cmd) {
    List<String> out = new ArrayList<>(Arrays.asList("runuser", "-u", OS_USER, "--"));
    out.addAll(cmd);
    return out;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    }
  }

  private static String tail(Path file) {
    try {
      List<String> lines = Files.readAllLines(file);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  private record ProcResult(int exit, String output) {}

  private static ProcResult run(List<String> cmd, Duration timeout) throws IOException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
    // pg_ctl start leaves the server holding no pipe of ours (-l redirects its output), so reading
    // to EOF terminates.
    byte[] out = p.getInputStream().readAllBytes();
    try {
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        throw new IOException("timed out: " + String.join(" ", cmd));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted: " + String.join(" ", cmd), e);
    }
    return new ProcResult(p.exitValue(), new String(out, StandardCharsets.UTF_8));
  }
}
