package dev.marketplace.buyerclient;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.marketplace.cli.ApiCommand;
import dev.marketplace.cli.ApiException;
import dev.marketplace.cli.ApiResponse;
import dev.marketplace.cli.ExitCodes;
import dev.marketplace.cli.ItemCommand;
import dev.marketplace.cli.Json;
import dev.marketplace.cli.Shell;
import dev.marketplace.cli.Table;
import dev.marketplace.cli.Views;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The buyer-only subcommands, one nested class each. Not thread-safe. */
public final class BuyerCommands {
  private BuyerCommands() {}

  /** A feedback vote, as in the contract. */
  public enum Vote { UP, DOWN }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /** Prints a cart {@code {items:[...],total}}. */
  static void printCart(java.io.PrintStream out, JsonNode cart) {
    Table t = Views.lines(cart.get("items"));
    if (t.size() == 0) {
      out.println("The cart is empty.");
      return;
    }
    t.print(out);
    out.println("Total: " + Json.text(cart, "total"));
  }

  /** {@code search}: {@code GET /items?category=N&keywords=a,b}. */
  @Command(name = "search",
      description = "Search items for sale by category and keywords.",
      footer = {"  buyer-client search --category 3",
        "  buyer-client search --category 3 --keywords desk,lamp --json"})
  public static final class Search extends ApiCommand {
    @Option(names = "--category", required = true, description = "Category 0-9.")
    int category;

    @Option(names = "--keywords", split = ",", paramLabel = "WORD[,WORD...]",
        description = "Keywords; items matching more of them come first.")
    List<String> keywords = new ArrayList<>();

    @Override
    protected int execute() throws ApiException {
      StringBuilder path = new StringBuilder("/items?category=").append(category);
      List<String> words = keywords.stream().map(String::strip).filter(k -> !k.isEmpty())
          .map(BuyerCommands::encode).toList();
      if (!words.isEmpty()) {
        path.append("&keywords=").append(String.join(",", words));
      }
      ApiResponse r = optionallyAuthenticated().get(path.toString());
      return show(r, json -> Views.items(out(), json, "No items found."));
    }
  }

  /** {@code item}: {@code GET /items/{itemId}}. */
  @Command(name = "item",
      description = "Show one item.",
      footer = {"  buyer-client item 3-17"})
  public static final class Item extends ItemCommand {
    @Override
    protected int execute() throws ApiException {
      ApiResponse r = optionallyAuthenticated().get("/items/" + itemId);
      return show(r, json -> Views.items(out(), json, ""));
    }
  }

  /** {@code cart}: {@code GET /cart}. */
  @Command(name = "cart",
      description = "Show the shopping cart.",
      footer = {"  buyer-client cart"})
  public static final class Cart extends ApiCommand {
    @Override
    protected int execute() throws ApiException {
      ApiResponse r = authenticated().get("/cart");
      return show(r, json -> printCart(out(), json));
    }
  }

  /** Base of {@code cart-add} and {@code cart-remove}: {@code {itemId, quantity}} to a cart path. */
  abstract static class CartChange extends ItemCommand {
    int changeCart(String path, int quantity) throws ApiException {
      return send("POST", path, Json.object().put("itemId", itemId).put("quantity", quantity),
          json -> printCart(out(), json));
    }
  }

  /** {@code cart-add}: {@code POST /cart/items}. */
  @Command(name = "cart-add",
      description = "Add units of an item to the cart.",
      footer = {"  buyer-client cart-add 3-17        (one unit)", "  buyer-client cart-add 3-17 2"})
  public static final class CartAdd extends CartChange {
    @Parameters(index = "1", arity = "0..1", paramLabel = "QUANTITY", defaultValue = "1",
        description = "Units to add (default ${DEFAULT-VALUE}).")
    int quantity;

    @Override
    protected int execute() throws ApiException {
      return changeCart("/cart/items", quantity);
    }
  }

  /** {@code cart-remove}: {@code POST /cart/removals}. */
  @Command(name = "cart-remove",
      description = "Remove units of an item from the cart.",
      footer = {"  buyer-client cart-remove 3-17 1"})
  public static final class CartRemove extends CartChange {
    @Parameters(index = "1", arity = "0..1", paramLabel = "QUANTITY", defaultValue = "1",
        description = "Units to remove (default ${DEFAULT-VALUE}).")
    int quantity;

    @Override
    protected int execute() throws ApiException {
      return changeCart("/cart/removals", quantity);
    }
  }

  /** {@code cart-clear}: {@code DELETE /cart}. */
  @Command(name = "cart-clear",
      description = "Empty the cart.",
      footer = {"  buyer-client cart-clear"})
  public static final class CartClear extends ApiCommand {
    @Override
    protected int execute() throws ApiException {
      return done(authenticated().write("DELETE", "/cart", null), "The cart is now empty.");
    }
  }

