package dev.marketplace.sellerclient;

import dev.marketplace.cli.AccountCommands;
import dev.marketplace.cli.CliContext;
import dev.marketplace.cli.ClientRoot;
import dev.marketplace.cli.ShellCommand;
import picocli.CommandLine.Command;

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

  /** Runs the client in {@code ctx}; returns the exit code. */
  public static int run(String[] args, CliContext ctx) {
    return ClientRoot.run(Root::new, args, ctx);
  }

  /** The top-level {@code seller-client} command. Not thread-safe. */
  @Command(
      name = "seller-client",
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
      footer = {
        ClientRoot.EXIT_CODES,
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
    public Root() {
      super("seller");
    }
  }
}
