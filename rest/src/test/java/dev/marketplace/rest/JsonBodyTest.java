package dev.marketplace.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class JsonBodyTest {
  private static JsonBody parse(String json, String... fields) {
    return JsonBody.parse(json.getBytes(StandardCharsets.UTF_8), fields);
  }

  private static Problem problemOf(Runnable r) {
    try {
      r.run();
    } catch (ProblemException e) {
      return e.problem();
    }
    throw new AssertionError("no problem thrown");
  }

  @Test
  void readsTypedFields() {
    JsonBody b = parse("{\"name\":\"Lamp ✓\",\"qty\":3,\"price\":\"19.99\",\"kw\":[\"a\",\"b\"]}",
        "name", "qty", "price", "kw");
    assertThat(b.string("name", 1, 32)).isEqualTo("Lamp ✓");
    assertThat(b.integer("qty", 0, 10)).isEqualTo(3);
    assertThat(b.price("price")).isEqualTo(1999);
    assertThat(b.stringList("kw", false, 5, 1, 8)).containsExactly("a", "b");
    b.validate();
  }

  @Test
  void malformedJsonIs400() {
    for (String bad : List.of("{", "[1]", "\"x\"", "null", "{\"a\":1}{}", "{\"a\":1,\"a\":2}",
        "{'a':1}", "{\"a\":01}")) {
      Problem p = problemOf(() -> parse(bad, "a"));
      assertThat(p.status()).as(bad).isEqualTo(400);
    }
    assertThat(problemOf(() -> JsonBody.parse(new byte[0])).detail()).contains("required");
  }

  @Test
  void unknownFieldsAreNamed() {
    JsonBody b = parse("{\"name\":\"x\",\"qty\":1}", "name");
    b.string("name", 1, 32);
    Problem p = problemOf(b::validate);
    assertThat(p.errors()).extracting(FieldError::field).containsExactly("qty");
  }

  @Test
  void wrongTypesNameTheField() {
    JsonBody b = parse("{\"name\":5,\"qty\":\"5\",\"q2\":5.0,\"price\":19.99,\"kw\":\"a\","
        + "\"big\":99999999999999999999}", "name", "qty", "q2", "price", "kw", "big");
    b.string("name", 1, 32);
    b.integer("qty", 0, 10);
    b.integer("q2", 0, 10);
    b.price("price");
    b.stringList("kw", false, 5, 1, 8);
    b.integer("big", 0, Long.MAX_VALUE);
    Problem p = problemOf(b::validate);
    assertThat(p.status()).isEqualTo(400);
    assertThat(p.type()).endsWith("validation");
    assertThat(p.errors()).extracting(FieldError::field)
        .containsExactly("name", "qty", "q2", "price", "kw", "big");
  }

  @Test
  void lengthsCountCharactersAndRejectControls() {
    JsonBody b = parse("{\"a\":\"\",\"b\":\"   \",\"c\":\"x\\u0000y\",\"d\":\""
        + "😀".repeat(32) + "\",\"e\":\"" + "x".repeat(33) + "\"}", "a", "b", "c", "d", "e");
    b.string("a", 1, 32);
    b.string("b", 1, 32);
    b.string("c", 1, 32);
    assertThat(b.string("d", 1, 32)).isNotNull();
    b.string("e", 1, 32);
    assertThat(b.errors()).extracting(FieldError::field).containsExactly("a", "b", "c", "e");
  }

  @Test
  void keywordRules() {
    JsonBody b = parse("{\"k\":[\"ok\",\"\",\"toolongkw\",\"a,b\",1]}", "k");
    assertThat(b.stringList("k", false, 5, 1, 8)).containsExactly("ok");
    assertThat(b.errors()).extracting(FieldError::field)
        .containsExactly("k[1]", "k[2]", "k[3]", "k[4]");
    JsonBody six = parse("{\"k\":[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\"]}", "k");
    six.stringList("k", false, 5, 1, 8);
    assertThat(six.errors()).hasSize(1);
  }

  @Test
  void oneOfAndMissing() {
    JsonBody b = parse("{\"v\":\"up\"}", "v", "w");
    assertThat(b.oneOf("v", Set.of("UP", "DOWN"))).isNull();
    b.oneOf("w", Set.of("UP", "DOWN"));
    assertThat(b.errors()).extracting(FieldError::message)
        .containsExactly("must be one of DOWN, UP", "is required");
  }

  @Test
  void contentTypeMustBeJson() {
    JsonBody.requireJsonContentType("application/json");
    JsonBody.requireJsonContentType("application/json; charset=UTF-8");
    for (String ct : new String[] {null, "text/plain", "application/xml",
        "application/json; charset=latin1"}) {
      assertThatThrownBy(() -> JsonBody.requireJsonContentType(ct))
          .isInstanceOfSatisfying(ProblemException.class,
              e -> assertThat(e.problem().status()).isEqualTo(415));
    }
  }
}
