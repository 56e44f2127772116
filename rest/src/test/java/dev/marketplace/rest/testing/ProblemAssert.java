package dev.marketplace.rest.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.marketplace.rest.testing.HttpTestClient.Response;
import java.util.ArrayList;
import java.util.List;

/** Assertions on RFC 9457 problem answers of the REST servers. Test scope only; stateless. */
public final class ProblemAssert {
  private ProblemAssert() {}

  /**
   * {@code r} is a problem+json answer with {@code status}, a non-blank type, title and detail,
   * and (when any are given) field errors naming at least {@code fields}.
   */
  public static void assertProblem(Response r, int status, String... fields) {
    assertThat(r.status()).as(r.body()).isEqualTo(status);
    assertThat(r.contentType()).startsWith("application/problem+json");
    JsonNode j = r.json();
    assertThat(j.get("status").asInt()).isEqualTo(status);
    assertThat(j.get("type").asText()).isNotBlank();
    assertThat(j.get("title").asText()).isNotBlank();
    assertThat(j.get("detail").asText()).isNotBlank();
    if (fields.length > 0) {
      List<String> named = new ArrayList<>();
      j.get("errors").forEach(e -> named.add(e.get("field").asText()));
      assertThat(named).contains(fields);
    }
  }
}
