package dev.marketplace.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.function.Consumer;
import picocli.CommandLine.Parameters;

/**
 * Base of the subcommands about one item, named by the first positional parameter {@code ITEM_ID}
 * ({@code <category>-<number>}, checked by {@link Converters.ItemId}): {@code item},
 * {@code cart-add}, {@code set-price}, ... A subclass adds its own later parameters and says what
 * to send; {@link #send} is the authenticated write and rendering most of them share.
 *
 * <p>Not thread-safe: picocli fills the fields, then calls {@link #call()} on one thread.
 */
public abstract class ItemCommand extends ApiCommand {
  @Parameters(index = "0", paramLabel = "ITEM_ID", converter = Converters.ItemId.class,
      description = "Item id, e.g. 3-17.")
  protected String itemId;

  /**
   * Sends {@code body} with the session's token and shows the answer with {@code table} (or as
   * JSON); returns the exit code.
   */
  protected int send(String method, String path, ObjectNode body, Consumer<JsonNode> table)
      throws ApiException {
    return show(authenticated().write(method, path, body), table);
  }
}
