package dev.marketplace.raft.storage;

import dev.marketplace.raft.HardState;
import dev.marketplace.raft.LogEntry;
import dev.marketplace.raft.LogStorage;
import dev.marketplace.raft.SnapshotMeta;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;

/**
 * The durable {@link LogStorage}: an append-only segmented log in one directory, in the style of
 * Apache Ratis.
 *
 * <ul>
 *   <li>Entries live in segment files: closed ones named {@code log_<start>-<end>}, one open
 *       {@code log_inprogress_<start>}. Each entry is a frame {@code length, crc32c, index, term,
 *       data} (see {@code Frame}). The open segment rolls once it would exceed {@code
 *       maxSegmentBytes}; a rolled segment is fsync'd before it is renamed to its closed name.
 *   <li>The hard state ({@code hardstate}) and the snapshot ({@code snapshot}: meta + data) are
 *       small checksummed files replaced atomically (temp file, fsync, rename, fsync directory).
 *   <li>{@link #sync()} is the group commit: one {@code force} of the open segment covers every
 *       append since the previous sync (plus the hard-state file when it changed).
 *   <li>Overwriting a suffix deletes later segments and truncates the one holding the first
 *       overwritten entry, and makes that durable at once, so a crash can never leave old entries
 *       behind new ones.
 *   <li>Opening recovers: every frame is checked (CRC, contiguous index, non-decreasing term). A
 *       torn or corrupt tail of the open segment is cut off and reported in {@link
 *       #recoveryReport()}; any damage in a closed segment, or a missing segment, fails the open
 *       with an {@link IOException} naming file and offset.
 * </ul>
 *
 * <p>Read methods that cannot declare {@link IOException} ({@link #entries}, {@link #term}) throw
 * {@link UncheckedIOException} on I/O errors or on a frame that no longer verifies. After a
 * failed write the instance refuses further use ({@link IllegalStateException}); reopen it.
 *
 * <p>Not thread-safe: one thread (the node's I/O worker) owns an instance. The directory is locked
 * against a second instance (in this or another process).
 */
public final class SegmentedLogStorage implements LogStorage {
  /** Default roll size of a segment: 64 MiB. */
  public static final long DEFAULT_SEGMENT_BYTES = 64L << 20;

  private static final System.Logger LOG = System.getLogger(SegmentedLogStorage.class.getName());
  private static final Pattern CLOSED = Pattern.compile("log_(\\d+)-(\\d+)");
  private static final Pattern OPEN = Pattern.compile("log_inprogress_(\\d+)");
  private static final String HARD_STATE_FILE = "hardstate";
  private static final String SNAPSHOT_FILE = "snapshot";
  private static final String LOCK_FILE = "lock";
  private static final int HARD_STATE_MAGIC = 0x48535431; // "HST1"
  private static final int SNAPSHOT_MAGIC = 0x534e5031; // "SNP1"
  private static final int CACHE_SLOTS = 512;
  private static final int CACHE_MAX_ENTRY_BYTES = 64 << 10;
  private static final int READ_CHUNK_BYTES = 1 << 20;

  private final Path dir;
  private final long maxSegmentBytes;
  private final FileChannel lockChannel;
  private final FileLock lock;
  private final TreeMap<Long, Segment> segments = new TreeMap<>();
  private Segment open;
  private long lastIndex;
  private HardState hardState;
  private boolean hardStateDirty;
  private boolean logDirty;
  private SnapshotMeta snapshot;
  private final RecoveryReport report;
  private Throwable failure;
  private boolean closed;

  // Ring cache of the most recently appended entries: [cacheFirst, cacheFirst + cacheCount).
  private final LogEntry[] cache = new LogEntry[CACHE_SLOTS];
  private long cacheFirst = 1;
  private int cacheCount;

  /** Opens (creating if needed) the storage in {@code dir} with 64 MiB segments. */
  public SegmentedLogStorage(Path dir) throws IOException {
    this(dir, DEFAULT_SEGMENT_BYTES);
  }

