package dev.marketplace.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.Set;

/**
 * The login session of one role kept in a file between separate client invocations, so
 * {@code login} in one process and {@code my-items} in the next share the bearer token.
 *
 * <p>The file holds a small JSON object {@code {"role","token","userId","expiresInSeconds"}} and is
 * readable by its owner only (mode 600; its directory is created with mode 700). It is replaced
 * atomically, so a concurrent reader sees the old or the new session, never half a file. Not
 * synchronized: separate processes racing on login simply last-writer-win.
 */
public final class SessionStore {
  /** A stored session. */
  public record Session(String role, String token, String userId, long expiresInSeconds) {}

  private static final Set<PosixFilePermission> FILE_MODE =
      PosixFilePermissions.fromString("rw-------");
  private static final Set<PosixFilePermission> DIR_MODE =
      PosixFilePermissions.fromString("rwx------");

  private final Path file;

  public SessionStore(Path file) {
    this.file = file.toAbsolutePath();
  }

  public Path file() {
    return file;
  }

  /** Writes the session with mode 600, replacing any previous one. */
  public void save(Session session) throws IOException {
    ObjectNode node = Json.object();
    node.put("role", session.role());
    node.put("token", session.token());
    node.put("userId", session.userId());
    node.put("expiresInSeconds", session.expiresInSeconds());
    Path dir = file.getParent();
    if (!Files.isDirectory(dir)) {
      if (posix(dir.getRoot())) {
        Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(DIR_MODE));
      } else {
        Files.createDirectories(dir);
      }
    }
    Path tmp = dir.resolve("." + file.getFileName() + ".tmp" + ProcessHandle.current().pid());
    Files.deleteIfExists(tmp);
    boolean posix = posix(dir);
    try {
      if (posix) {
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(FILE_MODE));
        Files.setPosixFilePermissions(tmp, FILE_MODE); // in case the umask narrowed it oddly
      } else {
        Files.createFile(tmp);
      }
    } catch (FileAlreadyExistsException e) {
      throw new IOException("cannot create " + tmp + ": exists", e);
    }
    try {
      Files.writeString(tmp, Json.write(node) + "\n");
      try {
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
      if (posix) {
        Files.setPosixFilePermissions(file, FILE_MODE);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /**
   * The stored session, empty when there is none. A file that is not a session of {@code role}
   * is an {@link ApiException} telling the user to log in again.
   */
  public Optional<Session> load(String role) throws ApiException {
    if (!Files.exists(file)) {
      return Optional.empty();
    }
    String text;
    try {
      text = Files.readString(file);
    } catch (IOException e) {
      throw ApiException.local("Cannot read session file", file + ": " + e.getMessage(),
          ExitCodes.ERROR);
    }
    JsonNode node = Json.parseOrNull(text);
    String token = Json.text(node, "token");
    if (node == null || !node.isObject() || token.isBlank()) {
      throw ApiException.local("Unusable session file",
          file + " is not a session; run logout, then login", ExitCodes.AUTH);
    }
    String storedRole = Json.text(node, "role");
    if (!role.equals(storedRole)) {
      throw ApiException.local("Wrong session file",
          file + " holds a " + storedRole + " session, not a " + role + " session",
          ExitCodes.AUTH);
    }
    return Optional.of(new Session(storedRole, token, Json.text(node, "userId"),
        node.path("expiresInSeconds").asLong(0)));
  }

  /** Deletes the file; whether there was one. */
  public boolean delete() throws IOException {
    return Files.deleteIfExists(file);
  }

  private static boolean posix(Path p) {
    return p != null && Files.exists(p)
        && p.getFileSystem().supportedFileAttributeViews().contains("posix");
  }
}
