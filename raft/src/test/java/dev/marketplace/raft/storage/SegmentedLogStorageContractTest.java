package dev.marketplace.raft.storage;

import dev.marketplace.raft.LogStorage;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/**
 * The contract suite against {@link SegmentedLogStorage} with tiny (1 KiB) segments, so the
 * same tests also cross segment boundaries, roll and compact whole files.
 */
class SegmentedLogStorageContractTest extends LogStorageContractTest {
  @TempDir Path dir;

  @Override
  protected LogStorage open() throws Exception {
    Path d = java.nio.file.Files.createTempDirectory(dir, "log");
    return new SegmentedLogStorage(d, 1024);
  }

  @Override
  protected LogStorage restart(LogStorage old) throws Exception {
    Path d = ((SegmentedLogStorage) old).directory();
    old.close();
    return new SegmentedLogStorage(d, 1024);
  }
}