  /**
   * Opens (creating if needed) the storage in {@code dir}, recovering what a crash left there.
   *
   * @param maxSegmentBytes size at which the open segment rolls (64 bytes .. 2 GiB - 1); an entry
   *     larger than this gets a segment of its own
   * @throws IOException on I/O errors, on corruption that is not a torn tail of the open segment,
   *     on a missing segment, or when another instance holds the directory
   */
  public SegmentedLogStorage(Path dir, long maxSegmentBytes) throws IOException {
    if (maxSegmentBytes < 64 || maxSegmentBytes > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("maxSegmentBytes out of range: " + maxSegmentBytes);
    }
    this.dir = dir;
    this.maxSegmentBytes = maxSegmentBytes;
    Files.createDirectories(dir);
    lockChannel =
        FileChannel.open(
            dir.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock l;
    try {
      l = lockChannel.tryLock();
    } catch (OverlappingFileLockException e) {
      l = null;
    }
    if (l == null) {
      lockChannel.close();
      throw new IOException("log directory " + dir + " is in use by another storage instance");
    }
    lock = l;
    try {
      report = recover();
    } catch (IOException | RuntimeException e) {
      closeChannels();
      throw e;
    }
    if (!report.clean()) {
      LOG.log(Level.WARNING, "recovered " + dir + " with repairs: " + report);
    }
  }

  /** What recovery found when this instance opened its directory. */
  public RecoveryReport recoveryReport() {
    return report;
  }

  /** The directory this storage lives in. */
  public Path directory() {
    return dir;
  }

  // ---------------------------------------------------------------------------------- recovery

  private RecoveryReport recover() throws IOException {
    List<RecoveryReport.Truncation> truncations = new ArrayList<>();
    List<String> notes = new ArrayList<>();
    TreeMap<Long, long[]> closedFiles = new TreeMap<>(); // start -> {start, end}
    List<Long> openStarts = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      for (Path p : ds) {
        String name = p.getFileName().toString();
        Matcher c = CLOSED.matcher(name);
        Matcher o = OPEN.matcher(name);
        if (name.endsWith(".tmp")) {
          Files.delete(p);
          notes.add("deleted leftover temp file " + name);
        } else if (c.matches()) {
          long s = Long.parseLong(c.group(1));
          long e = Long.parseLong(c.group(2));
          if (s < 1 || e < s) throw new IOException("bad segment file name " + p);
          if (closedFiles.put(s, new long[] {s, e}) != null) {
            throw new IOException("two closed segments start at " + s + " in " + dir);
          }
        } else if (o.matches()) {
          openStarts.add(Long.parseLong(o.group(1)));
        }
      }
    }
    hardState = readHardState();
    snapshot = readSnapshotMeta();
    if (openStarts.size() > 1) {
      throw new IOException("more than one open segment in " + dir + ": starts " + openStarts);
    }

    // Contiguity of the file names: a gap means a segment is missing.
    long expect = -1;
    for (long[] se : closedFiles.values()) {
      if (expect != -1 && se[0] != expect) {
        throw new IOException(
            "missing segment in " + dir + ": entries " + expect + ".." + (se[0] - 1)
                + " absent (next file " + Segment.closedName(se[0], se[1]) + ")");
      }
      expect = se[1] + 1;
    }
    if (!openStarts.isEmpty() && expect != -1 && openStarts.get(0) != expect) {
      throw new IOException(
          "open segment " + Segment.openName(openStarts.get(0)) + " in " + dir
              + " does not follow the last closed segment (expected start " + expect + ")");
    }

    // Scan every closed segment strictly, then the open one leniently (torn tail allowed).
    long prevTerm = 0;
    int scanned = 0;
    for (long[] se : closedFiles.values()) {
      Segment s = Segment.openExisting(se[0], dir.resolve(Segment.closedName(se[0], se[1])), false);
      segments.put(s.start, s);
      Bad bad = scan(s, prevTerm);
      scanned++;
      if (bad != null) {
        throw new IOException(
            "corrupt closed segment " + s.path + " at offset " + bad.offset + ": " + bad.reason);
      }
      if (s.end() != se[1] || s.size != s.ch.size()) {
        throw new IOException(
            "closed segment " + s.path + " holds entries " + s.start + ".." + s.end() + " in "
                + s.size + " of " + s.ch.size() + " bytes; its name promises .." + se[1]);
      }
      prevTerm = s.count > 0 ? s.term(s.end()) : prevTerm;
    }
    if (!openStarts.isEmpty()) {
      long st = openStarts.get(0);
      Segment s = Segment.openExisting(st, dir.resolve(Segment.openName(st)), true);
      segments.put(st, s);
      open = s;
      Bad bad = scan(s, prevTerm);
      scanned++;
      if (bad != null) {
        long fileSize = s.ch.size();
        String reason = zeroFrom(s.ch, bad.offset) ? "zero-filled tail" : bad.reason;
        long lastValid = s.count > 0 ? s.end() : st - 1;
        long follow = validFrameAfter(s.ch, bad.offset + 1, lastValid);
        if (follow >= 0) reason += "; a valid later frame follows at offset " + follow;
        s.ch.truncate(bad.offset);
        s.ch.force(true);
        RecoveryReport.Truncation t =
            new RecoveryReport.Truncation(
                s.path, bad.offset, fileSize - bad.offset, lastValid, reason, follow >= 0);
        truncations.add(t);
        LOG.log(
            follow >= 0 ? Level.ERROR : Level.WARNING,
            "truncated torn/corrupt tail of the log: " + t);
      }
    }

    long logLast = segments.isEmpty() ? snapshot.index() : segments.lastEntry().getValue().end();
    // A snapshot rules over the log: keep entries after it only if the log agrees with it.
    if (!segments.isEmpty() && snapshot.index() > 0) {
      long logFirst = segments.firstKey();
      String why = null;
      boolean cleanEmpty = logLast == snapshot.index() && logFirst == snapshot.index() + 1;
      if (logLast <= snapshot.index() && !cleanEmpty) {
        why = "log ends at " + logLast + ", at or below snapshot index " + snapshot.index();
      } else if (snapshot.index() >= logFirst && termInLog(snapshot.index()) != snapshot.term()) {
        why =
            "log term " + termInLog(snapshot.index()) + " at snapshot index " + snapshot.index()
                + " differs from snapshot term " + snapshot.term();
      }
      if (why != null) {
        notes.add("discarded the whole log (" + why + ")");
        deleteSegmentsFrom(0);
        logLast = snapshot.index();
      } else {
        for (Segment s : new ArrayList<>(segments.values())) {
          if (s.open || s.end() > snapshot.index()) break;
          notes.add("deleted " + s.path.getFileName() + " (covered by snapshot)");
          deleteSegment(s);
        }
      }
    }
    if (!segments.isEmpty() && segments.firstKey() > snapshot.index() + 1) {
      throw new IOException(
          "missing segment in " + dir + ": entries " + (snapshot.index() + 1) + ".."
              + (segments.firstKey() - 1) + " are neither in the snapshot nor in a segment");
    }
    if (open == null) {
      createOpen(logLast + 1); // routine: first open, or a crash right after a roll
    }
    FileIo.fsyncDir(dir);
    lastIndex = Math.max(logLast, snapshot.index());
    cacheFirst = lastIndex + 1;
    return new RecoveryReport(scanned, lastIndex - snapshot.index(), truncations, notes);
  }

