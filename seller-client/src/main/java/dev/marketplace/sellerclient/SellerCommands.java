package dev.marketplace.sellerclient;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.marketplace.cli.ApiCommand;
import dev.marketplace.cli.ApiException;
import dev.marketplace.cli.ApiResponse;
import dev.marketplace.cli.Converters;
import dev.marketplace.cli.ItemCommand;
import dev.marketplace.cli.Json;
import dev.marketplace.cli.Views;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The seller-only subcommands, one nested class each. Not thread-safe. */
public final class SellerCommands {
  private SellerCommands() {}

  /** Base of the item changes: {@code /items/{itemId}/...}, answered with the item. */
  abstract static class ItemUpdate extends ItemCommand {
    int update(String method, String pathSuffix, ObjectNode body) throws ApiException {
      return send(method, "/items/" + itemId + pathSuffix, body,
          json -> Views.items(out(), json, ""));
    }
  }

  /** Item condition, as in the contract. */
  public enum Condition { NEW, USED }

  /** {@code rating}: {@code GET /me/rating}. */
  @Command(name = "rating",
      description = "Show your seller rating (thumbs up and down).",
      footer = {"  seller-client rating"})
  public static final class Rating extends ApiCommand {
    @Override
    protected int execute() throws ApiException {
      ApiResponse r = authenticated().get("/me/rating");
      return show(r, json -> Views.rating(out(), json));
    }
  }

  /** {@code list-item}: {@code POST /items}. */
  @Command(name = "list-item",
      description = "Put an item up for sale.",
      footer = {
        "  seller-client list-item --name \"Desk lamp\" --category 3 \\",
        "      --keywords desk,light --condition NEW --price 19.99 --quantity 5"
      })
  public static final class ListItem extends ApiCommand {
    @Option(names = "--name", required = true, description = "Item name, 1-32 chars.")
    String name;

    @Option(names = "--category", required = true, description = "Category 0-9.")
    int category;

    @Option(names = "--keywords", split = ",", paramLabel = "WORD[,WORD...]",
        description = "Up to 5 keywords of 1-8 chars, comma-separated.")
    List<String> keywords = new ArrayList<>();

    @Option(names = "--condition", required = true, description = "NEW or USED.")
    Condition condition;

    @Option(names = "--price", required = true, converter = Converters.Money.class,
        description = "Unit price, e.g. 19.99.")
    String price;

    @Option(names = "--quantity", required = true, description = "Units for sale, >= 0.")
    int quantity;

    @Override
    protected int execute() throws ApiException {
      ObjectNode body = Json.object().put("name", name).put("category", category);
      ArrayNode words = body.putArray("keywords");
      keywords.stream().map(String::strip).filter(k -> !k.isEmpty()).forEach(words::add);
      body.put("condition", condition.name()).put("price", price).put("quantity", quantity);
      ApiResponse r = authenticated().write("POST", "/items", body);
      return show(r, json -> {
        out().println("Item listed.");
        Views.items(out(), json, "");
      });
    }
  }

  /** {@code my-items}: {@code GET /items}. */
  @Command(name = "my-items",
      description = "List your items.",
      footer = {"  seller-client my-items", "  seller-client my-items --json"})
  public static final class MyItems extends ApiCommand {
    @Override
    protected int execute() throws ApiException {
      ApiResponse r = authenticated().get("/items");
      return show(r, json -> Views.items(out(), json, "You have no items."));
    }
  }

  /** {@code set-price}: {@code PUT /items/{itemId}/price}. */
  @Command(name = "set-price",
      description = "Change an item's price.",
      footer = {"  seller-client set-price 3-17 17.50"})
  public static final class SetPrice extends ItemUpdate {
    @Parameters(index = "1", paramLabel = "PRICE", converter = Converters.Money.class,
        description = "New unit price, e.g. 17.50.")
    String price;

    @Override
    protected int execute() throws ApiException {
      return update("PUT", "/price", Json.object().put("price", price));
    }
  }

  /** {@code set-quantity}: {@code PUT /items/{itemId}/quantity}. */
  @Command(name = "set-quantity",
      description = "Set the number of units for sale.",
      footer = {"  seller-client set-quantity 3-17 12"})
  public static final class SetQuantity extends ItemUpdate {
    @Parameters(index = "1", paramLabel = "QUANTITY", description = "Units for sale, >= 0.")
    int quantity;

    @Override
    protected int execute() throws ApiException {
      return update("PUT", "/quantity", Json.object().put("quantity", quantity));
    }
  }

  /** {@code remove-units}: {@code POST /items/{itemId}/removals}. */
  @Command(name = "remove-units",
      description = "Withdraw units of an item from sale.",
      footer = {"  seller-client remove-units 3-17 2"})
  public static final class RemoveUnits extends ItemUpdate {
    @Parameters(index = "1", paramLabel = "QUANTITY", description = "Units to withdraw, > 0.")
    int quantity;

    @Override
    protected int execute() throws ApiException {
      return update("POST", "/removals", Json.object().put("quantity", quantity));
    }
  }
}
