package dev.marketplace.raft.storage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.marketplace.raft.LogEntry;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a real writer process ({@link CrashChild}) with SIGKILL at a random moment, reopens its
 * directory and checks that every index the child printed as synced is present and intact. The
 * same directory is reused across rounds, so recovery after recovery is exercised too. {@code
 * -Dstorage.crashRounds=N} (default 3) runs more rounds; the seed is printed on failure.
 *
 * <p>A process kill keeps the OS page cache, so this proves the sync protocol and the recovery
 * scan under process death; it cannot prove power-loss durability (that rests on fsync).
 */
class SegmentedLogStorageCrashTest {
  @TempDir Path tmp;

  @Test
  void everyIndexReportedAsSyncedSurvivesAKill() throws Exception {
    int rounds = Integer.getInteger("storage.crashRounds", 3);
    long seed = Long.getLong("storage.seed", System.nanoTime());
    Random rnd = new Random(seed);
    Path dir = tmp.resolve("log");
    System.out.println("crash test seed=" + seed);
    long prevRecovered = 0;
    for (int round = 0; round < rounds; round++) {
      Path err = tmp.resolve("child-" + round + ".err");
      String ctx = "seed=" + seed + " round=" + round + " (child stderr: " + err + ")";
      Process p =
          new ProcessBuilder(
                  Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                  "-Xmx64m",
                  "-XX:TieredStopAtLevel=1",
                  "-cp",
                  System.getProperty("java.class.path"),
                  CrashChild.class.getName(),
                  dir.toString(),
                  Long.toString(rnd.nextLong()))
              .redirectError(err.toFile())
              .start();
      // Watchdog: a hung child must not hang the build.
      CompletableFuture.delayedExecutor(120, TimeUnit.SECONDS).execute(p::destroyForcibly);
      int killAfter = 1 + rnd.nextInt(400);
      long synced = -1;
      long syncedTerm = -1;
      long truncatedTo = Long.MAX_VALUE;
      long hsTerm = -1;
      int lines = 0;
      try (BufferedReader r =
          new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        String line = r.readLine();
        assertThat(line).as("child did not start; " + ctx).isNotNull().startsWith("opened ");
        assertThat(Long.parseLong(line.substring(7))).as(ctx).isEqualTo(prevRecovered);
        while ((line = r.readLine()) != null) {
          String[] f = line.split(" ");
          if (f[0].equals("truncate")) {
            // A suffix from here on may be gone (replaced by a newer term) after this line.
            truncatedTo = Math.min(truncatedTo, Long.parseLong(f[1]) - 1);
            continue;
          }
          truncatedTo = Long.MAX_VALUE;
          synced = Long.parseLong(f[1]);
          syncedTerm = Long.parseLong(f[2]);
          hsTerm = Long.parseLong(f[3]);
          // SIGKILL via the handle: unlike Process.destroyForcibly it leaves our end of the pipe
          // open, so the lines the child printed before dying are still read (all were synced).
          if (++lines == killAfter) p.toHandle().destroyForcibly();
        }
      }
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).as(ctx).isTrue();
      if (lines < killAfter) {
        throw new AssertionError(
            "child died before the kill; " + ctx + "\n" + Files.readString(err));
      }
      long mustHave = Math.min(synced, truncatedTo);
      try (SegmentedLogStorage s = new SegmentedLogStorage(dir, CrashChild.SEGMENT_BYTES)) {
        assertThat(s.lastIndex()).as(ctx).isGreaterThanOrEqualTo(mustHave);
        if (synced > s.snapshot().index() && synced <= s.lastIndex()) {
          // The last synced entry is there with its term, or a later leader's overwrite of it.
          assertThat(s.term(synced)).as(ctx).isGreaterThanOrEqualTo(syncedTerm);
        }
        assertThat(s.hardState().term()).as(ctx).isGreaterThanOrEqualTo(hsTerm);
        long snap = s.snapshot().index();
        if (snap > 0) {
          assertThat(s.snapshotData()).as(ctx).isEqualTo(CrashChild.snapshotData(snap));
        }
        long i = s.firstIndex();
        while (i <= s.lastIndex()) {
          List<LogEntry> got = s.entries(i, s.lastIndex() + 1, 1 << 20);
          for (LogEntry e : got) {
            assertThat(e)
                .as("entry %d; %s", e.index(), ctx)
                .isEqualTo(CrashChild.expected(e.index(), e.term()));
          }
          i += got.size();
        }
        System.out.printf(
            "crash round %d: killed after %d syncs, last synced %d, recovered %d..%d (last term"
                + " %d), %s%n",
            round, killAfter, synced, s.firstIndex(), s.lastIndex(), s.term(s.lastIndex()),
            s.recoveryReport());
        prevRecovered = s.lastIndex(); // the next round starts from what recovery kept
        assertThat(Files.exists(dir)).isTrue();
      }
    }
  }
}
