package dev.marketplace.raft.storage;

import static dev.marketplace.raft.storage.LogStorageContractTest.entry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.marketplace.raft.HardState;
import dev.marketplace.raft.LogEntry;
import dev.marketplace.raft.SnapshotMeta;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tests only the file implementation has: recovery from damage, segment files, compaction. */
class SegmentedLogStorageTest {
  private static final int DATA = 100; // frame = 124 bytes
  private static final int SEGMENT = 1024; // 8 frames per segment

  @TempDir Path dir;
  /** Where a test keeps copies of segments (a JUnit folder: removed after the test). */
  @TempDir Path backupDir;

  private static List<LogEntry> entries(long from, long to, long term) {
    List<LogEntry> es = new ArrayList<>();
    for (long i = from; i < to; i++) es.add(entry(i, term, DATA));
    return es;
  }

  /** Writes entries [1, n) in one open segment (big segments), synced and closed. */
  private void writeSingleSegment(int n) throws IOException {
    try (SegmentedLogStorage s = new SegmentedLogStorage(dir)) {
      s.append(entries(1, n, 1));
      s.sync();
    }
  }

  private List<String> files() throws IOException {
    try (Stream<Path> st = Files.list(dir)) {
      return st.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("log_")).sorted()
          .toList();
    }
  }

  private Path openSegment() throws IOException {
    try (Stream<Path> st = Files.list(dir)) {
      return st.filter(p -> p.getFileName().toString().startsWith("log_inprogress_"))
          .findFirst()
          .orElseThrow();
    }
  }

  private static void assertHolds(SegmentedLogStorage s, long from, long to, long term) {
    assertThat(s.entries(from, to, Long.MAX_VALUE))
        .containsExactlyElementsOf(entries(from, to, term));
  }

  @Test
  void tornTailAtEveryByteOffsetOfTheLastEntryRecoversToThePreviousEntry() throws Exception {
    writeSingleSegment(6); // entries 1..5
    Path seg = openSegment();
    byte[] full = Files.readAllBytes(seg);
    int lastFrame = full.length - (Frame.HEADER + DATA);
    for (int cut = lastFrame; cut < full.length; cut++) {
      Files.write(seg, Arrays.copyOf(full, cut));
      try (SegmentedLogStorage s = new SegmentedLogStorage(dir)) {
        assertThat(s.lastIndex()).as("cut at %d", cut).isEqualTo(4);
        assertHolds(s, 1, 5, 1);
        RecoveryReport r = s.recoveryReport();
        if (cut == lastFrame) {
          assertThat(r.clean()).as("cut exactly at a frame boundary is clean").isTrue();
        } else {
          assertThat(r.truncations()).as("cut at %d", cut).hasSize(1);
          RecoveryReport.Truncation t = r.truncations().get(0);
          assertThat(t.firstBadOffset()).isEqualTo(lastFrame);
          assertThat(t.droppedBytes()).isEqualTo(cut - lastFrame);
          assertThat(t.lastValidIndex()).isEqualTo(4);
          assertThat(t.file()).isEqualTo(seg);
          assertThat(t.reason()).containsAnyOf("partial", "CRC", "zero");
        }
        assertThat(Files.size(seg)).isEqualTo(lastFrame);
        // The repaired log takes the lost entry again.
        s.append(List.of(entry(5, 1, DATA)));
        s.sync();
      }
      try (SegmentedLogStorage s = new SegmentedLogStorage(dir)) {
        assertThat(s.recoveryReport().clean()).isTrue();
        assertHolds(s, 1, 6, 1);
      }
    }
  }

  @Test
  void garbageAfterTheLastEntryIsCutAndReported() throws Exception {
    writeSingleSegment(6);
    Path seg = openSegment();
    long size = Files.size(seg);
    byte[] garbage = new byte[777];
    new Random(7).nextBytes(garbage);
    garbage[0] = 1; // not all zero
    Files.write(seg, garbage, StandardOpenOption.APPEND);
    try (SegmentedLogStorage s = new SegmentedLogStorage(dir)) {
      assertThat(s.lastIndex()).isEqualTo(5);
      assertHolds(s, 1, 6, 1);
      RecoveryReport.Truncation t = s.recoveryReport().truncations().get(0);
      assertThat(t.firstBadOffset()).isEqualTo(size);
      assertThat(t.droppedBytes()).isEqualTo(777);
      assertThat(t.reason()).isNotEqualTo("zero-filled tail");
      assertThat(s.recoveryReport().droppedBytes()).isEqualTo(777);
    }
  }

  @Test
  void zeroFilledTailIsCutAndNamedAsSuch() throws Exception {
    writeSingleSegment(6);
    Path seg = openSegment();
    long size = Files.size(seg);
    Files.write(seg, new byte[8192], StandardOpenOption.APPEND);
    try (SegmentedLogStorage s = new SegmentedLogStorage(dir)) {
      assertThat(s.lastIndex()).isEqualTo(5);
      RecoveryReport.Truncation t = s.recoveryReport().truncations().get(0);
      assertThat(t.reason()).isEqualTo("zero-filled tail");
      assertThat(t.firstBadOffset()).isEqualTo(size);
      assertThat(t.droppedBytes()).isEqualTo(8192);
    }
  }

  @Test
  void badCrcInTheLastEntryDropsOnlyThatEntry() throws Exception {
    writeSingleSegment(6);
    Path seg = openSegment();
    byte[] b = Files.readAllBytes(seg);
    b[b.length - 10] ^= 0x40;
    Files.write(seg, b);
    try (SegmentedLogStorage s = new SegmentedLogStorage(dir)) {
      assertThat(s.lastIndex()).isEqualTo(4);
      assertHolds(s, 1, 5, 1);
      RecoveryReport.Truncation t = s.recoveryReport().truncations().get(0);
      assertThat(t.reason()).isEqualTo("CRC mismatch");
      assertThat(t.firstBadOffset()).isEqualTo(b.length - Frame.HEADER - DATA);
    }
  }

  @Test
  void corruptionInsideTheOpenSegmentIsCutButFlaggedAsMoreThanATornWrite() throws Exception {
    writeSingleSegment(6);
    Path seg = openSegment();
    byte[] b = Files.readAllBytes(seg);
    int second = Frame.HEADER + DATA;
    b[second + Frame.HEADER + 3] ^= 0x10; // data of entry 2; entries 3..5 are intact
    Files.write(seg, b);
    try (SegmentedLogStorage s = new SegmentedLogStorage(dir)) {
      assertThat(s.lastIndex()).isEqualTo(1);
      RecoveryReport.Truncation t = s.recoveryReport().truncations().get(0);
      assertThat(t.firstBadOffset()).isEqualTo(second);
      assertThat(t.droppedBytes()).isEqualTo(4L * (Frame.HEADER + DATA));
      assertThat(t.validFrameFollows()).isTrue();
      assertThat(t.reason()).contains("CRC mismatch").contains("offset " + 2 * second);
    }
  }

  @Test
  void tornTailIsNotFlaggedAsDamageInTheMiddle() throws Exception {
    writeSingleSegment(6);
    Path seg = openSegment();
    byte[] b = Files.readAllBytes(seg);
    Files.write(seg, Arrays.copyOf(b, b.length - 7));
    try (SegmentedLogStorage s = new SegmentedLogStorage(dir)) {
      assertThat(s.recoveryReport().truncations().get(0).validFrameFollows()).isFalse();
    }
  }

  @Test
  void corruptionInsideAClosedSegmentFailsLoudlyNamingFileAndOffset() throws Exception {
    try (SegmentedLogStorage s = new SegmentedLogStorage(dir, SEGMENT)) {
      s.append(entries(1, 41, 1));
      s.sync();
    }
    Path closed = dir.resolve("log_1-8");
    assertThat(closed).exists();
    byte[] b = Files.readAllBytes(closed);
    int off = 3 * (Frame.HEADER + DATA) + Frame.HEADER + 5; // data of entry 4
    b[off] ^= 0x01;
    Files.write(closed, b);
    assertThatThrownBy(() -> new SegmentedLogStorage(dir, SEGMENT))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("log_1-8")
        .hasMessageContaining("offset " + 3 * (Frame.HEADER + DATA))
        .hasMessageContaining("CRC");
    // Nothing was repaired behind our back.
    assertThat(Files.readAllBytes(closed)).isEqualTo(b);
  }

  @Test
  void shortClosedSegmentFailsLoudly() throws Exception {
    try (SegmentedLogStorage s = new SegmentedLogStorage(dir, SEGMENT)) {
      s.append(entries(1, 41, 1));
      s.sync();
    }
    Path closed = dir.resolve("log_9-16");
    byte[] b = Files.readAllBytes(closed);
    Files.write(closed, Arrays.copyOf(b, b.length - Frame.HEADER - DATA));
    assertThatThrownBy(() -> new SegmentedLogStorage(dir, SEGMENT))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("log_9-16")
        .hasMessageContaining("promises");
  }

  @Test
  void missingSegmentInTheMiddleFailsLoudly() throws Exception {
    try (SegmentedLogStorage s = new SegmentedLogStorage(dir, SEGMENT)) {
      s.append(entries(1, 41, 1));
      s.sync();
    }
    Files.delete(dir.resolve("log_9-16"));
    assertThatThrownBy(() -> new SegmentedLogStorage(dir, SEGMENT))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("missing segment")
        .hasMessageContaining("9..16");
  }

  @Test
  void missingFirstSegmentWithoutSnapshotFailsLoudly() throws Exception {
    try (SegmentedLogStorage s = new SegmentedLogStorage(dir, SEGMENT)) {
      s.append(entries(1, 41, 1));
      s.sync();
    }
    Files.delete(dir.resolve("log_1-8"));
    assertThatThrownBy(() -> new SegmentedLogStorage(dir, SEGMENT))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("missing segment")
        .hasMessageContaining("1..8");
  }

  @Test
  void segmentsRollTruncateAcrossBoundariesAndReopen() throws Exception {
    try (SegmentedLogStorage s = new SegmentedLogStorage(dir, SEGMENT)) {
      s.append(entries(1, 41, 1));
      s.sync();
      assertThat(files())
          .containsExactlyInAnyOrder(
              "log_1-8", "log_9-16", "log_17-24", "log_25-32", "log_inprogress_33");
      // Overwrite from 13: later segments go, log_9-16 becomes the open segment again.
      s.append(entries(13, 15, 2));
      assertThat(s.lastIndex()).isEqualTo(14);
      assertThat(files()).containsExactly("log_1-8", "log_inprogress_9");
      assertHolds(s, 1, 13, 1);
      assertHolds(s, 13, 15, 2);
      s.append(entries(15, 30, 2));
      s.sync();
    }
    try (SegmentedLogStorage s = new SegmentedLogStorage(dir, SEGMENT)) {
      assertThat(s.recoveryReport().clean()).isTrue();
      assertThat(s.lastIndex()).isEqualTo(29);
      assertHolds(s, 1, 13, 1);
      assertHolds(s, 13, 30, 2);
      // Overwrite exactly at a segment start: the segment before stays closed.
      s.append(entries(17, 18, 3));
      assertThat(files()).contains("log_9-16", "log_inprogress_17");
      s.sync();
    }
    try (SegmentedLogStorage s = new SegmentedLogStorage(dir, SEGMENT)) {
      assertThat(s.lastIndex()).isEqualTo(17);
      assertThat(s.term(17)).isEqualTo(3);
      assertThat(s.term(16)).isEqualTo(2);
    }
  }

  @Test
  void entryLargerThanASegmentGetsASegmentOfItsOwn() throws Exception {
    try (SegmentedLogStorage s = new SegmentedLogStorage(dir, SEGMENT)) {
      s.append(List.of(entry(1, 1, 10), entry(2, 1, 5000), entry(3, 1, 10)));
      s.sync();
      assertThat(files()).containsExactly("log_1-1", "log_2-2", "log_inprogress_3");
    }
    try (SegmentedLogStorage s = new SegmentedLogStorage(dir, SEGMENT)) {
      assertThat(s.entries(1, 4, Long.MAX_VALUE))
          .containsExactly(entry(1, 1, 10), entry(2, 1, 5000), entry(3, 1, 10));
    }
  }

  @Test
  void compactionDeletesWholeSegmentsAtOrBelowTheSnapshot() throws Exception {
    try (SegmentedLogStorage s = new SegmentedLogStorage(dir, SEGMENT)) {
      s.append(entries(1, 41, 1));
      s.sync();
      s.saveSnapshot(new SnapshotMeta(20, 1, List.of(1, 2, 3)), new byte[] {5});
      // log_17-24 holds 21..24 so it stays; everything ending at or below 20 is gone.
      assertThat(files()).containsExactlyInAnyOrder("log_17-24", "log_25-32", "log_inprogress_33");
      assertThat(s.firstIndex()).isEqualTo(21);
      assertHolds(s, 21, 41, 1);
      s.saveSnapshot(new SnapshotMeta(24, 1, List.of(1, 2, 3)), new byte[] {6});
      assertThat(files()).containsExactlyInAnyOrder("log_25-32", "log_inprogress_33");
    }
    try (SegmentedLogStorage s = new SegmentedLogStorage(dir, SEGMENT)) {
      assertThat(s.recoveryReport().clean()).isTrue();
      assertThat(s.firstIndex()).isEqualTo(25);
      assertThat(s.term(24)).isEqualTo(1);
      assertHolds(s, 25, 41, 1);
      assertThat(s.snapshotData()).containsExactly(6);
    }
  }

  @Test
  void compactionInterruptedByACrashIsFinishedOnOpen() throws Exception {
    Path backup = backupDir;
    try (SegmentedLogStorage s = new SegmentedLogStorage(dir, SEGMENT)) {
      s.append(entries(1, 41, 1));
      s.sync();
      copySegments(dir, backup);
      s.saveSnapshot(new SnapshotMeta(20, 1, List.of(1)), new byte[] {5});
    }
    copySegments(backup, dir); // as if the crash came before the deletions
    try (SegmentedLogStorage s = new SegmentedLogStorage(dir, SEGMENT)) {
      assertThat(s.recoveryReport().notes()).anyMatch(n -> n.contains("log_1-8"));
      assertThat(files()).doesNotContain("log_1-8", "log_9-16");
      assertThat(s.firstIndex()).isEqualTo(21);
      assertHolds(s, 21, 41, 1);
    }
  }

  @Test
  void conflictingSnapshotInterruptedByACrashStillDiscardsTheLog() throws Exception {
    Path backup = backupDir;
    try (SegmentedLogStorage s = new SegmentedLogStorage(dir, SEGMENT)) {
      s.append(entries(1, 41, 1));
      s.sync();
      copySegments(dir, backup);
      s.saveSnapshot(new SnapshotMeta(20, 7, List.of(1)), new byte[] {5});
    }
    try (Stream<Path> st = Files.list(dir)) {
      for (Path p : st.filter(p -> p.getFileName().toString().startsWith("log_")).toList()) {
        Files.delete(p);
      }
    }
    copySegments(backup, dir); // the crash came before any deletion
    try (SegmentedLogStorage s = new SegmentedLogStorage(dir, SEGMENT)) {
      assertThat(s.recoveryReport().notes()).anyMatch(n -> n.contains("discarded the whole log"));
      assertThat(s.firstIndex()).isEqualTo(21);
      assertThat(s.lastIndex()).isEqualTo(20);
      assertThat(s.term(20)).isEqualTo(7);
      assertThat(files()).containsExactly("log_inprogress_21");
    }
  }

  private static void copySegments(Path from, Path to) throws IOException {
    try (Stream<Path> st = Files.list(from)) {
      for (Path p : st.filter(p -> p.getFileName().toString().startsWith("log_")).toList()) {
        Files.copy(p, to.resolve(p.getFileName()), StandardCopyOption.REPLACE_EXISTING);
      }
    }
  }

  @Test
  void crashRightAfterARollLeavesNoOpenSegmentAndThatIsFine() throws Exception {
    try (SegmentedLogStorage s = new SegmentedLogStorage(dir, SEGMENT)) {
      s.append(entries(1, 17, 1));
      s.sync();
    }
    // The roll renamed the full open segment, then the process died before creating the next.
    Files.move(dir.resolve("log_inprogress_9"), dir.resolve("log_9-16"));
    try (SegmentedLogStorage s = new SegmentedLogStorage(dir, SEGMENT)) {
      assertThat(s.lastIndex()).isEqualTo(16);
      assertThat(files()).contains("log_inprogress_17");
      s.append(entries(17, 18, 1));
    }
  }

  @Test
  void leftoverTempFilesAreRemovedAndHardStateIsKept() throws Exception {
    try (SegmentedLogStorage s = new SegmentedLogStorage(dir)) {
      s.saveHardState(new HardState(5, 2));
      s.sync();
    }
    Files.write(dir.resolve("hardstate.tmp"), new byte[] {1, 2, 3}); // a crash mid-replace
    try (SegmentedLogStorage s = new SegmentedLogStorage(dir)) {
      assertThat(s.hardState()).isEqualTo(new HardState(5, 2));
      assertThat(dir.resolve("hardstate.tmp")).doesNotExist();
      assertThat(s.recoveryReport().notes()).anyMatch(n -> n.contains("hardstate.tmp"));
    }
  }

  @Test
  void hardStateIsNotDurableBeforeSync() throws Exception {
    try (SegmentedLogStorage s = new SegmentedLogStorage(dir)) {
      s.saveHardState(new HardState(5, 2));
      s.sync();
      s.saveHardState(new HardState(6, 1));
    }
    try (SegmentedLogStorage s = new SegmentedLogStorage(dir)) {
      assertThat(s.hardState()).isEqualTo(new HardState(5, 2));
    }
  }

  @Test
  void corruptHardStateOrSnapshotFileFailsLoudly() throws Exception {
    try (SegmentedLogStorage s = new SegmentedLogStorage(dir)) {
      s.append(entries(1, 11, 1));
      s.saveHardState(new HardState(5, 2));
      s.sync();
      s.saveSnapshot(new SnapshotMeta(5, 1, List.of(1)), new byte[] {1, 2, 3});
    }
    byte[] hs = Files.readAllBytes(dir.resolve("hardstate"));
    hs[6] ^= 1;
    Files.write(dir.resolve("hardstate"), hs);
    assertThatThrownBy(() -> new SegmentedLogStorage(dir))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("hardstate");
    hs[6] ^= 1;
    Files.write(dir.resolve("hardstate"), hs);
    byte[] snap = Files.readAllBytes(dir.resolve("snapshot"));
    snap[snap.length - 6] ^= 1;
    Files.write(dir.resolve("snapshot"), snap);
    assertThatThrownBy(() -> new SegmentedLogStorage(dir))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("snapshot");
  }

  @Test
  void twoOpenSegmentsFailLoudly() throws Exception {
    writeSingleSegment(3);
    Files.write(dir.resolve("log_inprogress_99"), new byte[0]);
    assertThatThrownBy(() -> new SegmentedLogStorage(dir))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("more than one open segment");
  }

  @Test
  void aSecondInstanceOnTheSameDirectoryIsRefused() throws Exception {
    try (SegmentedLogStorage s = new SegmentedLogStorage(dir)) {
      assertThatThrownBy(() -> new SegmentedLogStorage(dir))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("in use");
    }
    new SegmentedLogStorage(dir).close(); // released on close
  }

  @Test
  void entriesReadFromDiskAfterTheCacheIsCold() throws Exception {
    // More entries than the recent-entries cache holds, some larger than the cacheable size.
    List<LogEntry> es = new ArrayList<>();
    for (long i = 1; i <= 1500; i++) es.add(entry(i, 1, i % 100 == 0 ? 70_000 : 50));
    try (SegmentedLogStorage s = new SegmentedLogStorage(dir, 64 << 10)) {
      s.append(es);
      assertThat(s.entries(1, 1501, Long.MAX_VALUE)).containsExactlyElementsOf(es);
      s.sync();
    }
    try (SegmentedLogStorage s = new SegmentedLogStorage(dir, 64 << 10)) {
      assertThat(s.entries(1, 1501, Long.MAX_VALUE)).containsExactlyElementsOf(es);
      assertThat(s.entries(99, 1501, 70_100)).containsExactlyElementsOf(es.subList(98, 101));
    }
  }

  @Test
  void aFailedWriteMakesTheInstanceRefuseFurtherUse() throws Exception {
    SegmentedLogStorage s = new SegmentedLogStorage(dir, SEGMENT);
    s.append(entries(1, 3, 1));
    // Something in the way of the next segment file: the roll at index 9 cannot create it.
    Files.createDirectory(dir.resolve("log_inprogress_9"));
    try {
      assertThatThrownBy(() -> s.append(entries(3, 20, 1))).isInstanceOf(IOException.class);
      assertThatThrownBy(s::lastIndex).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("reopen");
    } finally {
      s.close();
    }
  }
}
