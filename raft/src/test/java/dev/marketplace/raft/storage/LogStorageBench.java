package dev.marketplace.raft.storage;

import dev.marketplace.raft.LogEntry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Throughput of {@link SegmentedLogStorage} with group commit: for batch sizes 1, 8, 32 and 128
 * of ~100-byte entries, appends one batch then syncs (one fsync), repeatedly, and prints appends/s
 * and fsyncs/s (median of 3 runs). A manual tool, not a test: no assertion on speed.
 *
 * <p>Run: {@code mvn -q -o -pl raft test-compile exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=dev.marketplace.raft.storage.LogStorageBench [-Dexec.args="DIR SECONDS"]}.
 * DIR defaults to a temp directory (put it on the disk you care about), SECONDS per run to 2.
 */
public final class LogStorageBench {
  private LogStorageBench() {}

  public static void main(String[] args) throws Exception {
    Path base = args.length > 0 ? Path.of(args[0]) : Files.createTempDirectory("logbench");
    double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 2.0;
    int[] batches = {1, 8, 32, 128};
    System.out.printf("SegmentedLogStorage group commit, 100-byte entries, %s, %.1fs/run%n",
        base, seconds);
    System.out.printf("%8s %14s %12s %14s%n", "batch", "appends/s", "fsyncs/s", "us/sync");
    for (int batch : batches) {
      double[][] runs = new double[3][];
      for (int r = 0; r < 3; r++) {
        Path d = Files.createTempDirectory(base, "b" + batch + "r" + r);
        runs[r] = run(d, batch, seconds);
        deleteTree(d);
      }
      Arrays.sort(runs, Comparator.comparingDouble(x -> x[0]));
      double[] m = runs[1];
      System.out.printf("%8d %14.0f %12.0f %14.1f%n", batch, m[0], m[1], 1e6 / m[1]);
    }
    recovery(Files.createTempDirectory(base, "recovery"));
    if (args.length == 0) deleteTree(base);
  }

  /** Time to reopen (scan and verify) a log of 1M 100-byte entries, ~118 MiB in 2 segments. */
  private static void recovery(Path dir) throws IOException {
    byte[] data = new byte[100];
    int n = 1_000_000;
    try (SegmentedLogStorage s = new SegmentedLogStorage(dir)) {
      for (int i = 1; i <= n; i += 1000) {
        List<LogEntry> es = new ArrayList<>(1000);
        for (int k = 0; k < 1000; k++) es.add(new LogEntry(i + k, 1, data));
        s.append(es);
      }
      s.sync();
    }
    long[] ms = new long[3];
    for (int r = 0; r < 3; r++) {
      long t0 = System.nanoTime();
      try (SegmentedLogStorage s = new SegmentedLogStorage(dir)) {
        if (s.lastIndex() != n) throw new IllegalStateException("lost entries: " + s.lastIndex());
      }
      ms[r] = (System.nanoTime() - t0) / 1_000_000;
    }
    Arrays.sort(ms);
    System.out.printf("reopen (scan + CRC of %d entries, %d MiB): median %d ms%n",
        n, (long) n * (Frame.HEADER + 100) >> 20, ms[1]);
    deleteTree(dir);
  }

  /** Returns {appends/s, fsyncs/s}. */
  private static double[] run(Path dir, int batch, double seconds) throws IOException {
    byte[] data = new byte[100];
    try (SegmentedLogStorage s = new SegmentedLogStorage(dir)) {
      long next = 1;
      long syncs = 0;
      long start = System.nanoTime();
      long deadline = start + (long) (seconds * 1e9);
      long now;
      do {
        List<LogEntry> es = new ArrayList<>(batch);
        for (int k = 0; k < batch; k++) es.add(new LogEntry(next + k, 1, data));
        s.append(es);
        s.sync();
        next += batch;
        syncs++;
        now = System.nanoTime();
      } while (now < deadline);
      double secs = (now - start) / 1e9;
      return new double[] {(next - 1) / secs, syncs / secs};
    }
  }

  private static void deleteTree(Path d) throws IOException {
    try (Stream<Path> st = Files.walk(d)) {
      for (Path p : st.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
    }
  }
}