  private record Bad(long offset, String reason) {}

  /** Reads every frame of {@code s} into its index; returns the first bad frame, or null. */
  private static Bad scan(Segment s, long prevTerm) throws IOException {
    long fileSize = s.ch.size();
    s.ch.position(0);
    InputStream in = new BufferedInputStream(Channels.newInputStream(s.ch), 1 << 20);
    DataInputStream din = new DataInputStream(in);
    byte[] frame = new byte[Frame.HEADER + 4096];
    long pos = 0;
    long expectIndex = s.start;
    while (pos < fileSize) {
      long remaining = fileSize - pos;
      if (remaining < Frame.HEADER) {
        return new Bad(pos, "partial frame header (" + remaining + " bytes)");
      }
      din.readFully(frame, 0, Frame.HEADER);
      ByteBuffer h = ByteBuffer.wrap(frame, 0, Frame.HEADER);
      int len = h.getInt();
      int crc = h.getInt();
      long index = h.getLong();
      long term = h.getLong();
      if (len < 0) return new Bad(pos, "negative data length " + len);
      if (len > remaining - Frame.HEADER) {
        return new Bad(
            pos,
            "partial frame: data length " + len + " but " + (remaining - Frame.HEADER)
                + " bytes left");
      }
      if (frame.length < Frame.HEADER + len) {
        byte[] bigger = new byte[Frame.HEADER + len];
        System.arraycopy(frame, 0, bigger, 0, Frame.HEADER);
        frame = bigger;
      }
      din.readFully(frame, Frame.HEADER, len);
      if (Frame.crc(frame, 0, len) != crc) return new Bad(pos, "CRC mismatch");
      if (index != expectIndex) {
        return new Bad(pos, "index " + index + " where " + expectIndex + " was expected");
      }
      if (term < prevTerm) {
        return new Bad(pos, "term " + term + " below previous term " + prevTerm);
      }
      s.add(term, pos);
      pos += Frame.HEADER + len;
      s.size = pos;
      expectIndex++;
      prevTerm = term;
    }
    return null;
  }

