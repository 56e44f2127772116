package dev.marketplace.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** The clients' shared Jackson mapper and small JSON helpers. Thread-safe. */
public final class Json {
  /** Shared mapper; configured once, never changed afterwards. */
  public static final ObjectMapper MAPPER = new ObjectMapper();

  private Json() {}

  /** A new empty object node. */
  public static ObjectNode object() {
    return MAPPER.createObjectNode();
  }

  /** Parses {@code text}; empty text is {@link NullNode}; not JSON is null. */
  public static JsonNode parseOrNull(String text) {
    if (text == null || text.isBlank()) {
      return NullNode.getInstance();
    }
    try {
      return MAPPER.readTree(text);
    } catch (JsonProcessingException e) {
      return null;
    }
  }

  /** Compact JSON text of {@code node}. */
  public static String write(JsonNode node) {
    try {
      return MAPPER.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise JSON", e);
    }
  }

  /** Text of {@code node.field}, or "" when missing or null (for tables). */
  public static String text(JsonNode node, String field) {
    JsonNode v = node == null ? null : node.get(field);
    if (v == null || v.isNull() || v.isMissingNode()) {
      return "";
    }
    return v.isValueNode() ? v.asText() : write(v);
  }
}
