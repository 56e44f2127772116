package dev.marketplace.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;

/**
 * A successful (status below 400) response of a server: status, raw body and the body parsed as
 * JSON ({@link NullNode} when empty). Immutable.
 *
 * @param status HTTP status
 * @param body raw body text, empty for 204
 * @param json parsed body, {@link NullNode} when the body is empty
 * @param server the server that answered, as {@code host:port}
 */
public record ApiResponse(int status, String body, JsonNode json, String server) {
  /** Whether the body is empty. */
  public boolean isEmpty() {
    return body == null || body.isBlank();
  }
}
