package dev.marketplace.loadgen;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ResultTableTest {
  private static RequestStats purchases() {
    RequestStats s = new RequestStats(Client.PURCHASE, Set.of(201, 402));
    for (int i = 1; i <= 100; i++) {
      s.record(i <= 90 ? 201 : 402, i * 1000L); // 1 ms .. 100 ms
    }
    return s;
  }

  @Test
  void statsCountExpectedStatusesAsOkAndComputePercentilesInMilliseconds() {
    RequestStats s = purchases();
    s.record(409, 5_000);
    ResultRow row = s.toRow(8, "purchase", 10.0);
    assertThat(row.ok()).isEqualTo(100);
    assertThat(row.errors()).isEqualTo(1);
    assertThat(row.opsPerSecond()).isEqualTo(10.0);
    assertThat(row.p50Ms()).isBetween(49.9, 51.1);
    assertThat(row.p99Ms()).isBetween(98.9, 100.1);
    assertThat(row.maxMs()).isBetween(99.9, 100.1);
    assertThat(row.statuses()).containsOnly(
        Map.entry(201, 90L), Map.entry(402, 10L), Map.entry(409, 1L));
    assertThat(row.serverFailure()).isFalse();
  }

  @Test
  void mergingAddsCountsAndLatencies() {
    RequestStats a = purchases();
    RequestStats b = new RequestStats(Client.PURCHASE, Set.of(201, 402));
    b.record(201, 1_000_000); // 1 s
    a.add(b);
    assertThat(a.total()).isEqualTo(101);
    assertThat(a.statuses().get(201)).isEqualTo(91L);
    assertThat(a.toRow(1, "purchase", 1).maxMs()).isBetween(999.0, 1001.0);
  }

  @Test
  void tableHasOneAlignedLinePerRowAndMarksUnexpectedStatuses() {
    RequestStats get = new RequestStats(Client.GET, Set.of(200));
    get.record(200, 1500);
    get.record(500, 2500);
    get.record(HttpApi.NO_ANSWER, 10_000);
    List<ResultRow> rows = List.of(purchases().toRow(32, "purchase", 10.0),
        get.toRow(1, "buyer-reads", 2.0));
    String table = ResultTable.format(rows);
    List<String> lines = table.lines().toList();
    assertThat(lines).hasSize(4);
    assertThat(lines.get(0)).startsWith("| clients | workload").contains("| ops/s |")
        .contains("p50 ms").contains("p99 ms").contains("max ms").contains("errors");
    assertThat(lines.get(1)).matches("[|:\\- ]+");
    assertThat(lines.stream().mapToInt(String::length).distinct().count()).isEqualTo(1);
    assertThat(lines.get(2)).contains("| purchase ").contains("POST /purchases")
        .contains("|  10.0 |").contains("201=90 402=10 ");
    assertThat(lines.get(3)).contains("GET /items/{id}").contains("|   0.5 |")
        .contains("|      2 |").contains("no-answer=1! 200=1 500=1!");
    assertThat(rows.get(1).serverFailure()).isTrue();
  }

  @Test
  void emptyStatsGiveZerosNotErrors() {
    ResultRow row = new RequestStats(Client.PRICE, Set.of(200)).toRow(1, "seller-writes", 10);
    assertThat(row.ok()).isZero();
    assertThat(row.p99Ms()).isZero();
    assertThat(ResultTable.responses(row)).isEqualTo("-");
    assertThat(new RequestStats(Client.PRICE, Set.of(200)).toRow(1, "x", 0).opsPerSecond())
        .isZero();
  }

  @Test
  void jsonCarriesEveryColumnAndTheStatusCounts() {
    JsonNode json = ResultTable.toJson(List.of(purchases().toRow(8, "purchase", 4.0)));
    assertThat(json.size()).isEqualTo(1);
    JsonNode r = json.get(0);
    assertThat(r.get("clients").asInt()).isEqualTo(8);
    assertThat(r.get("workload").asText()).isEqualTo("purchase");
    assertThat(r.get("request").asText()).isEqualTo("POST /purchases");
    assertThat(r.get("ok").asLong()).isEqualTo(100);
    assertThat(r.get("opsPerSecond").asDouble()).isEqualTo(25.0);
    assertThat(r.get("p50Ms").asDouble()).isBetween(49.9, 51.1);
    assertThat(r.get("statuses").get("201").asLong()).isEqualTo(90);
    assertThat(r.get("statuses").get("402").asLong()).isEqualTo(10);
    assertThat(r.get("expected").toString()).isEqualTo("[201,402]");
    assertThat(r.get("errors").asLong()).isZero();
    assertThat(r.get("serverFailure").asBoolean()).isFalse();
  }
}
