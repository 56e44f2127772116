package dev.marketplace.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs each {@link ChildSpec} as its own JVM and restarts it when it exits, with a backoff that
 * grows while it keeps crashing soon after start (1 s doubling to 30 s) and resets once it has
 * stayed up for a minute. Output goes to {@code <logDir>/<name>.log}; each child's pid is written
 * to {@code <pidDir>/<name>.pid} so that {@code stop} can clean up even after the supervisor itself
 * was killed.
 *
 * <p>Thread-safe: one monitor thread per child; {@link #close()} may be called from any thread
 * (e.g. a shutdown hook) and stops every child (SIGTERM, then SIGKILL after a grace period).
 */
public final class Supervisor implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Supervisor.class);
  private static final Duration STABLE = Duration.ofMinutes(1);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

  private final List<String> javaCommand;
  private final Path logDir;
  private final Path pidDir;
  private final Map<String, Child> children = new LinkedHashMap<>();
  private volatile boolean closing;

  /**
   * @param javaCommand the command that starts a JVM with the right class path, up to (not
   *     including) the main class, e.g. {@code [java, -cp, ..., -Xmx384m]}
   */
  public Supervisor(List<String> javaCommand, Path logDir, Path pidDir) throws IOException {
    this.javaCommand = List.copyOf(javaCommand);
    this.logDir = Files.createDirectories(logDir);
    this.pidDir = Files.createDirectories(pidDir);
  }

  /** Starts a child and keeps it running until {@link #close()}. */
  public synchronized void start(ChildSpec spec) {
    if (closing) {
      throw new IllegalStateException("supervisor is closing");
    }
    Child child = new Child(spec);
    children.put(spec.name(), child);
    Thread monitor = new Thread(child::run, "supervise-" + spec.name());
    monitor.setDaemon(true);
    monitor.start();
  }

  /** Restarts so far of the named child (for status output and tests). */
  public synchronized int restarts(String name) {
    Child c = children.get(name);
    return c == null ? 0 : c.restarts;
  }

  /** The live process of the named child, if running. */
  public synchronized ProcessHandle process(String name) {
    Child c = children.get(name);
    return c == null || c.process == null ? null : c.process.toHandle();
  }

  @Override
  public void close() {
    List<Child> all;
    synchronized (this) {
      closing = true;
      all = new ArrayList<>(children.values());
    }
    // Stop in reverse start order: front-ends first, databases last.
    java.util.Collections.reverse(all);
    for (Child c : all) {
      c.terminate();
    }
    for (Child c : all) {
      c.awaitOrKill(Duration.ofSeconds(15));
    }
  }

  private final class Child {
    final ChildSpec spec;
    volatile Process process;
    volatile int restarts;

    Child(ChildSpec spec) {
      this.spec = spec;
    }

    void run() {
      Duration backoff = Duration.ofSeconds(1);
      while (!closing) {
        long started = System.nanoTime();
        try {
          List<String> cmd = new ArrayList<>(javaCommand);
          cmd.add("-DPROCESS_NAME=" + spec.name()); // names the process in every log line
          cmd.add(spec.mainClass());
          cmd.addAll(spec.args());
          ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
          pb.redirectOutput(ProcessBuilder.Redirect.appendTo(logDir.resolve(spec.name() + ".log").toFile()));
          synchronized (Supervisor.this) {
            if (closing) {
              return;
            }
            process = pb.start();
          }
          Files.writeString(pidDir.resolve(spec.name() + ".pid"), Long.toString(process.pid()));
          log.info("started {} (pid {})", spec.name(), process.pid());
          int code = process.waitFor();
          if (closing) {
            return;
          }
          restarts++;
          log.warn("{} exited with code {}; restart #{} in {} ms", spec.name(), code, restarts, backoff.toMillis());
        } catch (IOException e) {
          log.error("cannot start {}: {}", spec.name(), e.getMessage());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
        boolean stable = System.nanoTime() - started > STABLE.toNanos();
        backoff = stable ? Duration.ofSeconds(1) : backoff;
        sleepQuietly(backoff);
        backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
      }
    }

    void terminate() {
      Process p = process;
      if (p != null && p.isAlive()) {
        p.destroy();
      }
    }

    void awaitOrKill(Duration grace) {
      Process p = process;
      if (p == null) {
        return;
      }
      try {
        if (!p.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
          log.warn("{} did not stop in {} s; killing it", spec.name(), grace.toSeconds());
          p.descendants().forEach(ProcessHandle::destroyForcibly);
          p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      try {
        Files.deleteIfExists(pidDir.resolve(spec.name() + ".pid"));
      } catch (IOException ignored) {
        // best effort: a stale pid file is checked against the live process before use
      }
    }
  }

  // The restart backoff is a real pause between attempts (not synchronization): a timed wait that
  // close() cuts short by interrupting nothing — closing is checked right after.
  private static void sleepQuietly(Duration d) {
    try {
      TimeUnit.MILLISECONDS.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
