package dev.marketplace.buyerclient;

import dev.marketplace.cli.AccountCommands;
import dev.marketplace.cli.CliContext;
import dev.marketplace.cli.ClientRoot;
import dev.marketplace.cli.ShellCommand;
import picocli.CommandLine.Command;

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

  /** Runs the client in {@code ctx}; returns the exit code. */
  public static int run(String[] args, CliContext ctx) {
    return ClientRoot.run(Root::new, args, ctx);
  }

  /** The top-level {@code buyer-client} command. Not thread-safe. */
  @Command(
      name = "buyer-client",
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
      footer = {
        ClientRoot.EXIT_CODES,
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
    public Root() {
      super("buyer");
    }
  }
}
