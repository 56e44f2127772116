package dev.marketplace.cli;

import dev.marketplace.config.ConfigException;
import dev.marketplace.config.EnvDefaults;
import dev.marketplace.config.HostPort;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Base of the two clients' top-level commands: the global options shared by every subcommand
 * (servers, session file, timeouts, {@code --json}; the first two are named after the role, e.g.
 * {@code --buyer-servers}, and added by {@link #configure}), the standard help and version options
 * and the exit-code part of the help footer, the lazily created {@link ApiClient} (kept for the
 * whole run, so the shell sticks to the server that last answered), the session store, and the
 * wiring of a picocli {@link CommandLine} (configuration from the environment, streams, error
 * handling). Run without a subcommand it starts the interactive {@link Shell}. A client is a
 * subclass carrying its own {@code @Command} (name, description, subcommands, footer starting
 * with {@link #EXIT_CODES}) and a main that calls {@link #run(Supplier, String[], CliContext)}.
 *
 * <p>Not thread-safe: one instance per run.
 */
@Command(mixinStandardHelpOptions = true, version = "marketplace ${COMMAND-NAME} 0.1.0",
    footerHeading = "%nExit codes:%n")
public abstract class ClientRoot implements Callable<Integer> {
  /** The exit codes of {@link ExitCodes}, as the first lines of each client's help footer. */
  public static final String EXIT_CODES = "  0 ok, 1 other error, 2 usage, 3 invalid input (400),%n"
      + "  4 not logged in or not yours (401/403), 5 not found (404), 6 conflict (409),%n"
      + "  7 payment declined (402), 8 no server available.";


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

  private final String role;
  private OptionSpec serversOption;
  private OptionSpec sessionFileOption;
  private CliContext ctx;
  private ApiClient api;

  /**
   * @param role "seller" or "buyer": names the session, the role's options ({@code
   *     --<role>-servers}, {@code --<role>-session-file}) and variables ({@code <ROLE>_SERVERS},
   *     {@code <ROLE>_SESSION_FILE}), and the servers in messages
   */
  protected ClientRoot(String role) {
    this.role = role;
  }

  /** "seller" or "buyer". */
  public final String role() {
    return role;
  }

  /** The raw value of the servers option, or null when not configured. */
  private String serversText() {
    return serversOption.getValue();
  }

  /** The environment variable the servers option reads, e.g. {@code SELLER_SERVERS}. */
  private String serversVariable() {
    return role.toUpperCase(Locale.ROOT) + "_SERVERS";
  }

  /** Adds the options named after the role (see {@link #ClientRoot(String)}). */
  private void addRoleOptions(CommandSpec spec) {
    String title = Character.toUpperCase(role.charAt(0)) + role.substring(1);
    serversOption = OptionSpec.builder("--" + role + "-servers", "--servers")
        .paramLabel("HOST:PORT[,HOST:PORT...]").type(String.class)
        .description(title + " servers (env " + serversVariable() + ").").build();
    sessionFileOption = OptionSpec.builder("--" + role + "-session-file", "--session-file")
        .paramLabel("FILE").type(Path.class)
        .description("Where the login session is kept (env "
            + role.toUpperCase(Locale.ROOT) + "_SESSION_FILE; default ~/.marketplace/" + role
            + "-session).").build();
    spec.addOption(serversOption);
    spec.addOption(sessionFileOption);
  }

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
      String text = serversText();
      if (text == null || text.isBlank()) {
        throw ApiException.local("No " + role() + " servers configured",
            "set " + serversVariable() + "=host:port,host:port or use --"
                + serversVariable().toLowerCase(Locale.ROOT).replace('_', '-'),
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
    Path file = sessionFileOption.getValue();
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
    return new Shell(ctx, spec.commandLine(), role + "> ", "Marketplace - " + role + " menu")
        .run();
  }

  /**
   * Wires a command line whose user object is {@code root}: picocli defaults for the top-level
   * options from {@code ctx.env()} and {@code .env} (subcommand options never read the
   * environment, so e.g. {@code USERNAME} cannot leak into {@code --username}), streams, enum
   * values case-insensitive, and unexpected exceptions reported as one line with exit code 1.
   */
  public static CommandLine configure(CommandLine cl, ClientRoot root, CliContext ctx) {
    root.ctx = ctx;
    root.addRoleOptions(cl.getCommandSpec());
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

  /**
   * A client's whole run: {@code args} on a command line {@linkplain #configure configured} over
   * a fresh root from {@code roots}; returns the exit code (a bad configuration is 2).
   */
  public static int run(Supplier<? extends ClientRoot> roots, String[] args, CliContext ctx) {
    CommandLine cl;
    try {
      ClientRoot root = roots.get();
      cl = configure(new CommandLine(root), root, ctx);
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