  /** {@code cart-save}: {@code POST /cart/save}. */
  @Command(name = "cart-save",
      description = "Keep the cart across logout and login.",
      footer = {"  buyer-client cart-save"})
  public static final class CartSave extends ApiCommand {
    @Override
    protected int execute() throws ApiException {
      return done(authenticated().write("POST", "/cart/save", null), "Cart saved.");
    }
  }

  /** {@code purchase}: {@code POST /purchases}. */
  @Command(name = "purchase",
      description = "Buy everything in the cart with a card.",
      footer = {
        "  buyer-client purchase",
        "      (asks for name, card number, expiration and security code)",
        "  buyer-client purchase --name \"Bob Brown\" --card 4111111111111111 \\",
        "      --expiration 12/29 --security-code 123",
        "Card number and security code are read without echo on a terminal.",
        "The security code is asked for only when --card is not given."
      })
  public static final class Purchase extends ApiCommand {
    @Option(names = "--name", description = "Name on the card.")
    String name;

    @Option(names = "--card", descriptionKey = Shell.SECRET,
        description = "Card number; asked for (without echo) when omitted.")
    String card;

    @Option(names = "--expiration", paramLabel = "MM/YY", description = "Expiration, MM/YY.")
    String expiration;

    @Option(names = "--security-code", descriptionKey = Shell.SECRET,
        description = "3-4 digits, optional; asked for when --card is asked for.")
    String securityCode;

    @Override
    protected int execute() throws ApiException {
      var api = authenticated();
      String holder = orPrompt(name, "--name", "Name on the card", false);
      boolean askCode = card == null && securityCode == null;
      String number = orPrompt(card, "--card", "Card number", true);
      String exp = orPrompt(expiration, "--expiration", "Expiration (MM/YY)", false);
      String code = securityCode;
      if (askCode) {
        code = context().prompt("Security code (optional, Enter to skip)", true);
      }
      ObjectNode body = Json.object().put("name", holder).put("cardNumber", number)
          .put("expiration", exp);
      if (code != null && !code.isBlank()) {
        body.put("securityCode", code.strip());
      }
      ApiResponse r = api.write("POST", "/purchases", body);
      return show(r, json -> {
        out().println("Purchase " + Json.text(json, "id") + " approved at "
            + Json.text(json, "purchasedAt") + ".");
        Views.lines(json.get("items")).print(out());
        out().println("Total: " + Json.text(json, "total"));
      });
    }
  }

  /** {@code purchases}: {@code GET /purchases}. */
  @Command(name = "purchases",
      description = "List your past purchases.",
      footer = {"  buyer-client purchases"})
  public static final class Purchases extends ApiCommand {
    @Override
    protected int execute() throws ApiException {
      ApiResponse r = authenticated().get("/purchases");
      return show(r, json -> {
        Table t = new Table("ID", "PURCHASED AT", "ITEMS", "TOTAL").alignRight(3);
        for (JsonNode p : json) {
          List<String> lines = new ArrayList<>();
          JsonNode items = p.get("items");
          if (items != null && items.isArray()) {
            for (JsonNode l : items) {
              lines.add(Json.text(l, "itemId") + " x" + Json.text(l, "quantity"));
            }
          }
          t.row(Json.text(p, "id"), Json.text(p, "purchasedAt"), String.join(", ", lines),
              Json.text(p, "total"));
        }
        if (t.size() == 0) {
          out().println("No purchases yet.");
        } else {
          t.print(out());
        }
      });
    }
  }

  /** {@code feedback}: {@code POST /feedback}. */
  @Command(name = "feedback",
      description = "Give thumbs up or down to an item you bought (once per item).",
      footer = {"  buyer-client feedback 3-17 up"})
  public static final class Feedback extends ItemCommand {
    @Parameters(index = "1", paramLabel = "VOTE", description = "up or down.")
    Vote vote;

    @Override
    protected int execute() throws ApiException {
      ApiResponse r = authenticated().write("POST", "/feedback",
          Json.object().put("itemId", itemId).put("vote", vote.name()));
      return done(r, "Feedback recorded: " + vote.name().toLowerCase() + " for " + itemId + ".");
    }
  }

  /** {@code seller-rating}: {@code GET /sellers/{sellerId}/rating}. */
  @Command(name = "seller-rating",
      description = "Show a seller's rating.",
      footer = {"  buyer-client seller-rating s1"})
  public static final class SellerRating extends ApiCommand {
    @Parameters(index = "0", paramLabel = "SELLER_ID",
        description = "Seller id (the SELLER column of item tables).")
    String sellerId;

    @Override
    protected int execute() throws ApiException {
      if (sellerId.isBlank()) {
        throw ApiException.local("Missing value", "SELLER_ID is empty", ExitCodes.USAGE);
      }
      ApiResponse r = optionallyAuthenticated().get(
          "/sellers/" + encode(sellerId.strip()) + "/rating");
      return show(r, json -> Views.rating(out(), json));
    }
  }
}
