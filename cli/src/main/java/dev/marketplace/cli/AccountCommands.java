package dev.marketplace.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The account and session subcommands, identical for sellers and buyers except for the role,
 * which comes from the top-level command: {@code create-account} ({@code POST /sellers} or
 * {@code /buyers}), {@code login} ({@code POST /sessions}, token kept in the session file) and
 * {@code logout} ({@code DELETE /sessions/current}, session file removed). Not thread-safe.
 */
public final class AccountCommands {
  private AccountCommands() {}

  /** {@code create-account}: registers a new account (does not log in). */
  @Command(
      name = "create-account",
      description = "Create an account (then use login).",
      footer = {
        "  ${ROOT-COMMAND-NAME} create-account --username ann --name \"Ann Smith\"",
        "      (asks for the password)",
        "  ${ROOT-COMMAND-NAME} create-account --username ann --password s3cret! --name Ann"
      })
  public static final class CreateAccount extends ApiCommand {
    @Option(names = "--username", required = true, description = "Unique user name, 1-32 chars.")
    String username;

    @Option(names = "--password", descriptionKey = Shell.SECRET,
        description = "At least 6 chars; asked for (without echo) when omitted.")
    String password;

    @Option(names = "--name", required = true, description = "Display name, 1-32 chars.")
    String name;

    @Override
    protected int execute() throws ApiException {
      String pw = orPrompt(password, "--password", "Password", true);
      ObjectNode body = Json.object().put("username", username).put("password", pw)
          .put("name", name);
      ApiResponse r = anonymous().write("POST", "/" + root.role() + "s", body);
      return show(r, json -> {
        out().println("Account created. Now log in with: login --username "
            + Json.text(json, "username"));
        new Table("ID", "USERNAME", "NAME").row(Json.text(json, "id"),
            Json.text(json, "username"), Json.text(json, "name")).print(out());
      });
    }
  }

  /** {@code login}: opens a session and stores its token in the session file. */
  @Command(
      name = "login",
      description = "Log in; the session is kept in the session file for later commands.",
      footer = {
        "  ${ROOT-COMMAND-NAME} login --username ann            (asks for the password)",
        "  ${ROOT-COMMAND-NAME} --session-file /tmp/ann.session login --username ann \\",
        "      --password s3cret!"
      })
  public static final class Login extends ApiCommand {
    @Option(names = "--username", required = true, description = "Your user name.")
    String username;

    @Option(names = "--password", descriptionKey = Shell.SECRET,
        description = "Your password; asked for (without echo) when omitted.")
    String password;

    @Override
    protected int execute() throws ApiException, IOException {
      String pw = orPrompt(password, "--password", "Password", true);
      ObjectNode body = Json.object().put("username", username).put("password", pw);
      ApiResponse r = anonymous().write("POST", "/sessions", body);
      String token = Json.text(r.json(), "token");
      if (token.isBlank()) {
        throw ApiException.local("Malformed response", "login answered without a token",
            ExitCodes.ERROR);
      }
      String userId = Json.text(r.json(), root.role() + "Id");
      long expires = r.json().path("expiresInSeconds").asLong(0);
      SessionStore store = root.sessions();
      store.save(new SessionStore.Session(root.role(), token, userId, expires));
      return show(r, json -> out().println("Logged in as " + username + " (" + root.role()
          + " id " + userId + "); the session ends after " + expires
          + " s without a request. Session file: " + store.file()));
    }
  }

  /** {@code logout}: ends the session on the server and removes the session file. */
  @Command(
      name = "logout",
      description = "Log out: end the session and remove the session file.",
      footer = {"  ${ROOT-COMMAND-NAME} logout"})
  public static final class Logout extends ApiCommand {
    @Override
    protected int execute() throws ApiException, IOException {
      SessionStore store = root.sessions();
      if (store.load(root.role()).isEmpty()) {
        out().println("Not logged in.");
        return ExitCodes.OK;
      }
      ApiClient api = authenticated();
      try {
        ApiResponse r = api.write("DELETE", "/sessions/current", null);
        store.delete();
        return done(r, "Logged out.");
      } catch (ApiException e) {
        store.delete();
        api.setBearerToken(null);
        if (e.status() == 401) {
          out().println("Logged out (the session had already ended).");
          return ExitCodes.OK;
        }
        context().err().println(e.render());
        context().err().println("  the local session file was removed anyway");
        return e.exitCode();
      }
    }
  }
}
