package dev.marketplace.cli;

import dev.marketplace.config.ConfigException;
import dev.marketplace.config.EnvDefaults;
import dev.marketplace.config.HostPort;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Base of the two clients' top-level commands: the global options shared by every subcommand
 * (servers, session file, timeouts, {@code --json}), the lazily created {@link ApiClient} (kept for
 * the whole run, so the shell sticks to the server that last answered), the session store, and
 * the wiring of a picocli {@link CommandLine} (configuration from the environment, streams, error
 * handling). Run without a subcommand it starts the interactive {@link Shell}.
 *
 * <p>Not thread-safe: one instance per run.
 */
public abstract class ClientRoot implements Callable<Integer> {
  @Spec protected CommandSpec spec;

  @Option(names = "--json", description = "Print the servers' JSON instead of tables.")
  boolean json;

  @Option(
      names = {"--request-timeout-ms", "--client-request-timeout-ms"},
      defaultValue = "5000",
      paramLabel = "MS",
      description = "Time to wait for one server's answer before trying the next"
          + " (env CLIENT_REQUEST_TIMEOUT_MS; default ${DEFAULT-VALUE}).")
  long requestTimeoutMs;

  @Option(
      names = {"--failover-deadline-ms", "--client-failover-deadline-ms"},
      defaultValue = "15000",
      paramLabel = "MS",
      description = "Total time one command may spend retrying across servers"
          + " (env CLIENT_FAILOVER_DEADLINE_MS; default ${DEFAULT-VALUE}).")
  long failoverDeadlineMs;

  private CliContext ctx;
  private ApiClient api;

  /** "seller" or "buyer": names the session and the servers in messages. */
  public abstract String role();

  /** The raw value of the servers option, or null when not configured. */
  protected abstract String serversOption();

  /** The environment variable the servers option reads, e.g. {@code SELLER_SERVERS}. */
  protected abstract String serversVariable();

  /** The session-file option's value, or null for the default. */
  protected abstract Path sessionFileOption();

  /** Title printed above the shell menu. */
  protected abstract String shellTitle();

  public CliContext context() {
    return ctx;
  }

  /** Whether {@code --json} was given at the top level. */
  public boolean json() {
    return json;
  }

  /** The client over the configured servers, created on first use. */
  public ApiClient api() throws ApiException {
    if (api == null) {
      String text = serversOption();
      if (text == null || text.isBlank()) {
        throw ApiException.local("No " + role() + " servers configured",
            "set " + serversVariable() + "=host:port,host:port or use --"
                + serversVariable().toLowerCase(java.util.Locale.ROOT).replace('_', '-'),
            ExitCodes.USAGE);
      }
      List<HostPort> servers;
      try {
        servers = HostPort.parseList(serversVariable(), text);
      } catch (ConfigException e) {
        throw ApiException.local("Bad configuration", e.getMessage(), ExitCodes.USAGE);
      }
      if (requestTimeoutMs <= 0 || failoverDeadlineMs <= 0) {
        throw ApiException.local("Bad configuration",
            "timeouts must be positive numbers of milliseconds", ExitCodes.USAGE);
      }
      ApiClient.Settings settings = ApiClient.Settings.defaults().withTimeouts(
          Duration.ofMillis(requestTimeoutMs), Duration.ofMillis(failoverDeadlineMs));
      api = new ApiClient(role() + " server", servers, settings, ctx.serverChooser());
    }
    return api;
  }

  /** Where this role's session is kept. */
  public SessionStore sessions() {
    Path file = sessionFileOption();
    if (file == null) {
      file = Path.of(System.getProperty("user.home"), ".marketplace", role() + "-session");
    }
    return new SessionStore(file);
  }

  /** No subcommand: the interactive shell. */
  @Override
  public Integer call() {
    return runShell();
  }

  /** Runs the shell over this root's command line. */
  public int runShell() {
    return new Shell(ctx, spec.commandLine(), role() + "> ", shellTitle()).run();
  }

  /**
   * Wires a command line whose user object is {@code root}: picocli defaults for the top-level
   * options from {@code ctx.env()} and {@code .env} (subcommand options never read the
   * environment, so e.g. {@code USERNAME} cannot leak into {@code --username}), streams, enum
   * values case-insensitive, and unexpected exceptions reported as one line with exit code 1.
   */
  public static CommandLine configure(CommandLine cl, ClientRoot root, CliContext ctx) {
    root.ctx = ctx;
    EnvDefaults env = new EnvDefaults(ctx.env());
    cl.setDefaultValueProvider(arg -> {
      boolean topLevel = arg.command() != null && arg.command().parent() == null;
      boolean isJson = arg instanceof OptionSpec o && o.longestName().equals("--json");
      return topLevel && !isJson ? env.defaultValue(arg) : arg.defaultValue();
    });
    cl.setCaseInsensitiveEnumValuesAllowed(true);
    cl.setOut(new PrintWriter(ctx.out(), true));
    cl.setErr(new PrintWriter(ctx.err(), true));
    cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
      ctx.err().println("error: " + (ex.getMessage() == null ? ex.toString() : ex.getMessage()));
      return ExitCodes.ERROR;
    });
    return cl;
  }

  /** Runs {@code args} on a configured command line; a bad configuration is exit code 2. */
  public static int run(java.util.function.Supplier<CommandLine> factory, String[] args,
      CliContext ctx) {
    CommandLine cl;
    try {
      cl = factory.get();
    } catch (ConfigException e) {
      ctx.err().println("error: " + e.getMessage());
      return ExitCodes.USAGE;
    }
    int code = cl.execute(args);
    ctx.out().flush();
    ctx.err().flush();
    return code;
  }
}
