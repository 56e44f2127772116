package dev.marketplace.raft.storage;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * One segment file of a {@link SegmentedLogStorage} and its in-memory index: for each entry the
 * byte offset of its frame and its term. Closed segments are named {@code log_<start>-<end>}, the
 * single open one {@code log_inprogress_<start>}. Not thread-safe; owned by its storage.
 */
final class Segment {
  final long start;
  Path path;
  boolean open;
  final FileChannel ch;
  private int[] offsets = new int[64];
  private long[] terms = new long[64];
  int count;
  /** Bytes of valid frames; the file is exactly this long outside an append in progress. */
  long size;

  private Segment(long start, Path path, boolean open, FileChannel ch) {
    this.start = start;
    this.path = path;
    this.open = open;
    this.ch = ch;
  }

  static Segment openExisting(long start, Path path, boolean open) throws IOException {
    FileChannel ch = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
    return new Segment(start, path, open, ch);
  }

  static Segment createNew(Path dir, long start) throws IOException {
    Path p = dir.resolve(openName(start));
    FileChannel ch =
        FileChannel.open(
            p, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE);
    return new Segment(start, p, true, ch);
  }

  static String openName(long start) {
    return "log_inprogress_" + start;
  }

  static String closedName(long start, long end) {
    return "log_" + start + "-" + end;
  }

  /** Index of the last entry, or start - 1 when empty. */
  long end() {
    return start + count - 1;
  }

  boolean contains(long index) {
    return index >= start && index <= end();
  }

  void add(long term, long offset) {
    if (count == offsets.length) {
      offsets = Arrays.copyOf(offsets, count * 2);
      terms = Arrays.copyOf(terms, count * 2);
    }
    offsets[count] = (int) offset;
    terms[count] = term;
    count++;
  }

  long term(long index) {
    return terms[(int) (index - start)];
  }

  /** Byte offset of the frame of {@code index}; {@code end() + 1} gives the segment size. */
  long offset(long index) {
    int k = (int) (index - start);
    return k == count ? size : offsets[k];
  }

  /** Data length of entry {@code index}, derived from the frame offsets. */
  int dataLength(long index) {
    return (int) (offset(index + 1) - offset(index) - Frame.HEADER);
  }

  /** Forgets entries from {@code index} on (the caller truncates the file). */
  void forgetFrom(long index) {
    size = offset(index);
    count = (int) (index - start);
  }

  @Override
  public String toString() {
    return path.getFileName() + "[" + start + ".." + end() + ", " + size + "B]";
  }
}
