package dev.marketplace.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.marketplace.cli.CliHarness.Result;
import dev.marketplace.cli.StubServer.Recorded;
import dev.marketplace.cli.StubServer.Reply;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * Base of the two clients' tests: a {@link StubServer} per test answering from {@link #routes}
 * (404 problem for anything else), a session file in a temporary directory, and the client run
 * against that server. Test scope only (shipped in the test-jar); not thread-safe.
 */
public abstract class ClientTestBase {
  @TempDir protected Path dir;
  protected Path sessionFile;
  protected final Map<String, Reply> routes = new HashMap<>();
  /** Every server started by the test (closed after it); the first is {@link #server}. */
  protected final List<StubServer> servers = new ArrayList<>();
  protected StubServer server;

  /** Where the client's session file is, under the test's temporary {@code dir}. */
  protected abstract Path sessionFileIn(Path dir);

  /** The client configured with {@code serverList} (host:port,...) and the session file. */
  protected abstract CliHarness cli(String serverList);

  @BeforeEach
  void startStubServer() throws Exception {
    sessionFile = sessionFileIn(dir);
    server = StubServer.start(r -> routes.getOrDefault(r.method() + " " + r.path(),
        Reply.problem(404, "Not Found", "no route " + r.path())));
    servers.add(server);
  }

  @AfterEach
  void stopStubServers() {
    servers.forEach(StubServer::close);
  }

  /** Runs the client against {@link #server}. */
  protected Result run(String... args) {
    return cli(server.hostPort()).run(args);
  }

  /** A recorded request's JSON body, or null. */
  protected static JsonNode body(Recorded r) {
    return Json.parseOrNull(r.body());
  }
}