  /**
   * Looks in the bytes from {@code from} on for a frame that verifies and carries an index above
   * {@code lastValid}; returns its offset or -1. Only used on the damaged tail of the open
   * segment, to tell a torn write from damage in the middle.
   */
  private static long validFrameAfter(FileChannel ch, long from, long lastValid)
      throws IOException {
    long n = ch.size() - from;
    if (n < Frame.HEADER || n > (256L << 20)) return -1;
    ByteBuffer b = ByteBuffer.allocate((int) n);
    FileIo.readFully(ch, b, from);
    byte[] a = b.array();
    for (int p = 0; p + Frame.HEADER <= a.length; p++) {
      int len = b.getInt(p);
      if (len < 0 || len > a.length - p - Frame.HEADER) continue;
      long index = b.getLong(p + 8);
      if (index <= lastValid || index > lastValid + (1L << 32)) continue;
      if (Frame.crc(a, p, len) == b.getInt(p + 4)) return from + p;
    }
    return -1;
  }

  private static boolean zeroFrom(FileChannel ch, long from) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(64 << 10);
    long pos = from;
    while (true) {
      b.clear();
      int n = ch.read(b, pos);
      if (n < 0) return true;
      for (int i = 0; i < n; i++) {
        if (b.get(i) != 0) return false;
      }
      pos += n;
    }
  }

  private long termInLog(long index) {
    return segments.floorEntry(index).getValue().term(index);
  }

  // ------------------------------------------------------------------------------- LogStorage

  @Override
  public HardState hardState() {
    checkUsable();
    return hardState;
  }

  @Override
  public void saveHardState(HardState state) {
    checkUsable();
    if (state == null) throw new IllegalArgumentException("hard state must not be null");
    if (!state.equals(hardState)) {
      hardState = state;
      hardStateDirty = true;
    }
  }

  @Override
  public long firstIndex() {
    checkUsable();
    return snapshot.index() + 1;
  }

  @Override
  public long lastIndex() {
    checkUsable();
    return lastIndex;
  }

  @Override
  public long term(long index) {
    checkUsable();
    if (index == snapshot.index()) return snapshot.term();
    if (index <= snapshot.index() || index > lastIndex) {
      throw new IllegalArgumentException(
          "index " + index + " outside [" + snapshot.index() + ", " + lastIndex + "]");
    }
    return termInLog(index);
  }

  @Override
  public List<LogEntry> entries(long from, long to, long maxBytes) {
    checkUsable();
    StorageChecks.checkEntriesRange(from, to, firstIndex(), lastIndex);
    List<LogEntry> out = new ArrayList<>((int) Math.min(to - from, 1024));
    long bytes = 0;
    long i = from;
    while (i < to) {
      // Serve from the cache of recent entries when possible.
      LogEntry cached = cached(i);
      if (cached != null) {
        bytes += cached.data().length;
        if (!out.isEmpty() && bytes > maxBytes) break;
        out.add(cached);
        i++;
        continue;
      }
      Segment s = segments.floorEntry(i).getValue();
      long segTo = Math.min(to, s.end() + 1);
      // Choose entries [i, j) that fit the byte budget and one read chunk.
      long j = i;
      boolean full = false;
      while (j < segTo && cached(j) == null) {
        int len = s.dataLength(j);
        if ((!out.isEmpty() || j > i) && bytes + len > maxBytes) {
          full = true;
          break;
        }
        if (j > i && s.offset(j + 1) - s.offset(i) > READ_CHUNK_BYTES) break;
        bytes += len;
        j++;
      }
      try {
        readFrames(s, i, j, out);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      i = j;
      if (full) break;
    }
    return out;
  }

  private void readFrames(Segment s, long from, long to, List<LogEntry> out) throws IOException {
    long start = s.offset(from);
    int n = (int) (s.offset(to) - start);
    ByteBuffer buf = ByteBuffer.allocate(n);
    FileIo.readFully(s.ch, buf, start);
    byte[] a = buf.array();
    int p = 0;
    for (long i = from; i < to; i++) {
      ByteBuffer h = ByteBuffer.wrap(a, p, Frame.HEADER);
      int len = h.getInt();
      int crc = h.getInt();
      long index = h.getLong();
      long term = h.getLong();
      if (len != s.dataLength(i) || index != i || Frame.crc(a, p, len) != crc) {
        throw new IOException(
            "entry " + i + " no longer verifies in " + s.path + " at offset " + (start + p));
      }
      byte[] data = new byte[len];
      System.arraycopy(a, p + Frame.HEADER, data, 0, len);
      out.add(new LogEntry(index, term, data));
      p += Frame.HEADER + len;
    }
  }

  @Override
  public void append(List<LogEntry> entries) throws IOException {
    checkUsable();
    if (entries == null) throw new IllegalArgumentException("entries must not be null");
    if (entries.isEmpty()) return;
    long first = entries.get(0).index();
    long prevTerm = first - 1 >= snapshot.index() && first - 1 <= lastIndex ? term(first - 1) : 0;
    StorageChecks.checkAppend(entries, firstIndex(), lastIndex, prevTerm);
    try {
      if (first <= lastIndex) truncateSuffix(first);
      int from = 0;
      long pending = 0;
      for (int k = 0; k < entries.size(); k++) {
        int fs = Frame.size(entries.get(k));
        if (open.size + pending + fs > maxSegmentBytes && (open.count > 0 || pending > 0)) {
          write(entries.subList(from, k), pending);
          roll();
          from = k;
          pending = 0;
        }
        pending += fs;
      }
      write(entries.subList(from, entries.size()), pending);
    } catch (IOException | RuntimeException | Error e) {
      failure = e;
      throw e;
    }
  }

  private void write(List<LogEntry> batch, long bytes) throws IOException {
    if (batch.isEmpty()) return;
    if (bytes > Integer.MAX_VALUE - 16) throw new IOException("batch too large: " + bytes);
    ByteBuffer buf = ByteBuffer.allocate((int) bytes);
    for (LogEntry e : batch) Frame.encode(e, buf);
    buf.flip();
    long pos = open.size;
    while (buf.hasRemaining()) pos += open.ch.write(buf, pos);
    long off = open.size;
    for (LogEntry e : batch) {
      open.add(e.term(), off);
      off += Frame.size(e);
      cachePut(e);
    }
    open.size = off;
    lastIndex = batch.get(batch.size() - 1).index();
    logDirty = true;
  }

  /** Seals the open segment (fsync, rename to its closed name) and starts a new one. */
  private void roll() throws IOException {
    Segment s = open;
    s.ch.force(true);
    Path closedPath = dir.resolve(Segment.closedName(s.start, s.end()));
    Files.move(s.path, closedPath, StandardCopyOption.ATOMIC_MOVE);
    s.path = closedPath;
    s.open = false;
    logDirty = false;
    open = null;
    createOpen(s.end() + 1);
    FileIo.fsyncDir(dir);
  }

  private void createOpen(long start) throws IOException {
    open = Segment.createNew(dir, start);
    segments.put(start, open);
  }

  /**
   * Removes entries from {@code index} on, durably: later segments are deleted (last first), the
   * segment holding {@code index} is reopened if closed, truncated and fsync'd.
   */
  private void truncateSuffix(long index) throws IOException {
    boolean dirChanged = deleteSegmentsFrom(index);
    Segment s = segments.isEmpty() ? null : segments.lastEntry().getValue();
    if (s != null && s.end() >= index) {
      if (!s.open) {
        // Rename before truncating: a crash in between leaves a valid open segment.
        Path p = dir.resolve(Segment.openName(s.start));
        Files.move(s.path, p, StandardCopyOption.ATOMIC_MOVE);
        s.path = p;
        s.open = true;
        open = s;
        dirChanged = true;
      }
      s.forgetFrom(index);
      s.ch.truncate(s.size);
      s.ch.force(true);
    }
    if (open == null) {
      createOpen(index);
      dirChanged = true;
    }
    if (dirChanged) FileIo.fsyncDir(dir);
    lastIndex = index - 1;
    cacheTruncate(index);
  }

  /** Deletes all segments starting at or after {@code index}, last first. */
  private boolean deleteSegmentsFrom(long index) throws IOException {
    List<Segment> doomed = new ArrayList<>(segments.tailMap(index, true).values());
    for (int k = doomed.size() - 1; k >= 0; k--) deleteSegment(doomed.get(k));
    return !doomed.isEmpty();
  }

  private void deleteSegment(Segment s) throws IOException {
    s.ch.close();
    Files.delete(s.path);
    segments.remove(s.start);
    if (s == open) open = null;
  }

  @Override
  public void sync() throws IOException {
    checkUsable();
    try {
      if (logDirty) {
        open.ch.force(true);
        logDirty = false;
      }
      if (hardStateDirty) {
        FileIo.writeAtomically(dir, HARD_STATE_FILE, encodeHardState(hardState));
        hardStateDirty = false;
      }
    } catch (IOException | RuntimeException e) {
      failure = e;
      throw e;
    }
  }

  @Override
  public SnapshotMeta snapshot() {
    checkUsable();
    return snapshot;
  }

  @Override
  public byte[] snapshotData() throws IOException {
    checkUsable();
    Snapshot s = readSnapshot(dir.resolve(SNAPSHOT_FILE));
    return s == null ? new byte[0] : s.data;
  }

  @Override
  public void saveSnapshot(SnapshotMeta meta, byte[] data) throws IOException {
    checkUsable();
    StorageChecks.checkSnapshot(meta, data, snapshot);
    boolean keep = meta.index() < lastIndex && term(meta.index()) == meta.term();
    try {
      FileIo.writeAtomically(dir, SNAPSHOT_FILE, encodeSnapshot(meta, data));
      snapshot = meta;
      if (keep) {
        // Compaction: drop whole segments at or below the snapshot index, oldest first.
        boolean deleted = false;
        for (Segment s : new ArrayList<>(segments.values())) {
          if (s.open || s.end() > meta.index()) break;
          deleteSegment(s);
          deleted = true;
        }
        if (deleted) FileIo.fsyncDir(dir);
      } else {
        deleteSegmentsFrom(0);
        createOpen(meta.index() + 1);
        FileIo.fsyncDir(dir);
        lastIndex = meta.index();
        logDirty = false;
        cacheTruncate(meta.index() + 1);
      }
      if (cacheFirst <= meta.index()) {
        long drop = Math.min(cacheCount, meta.index() + 1 - cacheFirst);
        cacheFirst += drop;
        cacheCount -= (int) drop;
      }
    } catch (IOException | RuntimeException e) {
      failure = e;
      throw e;
    }
  }

  @Override
  public void close() throws IOException {
    if (closed) return;
    closed = true;
    closeChannels();
  }

  private void closeChannels() throws IOException {
    IOException first = null;
    for (Segment s : segments.values()) {
      try {
        s.ch.close();
      } catch (IOException e) {
        if (first == null) first = e;
      }
    }
    try {
      lock.release();
      lockChannel.close();
    } catch (IOException e) {
      if (first == null) first = e;
    }
    if (first != null) throw first;
  }

  private void checkUsable() {
    if (closed) throw new IllegalStateException("storage is closed");
    if (failure != null) {
      throw new IllegalStateException("storage failed earlier; reopen it: " + failure, failure);
    }
  }

  @Override
  public String toString() {
    return "SegmentedLogStorage[" + dir + ", " + segments.values() + ", snapshot=" + snapshot + "]";
  }

  // ------------------------------------------------------------------------------------ cache

  private LogEntry cached(long index) {
    if (index < cacheFirst || index >= cacheFirst + cacheCount) return null;
    return cache[(int) (index % CACHE_SLOTS)];
  }

  private void cachePut(LogEntry e) {
    if (e.data().length > CACHE_MAX_ENTRY_BYTES || e.index() != cacheFirst + cacheCount) {
      cacheFirst = e.index() + 1;
      cacheCount = 0;
      return;
    }
    cache[(int) (e.index() % CACHE_SLOTS)] = e;
    if (cacheCount == CACHE_SLOTS) {
      cacheFirst++;
    } else {
      cacheCount++;
    }
  }

  private void cacheTruncate(long index) {
    if (index <= cacheFirst) {
      cacheFirst = index;
      cacheCount = 0;
    } else if (index < cacheFirst + cacheCount) {
      cacheCount = (int) (index - cacheFirst);
    }
  }

  // ------------------------------------------------------------------- hard state and snapshot

  private static byte[] encodeHardState(HardState hs) {
    ByteBuffer b = ByteBuffer.allocate(20);
    b.putInt(HARD_STATE_MAGIC).putLong(hs.term()).putInt(hs.votedFor());
    b.putInt(crc(b.array(), 16));
    return b.array();
  }

  private HardState readHardState() throws IOException {
    Path p = dir.resolve(HARD_STATE_FILE);
    if (!Files.exists(p)) return HardState.INITIAL;
    byte[] a = Files.readAllBytes(p);
    ByteBuffer b = ByteBuffer.wrap(a);
    if (a.length != 20 || b.getInt(0) != HARD_STATE_MAGIC || b.getInt(16) != crc(a, 16)) {
      throw new IOException("corrupt hard state file " + p + " (" + a.length + " bytes)");
    }
    return new HardState(b.getLong(4), b.getInt(12));
  }

  private static byte[] encodeSnapshot(SnapshotMeta meta, byte[] data) {
    int n = meta.members().size();
    ByteBuffer b = ByteBuffer.allocate(4 + 8 + 8 + 4 + 4 * n + 4 + data.length + 4);
    b.putInt(SNAPSHOT_MAGIC).putLong(meta.index()).putLong(meta.term()).putInt(n);
    for (int m : meta.members()) b.putInt(m);
    b.putInt(data.length).put(data);
    b.putInt(crc(b.array(), b.position()));
    return b.array();
  }

  private record Snapshot(SnapshotMeta meta, byte[] data) {}

  private static Snapshot readSnapshot(Path p) throws IOException {
    if (!Files.exists(p)) return null;
    byte[] a = Files.readAllBytes(p);
    try {
      ByteBuffer b = ByteBuffer.wrap(a);
      if (a.length < 32 || b.getInt() != SNAPSHOT_MAGIC) throw new EOFException("bad header");
      if (b.getInt(a.length - 4) != crc(a, a.length - 4)) throw new EOFException("CRC mismatch");
      long index = b.getLong();
      long term = b.getLong();
      int n = b.getInt();
      if (n < 0 || n > (a.length - 32) / 4) throw new EOFException("bad member count " + n);
      List<Integer> members = new ArrayList<>(n);
      for (int k = 0; k < n; k++) members.add(b.getInt());
      int len = b.getInt();
      if (len != b.remaining() - 4) throw new EOFException("bad data length " + len);
      byte[] data = new byte[len];
      b.get(data);
      return new Snapshot(new SnapshotMeta(index, term, members), data);
    } catch (EOFException | RuntimeException e) {
      throw new IOException("corrupt snapshot file " + p + ": " + e.getMessage(), e);
    }
  }

  private SnapshotMeta readSnapshotMeta() throws IOException {
    Snapshot s = readSnapshot(dir.resolve(SNAPSHOT_FILE));
    return s == null ? SnapshotMeta.NONE : s.meta;
  }

  private static int crc(byte[] a, int len) {
    CRC32C c = new CRC32C();
    c.update(a, 0, len);
    return (int) c.getValue();
  }
}
