package dev.marketplace.sellerclient;

import dev.marketplace.cli.AccountCommands;
import dev.marketplace.cli.CliContext;
import dev.marketplace.cli.ClientRoot;
import dev.marketplace.cli.ShellCommand;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.SplittableRandom;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The seller command-line client: every seller API operation as a subcommand, and an interactive
 * shell (the default without arguments). Configuration: {@code SELLER_SERVERS} (or
 * {@code --seller-servers}), {@code SELLER_SESSION_FILE} (or {@code --session-file}); see the
 * module README. Entry points are stateless; each run builds its own objects.
 */
public final class SellerClientMain {
  private SellerClientMain() {}

  /** Runs the client and exits the JVM with its exit code. */
  public static void main(String[] args) {
    System.exit(run(args, CliContext.system()));
  }

  /** Runs the client on the given streams with the process environment; returns the exit code. */
  public static int run(String[] args, PrintStream out, PrintStream err, InputStream in) {
    return run(args, new CliContext(out, err, in, System.getenv(), new SplittableRandom(), null));
  }

  /** Runs the client in {@code ctx}; returns the exit code. */
  public static int run(String[] args, CliContext ctx) {
    return ClientRoot.run(() -> commandLine(ctx), args, ctx);
  }

  /** A configured command line over a fresh {@link Root}. */
  public static CommandLine commandLine(CliContext ctx) {
    Root root = new Root();
    return ClientRoot.configure(new CommandLine(root), root, ctx);
  }

  /** The top-level {@code seller-client} command. Not thread-safe. */
  @Command(
      name = "seller-client",
      mixinStandardHelpOptions = true,
      version = "marketplace seller-client 0.1.0",
      description = {
        "Marketplace seller client. Without a command it starts the interactive shell.",
        "Requests go to a random server of SELLER_SERVERS and fail over to the others."
      },
      subcommands = {
        AccountCommands.CreateAccount.class,
        AccountCommands.Login.class,
        AccountCommands.Logout.class,
        SellerCommands.Rating.class,
        SellerCommands.ListItem.class,
        SellerCommands.MyItems.class,
        SellerCommands.SetPrice.class,
        SellerCommands.SetQuantity.class,
        SellerCommands.RemoveUnits.class,
        ShellCommand.class
      },
      footerHeading = "%nExit codes:%n",
      footer = {
        "  0 ok, 1 other error, 2 usage, 3 invalid input (400),",
        "  4 not logged in or not yours (401/403), 5 not found (404), 6 conflict (409),",
        "  7 payment declined (402), 8 no server available.",
        "",
        "Examples:",
        "  export SELLER_SERVERS=127.0.0.1:8081,127.0.0.1:8082",
        "  seller-client create-account --username ann --name Ann",
        "  seller-client login --username ann",
        "  seller-client list-item --name Lamp --category 3 --keywords desk,light \\",
        "      --condition NEW --price 19.99 --quantity 5",
        "  seller-client my-items --json",
        "  seller-client set-price 3-17 17.50",
        "  seller-client                      (interactive shell)"
      })
  public static final class Root extends ClientRoot {
    @Option(
        names = {"--seller-servers", "--servers"},
        paramLabel = "HOST:PORT[,HOST:PORT...]",
        description = "Seller servers (env SELLER_SERVERS).")
    String servers;

    @Option(
        names = {"--seller-session-file", "--session-file"},
        paramLabel = "FILE",
        description = "Where the login session is kept (env SELLER_SESSION_FILE;"
            + " default ~/.marketplace/seller-session).")
    Path sessionFile;

    @Override
    public String role() {
      return "seller";
    }

    @Override
    protected String serversOption() {
      return servers;
    }

    @Override
    protected String serversVariable() {
      return "SELLER_SERVERS";
    }

    @Override
    protected Path sessionFileOption() {
      return sessionFile;
    }

    @Override
    protected String shellTitle() {
      return "Marketplace - seller menu";
    }
  }
}
