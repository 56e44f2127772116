package dev.marketplace.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/** Table renderings of the contract's JSON shapes shared by both clients. Stateless. */
public final class Views {
  private Views() {}

  /** Items ({@code [item]} or one item) as a table. */
  public static void items(PrintStream out, JsonNode items, String whenEmpty) {
    Table t = new Table("ID", "NAME", "CAT", "COND", "PRICE", "QTY", "KEYWORDS", "SELLER", "UP",
        "DOWN").alignRight(2, 4, 5, 8, 9);
    for (JsonNode item : items.isArray() ? items : List.of(items)) {
      t.row(Json.text(item, "id"), Json.text(item, "name"), Json.text(item, "category"),
          Json.text(item, "condition"), Json.text(item, "price"), Json.text(item, "quantity"),
          keywords(item.get("keywords")), Json.text(item, "sellerId"),
          Json.text(item, "thumbsUp"), Json.text(item, "thumbsDown"));
    }
    if (t.size() == 0) {
      out.println(whenEmpty);
    } else {
      t.print(out);
    }
  }

  /** A {@code {thumbsUp,thumbsDown}} rating. */
  public static void rating(PrintStream out, JsonNode rating) {
    new Table("THUMBS UP", "THUMBS DOWN").alignRight(0, 1)
        .row(Json.text(rating, "thumbsUp"), Json.text(rating, "thumbsDown")).print(out);
  }

  /** Lines {@code [{itemId,name,quantity,unitPrice,lineTotal}]} (a cart's or a purchase's). */
  public static Table lines(JsonNode lines) {
    Table t = new Table("ITEM", "NAME", "QTY", "UNIT PRICE", "LINE TOTAL").alignRight(2, 3, 4);
    if (lines != null && lines.isArray()) {
      for (JsonNode l : lines) {
        t.row(Json.text(l, "itemId"), Json.text(l, "name"), Json.text(l, "quantity"),
            Json.text(l, "unitPrice"), Json.text(l, "lineTotal"));
      }
    }
    return t;
  }

  private static String keywords(JsonNode node) {
    if (node == null || !node.isArray()) {
      return "";
    }
    List<String> words = new ArrayList<>();
    node.forEach(k -> words.add(k.asText()));
    return String.join(",", words);
  }
}
