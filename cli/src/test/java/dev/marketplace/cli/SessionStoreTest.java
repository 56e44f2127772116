package dev.marketplace.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SessionStoreTest {
  @TempDir Path dir;

  @Test
  void savedSessionIsOwnerOnlyAndReadsBack() throws Exception {
    Path file = dir.resolve("new-dir/seller-session");
    SessionStore store = new SessionStore(file);
    store.save(new SessionStore.Session("seller", "tok", "s1", 300));
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent())))
        .isEqualTo("rwx------");
    assertThat(store.load("seller")).contains(new SessionStore.Session("seller", "tok", "s1", 300));
    store.save(new SessionStore.Session("seller", "tok2", "s1", 300));
    assertThat(store.load("seller").orElseThrow().token()).isEqualTo("tok2");
    try (var files = Files.list(file.getParent())) {
      assertThat(files).containsExactly(file); // no temporary file left behind
    }
    assertThat(store.delete()).isTrue();
    assertThat(Files.exists(file)).isFalse();
    assertThat(store.load("seller")).isEmpty();
    assertThat(store.delete()).isFalse();
  }

  @Test
  void anotherRolesSessionOrGarbageIsAnAuthError() throws Exception {
    SessionStore store = new SessionStore(dir.resolve("s"));
    store.save(new SessionStore.Session("buyer", "tok", "b1", 300));
    assertThat(ApiClientTest.catchApi(() -> store.load("seller")).exitCode())
        .isEqualTo(ExitCodes.AUTH);
    Files.writeString(dir.resolve("s"), "not json");
    assertThat(ApiClientTest.catchApi(() -> store.load("buyer")).render())
        .contains("is not a session");
  }
}
