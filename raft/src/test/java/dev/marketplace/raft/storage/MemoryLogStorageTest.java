package dev.marketplace.raft.storage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.marketplace.raft.HardState;
import dev.marketplace.raft.LogStorage;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The contract suite against {@link MemoryLogStorage}, plus its crash model. */
class MemoryLogStorageTest extends LogStorageContractTest {

  @Override
  protected LogStorage open() {
    return new MemoryLogStorage();
  }

  @Override
  protected LogStorage restart(LogStorage old) throws Exception {
    MemoryLogStorage copy = ((MemoryLogStorage) old).durableCopy();
    old.close();
    return copy;
  }

  @Test
  void durableCopyHoldsOnlyWhatWasSynced() throws Exception {
    MemoryLogStorage m = (MemoryLogStorage) storage;
    m.append(range(1, 11, 1));
    m.saveHardState(new HardState(1, 1));
    m.sync();
    m.append(range(11, 21, 1));
    m.append(List.of(entry(5, 2)));
    m.saveHardState(new HardState(2, 3));
    MemoryLogStorage crashed = m.durableCopy();
    assertThat(crashed.lastIndex()).isEqualTo(10);
    assertThat(crashed.hardState()).isEqualTo(new HardState(1, 1));
    assertThat(crashed.entries(1, 11, Long.MAX_VALUE)).containsExactlyElementsOf(range(1, 11, 1));
    m.sync();
    assertThat(m.durableCopy().entries(1, 6, Long.MAX_VALUE))
        .containsExactlyElementsOf(concat(range(1, 5, 1), List.of(entry(5, 2))));
  }
}
