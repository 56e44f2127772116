package dev.marketplace.loadgen;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;

/**
 * Latencies and status counts of one request kind (e.g. {@code POST /purchases}) in one
 * measurement window. Every answer is counted by status ({@link HttpApi#NO_ANSWER} when no server
 * answered); only answers with an expected status count towards throughput, the others are errors.
 * Latencies of all answers go into the histogram (microseconds, 1 µs to 10 min, 3 digits).
 *
 * <p>Not thread-safe: each client records into its own instance; {@link #add} merges them.
 */
final class RequestStats {
  private static final long MAX_MICROS = 600_000_000L;

  private final String request;
  private final Set<Integer> expected;
  private final Histogram histogram = new Histogram(1, MAX_MICROS, 3);
  private final TreeMap<Integer, Long> statuses = new TreeMap<>();

  RequestStats(String request, Set<Integer> expected) {
    this.request = request;
    this.expected = Set.copyOf(expected);
  }

  String request() {
    return request;
  }

  Set<Integer> expected() {
    return expected;
  }

  /** Records one answer that took {@code micros} microseconds. */
  void record(int status, long micros) {
    histogram.recordValue(Math.max(1, Math.min(MAX_MICROS, micros)));
    statuses.merge(status, 1L, Long::sum);
  }

  /** Adds another instance's latencies and status counts (any request kind). */
  void add(RequestStats other) {
    histogram.add(other.histogram);
    other.statuses.forEach((s, c) -> statuses.merge(s, c, Long::sum));
  }

  /** Answers with an expected status. */
  long ok() {
    long n = 0;
    for (Map.Entry<Integer, Long> e : statuses.entrySet()) {
      if (expected.contains(e.getKey())) {
        n += e.getValue();
      }
    }
    return n;
  }

  /** Answers with any other status, no answer included. */
  long errors() {
    return total() - ok();
  }

  long total() {
    return histogram.getTotalCount();
  }

  /** Count per status, ascending. */
  Map<Integer, Long> statuses() {
    return new TreeMap<>(statuses);
  }

  Histogram histogram() {
    return histogram;
  }

  /** A result row for a window of {@code seconds}. */
  ResultRow toRow(int clients, String workload, double seconds) {
    boolean empty = histogram.getTotalCount() == 0;
    return new ResultRow(
        clients,
        workload,
        request,
        ok(),
        seconds <= 0 ? 0 : ok() / seconds,
        empty ? 0 : histogram.getValueAtPercentile(50) / 1000.0,
        empty ? 0 : histogram.getValueAtPercentile(99) / 1000.0,
        empty ? 0 : histogram.getMaxValue() / 1000.0,
        statuses(),
        errors(),
        expected);
  }
}
