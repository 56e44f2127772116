package dev.marketplace.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintStream;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * Base of every subcommand that talks to a server: access to the shared {@link ApiClient} and
 * session, output as a table or (with {@code --json}) the raw JSON, prompting for missing secret
 * values, and one place that turns an {@link ApiException} into a message and an exit code.
 * The same instances serve one-shot invocations and the shell.
 *
 * Every subcommand's help footer holds its examples, under the heading set here.
 *
 * <p>Not thread-safe: picocli fills the fields, then calls {@link #call()} on one thread.
 */
@Command(footerHeading = "%nExamples:%n")
public abstract class ApiCommand implements Callable<Integer> {
  @ParentCommand protected ClientRoot root;

  @Spec protected CommandSpec spec;

  @Option(names = "--json", description = "Print the server's JSON instead of a table.")
  boolean jsonOption;

  @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
  boolean help;

  private boolean authenticatedCall;

  @Override
  public final Integer call() {
    authenticatedCall = false;
    try {
      return execute();
    } catch (ApiException e) {
      return report(e);
    } catch (IOException e) {
      context().err().println("error: " + e.getMessage());
      return ExitCodes.ERROR;
    }
  }

  /** The command's work; returns the exit code. */
  protected abstract int execute() throws ApiException, IOException;

  protected CliContext context() {
    return root.context();
  }

  protected PrintStream out() {
    return context().out();
  }

  /** Whether JSON output was asked for, here or at the top level. */
  protected boolean json() {
    return jsonOption || root.json();
  }

  /** The client, sending no token (account creation, login). */
  protected ApiClient anonymous() throws ApiException {
    ApiClient api = root.api();
    api.setBearerToken(null);
    return api;
  }

  /** The client with the stored session's token; not logged in is an error (exit 4). */
  protected ApiClient authenticated() throws ApiException {
    var session = root.sessions().load(root.role());
    if (session.isEmpty()) {
      throw ApiException.local("Not logged in",
          "run '" + root.spec.name() + " login' first", ExitCodes.AUTH);
    }
    ApiClient api = root.api();
    api.setBearerToken(session.get().token());
    authenticatedCall = true;
    return api;
  }

  /** The client with the stored session's token when there is one, else anonymous. */
  protected ApiClient optionallyAuthenticated() throws ApiException {
    if (root.sessions().load(root.role()).isPresent()) {
      return authenticated();
    }
    return anonymous();
  }

  /** Prints the raw JSON body, or lets {@code table} render the parsed body. Returns 0. */
  protected int show(ApiResponse response, Consumer<JsonNode> table) {
    if (json()) {
      if (!response.isEmpty()) {
        out().println(response.body().strip());
      }
    } else {
      table.accept(response.json());
    }
    out().flush();
    return ExitCodes.OK;
  }

  /** Prints {@code message} unless JSON output was asked for (then prints the body, if any). */
  protected int done(ApiResponse response, String message) {
    return show(response, json -> out().println(message));
  }

  /**
   * {@code value} when given, else asks for it (without echo on a terminal when {@code secret});
   * empty or end of input is a usage error naming {@code option}.
   */
  protected String orPrompt(String value, String option, String label, boolean secret)
      throws ApiException {
    if (value != null) {
      return value;
    }
    String answer = context().prompt(label, secret);
    if (answer == null || answer.isEmpty()) {
      throw ApiException.local("Missing value", option + " is required", ExitCodes.USAGE);
    }
    return answer;
  }

  /** Shows the error; after a 401 on an authenticated call the stale session file is removed. */
  protected int report(ApiException e) {
    PrintStream err = context().err();
    err.println(e.render());
    if (json() && e.rawBody() != null && !e.rawBody().isBlank()) {
      out().println(e.rawBody().strip());
    }
    if (e.status() == 401 && authenticatedCall) {
      try {
        if (root.sessions().delete()) {
          err.println("  the session has expired or is unknown; it was removed: log in again");
        }
      } catch (IOException io) {
        err.println("  could not remove the session file: " + io.getMessage());
      }
    }
    out().flush();
    err.flush();
    return e.exitCode();
  }
}
