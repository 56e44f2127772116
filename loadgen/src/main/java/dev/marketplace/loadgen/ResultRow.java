package dev.marketplace.loadgen;

import java.util.Map;
import java.util.Set;

/**
 * One line of the benchmark result: one request kind of one workload at one concurrency level.
 * Immutable.
 *
 * @param clients concurrent clients
 * @param workload workload name, e.g. {@code purchase}
 * @param request request kind, e.g. {@code POST /purchases}
 * @param ok answers with an expected status in the window
 * @param opsPerSecond {@code ok} divided by the window length
 * @param p50Ms median latency of all answers, milliseconds
 * @param p99Ms 99th percentile latency of all answers, milliseconds
 * @param maxMs largest latency, milliseconds
 * @param statuses count per status ({@code -1}: no server answered)
 * @param errors answers with an unexpected status
 * @param expected the statuses that count as success
 */
record ResultRow(
    int clients,
    String workload,
    String request,
    long ok,
    double opsPerSecond,
    double p50Ms,
    double p99Ms,
    double maxMs,
    Map<Integer, Long> statuses,
    long errors,
    Set<Integer> expected) {

  ResultRow {
    statuses = Map.copyOf(statuses);
    expected = Set.copyOf(expected);
  }

  /** Whether a 5xx status (after failover) or no answer at all was seen. */
  boolean serverFailure() {
    return statuses.keySet().stream().anyMatch(s -> s >= 500 || s == HttpApi.NO_ANSWER);
  }
}
