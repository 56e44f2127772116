package dev.marketplace.buyerclient;

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
 * The buyer command-line client: every buyer API operation as a subcommand, and an interactive
 * shell (the default without arguments). Configuration: {@code BUYER_SERVERS} (or
 * {@code --buyer-servers}), {@code BUYER_SESSION_FILE} (or {@code --session-file}); see the
 * module README. Entry points are stateless; each run builds its own objects.
 */
public final class BuyerClientMain {
  private BuyerClientMain() {}

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

  /** The top-level {@code buyer-client} command. Not thread-safe. */
  @Command(
      name = "buyer-client",
      mixinStandardHelpOptions = true,
      version = "marketplace buyer-client 0.1.0",
      description = {
        "Marketplace buyer client. Without a command it starts the interactive shell.",
        "Requests go to a random server of BUYER_SERVERS and fail over to the others."
      },
      subcommands = {
        AccountCommands.CreateAccount.class,
        AccountCommands.Login.class,
        AccountCommands.Logout.class,
        BuyerCommands.Search.class,
        BuyerCommands.Item.class,
        BuyerCommands.Cart.class,
        BuyerCommands.CartAdd.class,
        BuyerCommands.CartRemove.class,
        BuyerCommands.CartClear.class,
        BuyerCommands.CartSave.class,
        BuyerCommands.Purchase.class,
        BuyerCommands.Purchases.class,
        BuyerCommands.Feedback.class,
        BuyerCommands.SellerRating.class,
        ShellCommand.class
      },
      footerHeading = "%nExit codes:%n",
      footer = {
        "  0 ok, 1 other error, 2 usage, 3 invalid input (400),",
        "  4 not logged in or not yours (401/403), 5 not found (404), 6 conflict (409),",
        "  7 payment declined (402), 8 no server available.",
        "",
        "Examples:",
        "  export BUYER_SERVERS=127.0.0.1:8091,127.0.0.1:8092",
        "  buyer-client create-account --username bob --name Bob",
        "  buyer-client login --username bob",
        "  buyer-client search --category 3 --keywords desk,lamp",
        "  buyer-client cart-add 3-17 2",
        "  buyer-client purchase --name \"Bob Brown\" --expiration 12/29   (asks for the card)",
        "  buyer-client purchases --json",
        "  buyer-client                      (interactive shell)"
      })
  public static final class Root extends ClientRoot {
    @Option(
        names = {"--buyer-servers", "--servers"},
        paramLabel = "HOST:PORT[,HOST:PORT...]",
        description = "Buyer servers (env BUYER_SERVERS).")
    String servers;

    @Option(
        names = {"--buyer-session-file", "--session-file"},
        paramLabel = "FILE",
        description = "Where the login session is kept (env BUYER_SESSION_FILE;"
            + " default ~/.marketplace/buyer-session).")
    Path sessionFile;

    @Override
    public String role() {
      return "buyer";
    }

    @Override
    protected String serversOption() {
      return servers;
    }

    @Override
    protected String serversVariable() {
      return "BUYER_SERVERS";
    }

    @Override
    protected Path sessionFileOption() {
      return sessionFile;
    }

    @Override
    protected String shellTitle() {
      return "Marketplace - buyer menu";
    }
  }
}
