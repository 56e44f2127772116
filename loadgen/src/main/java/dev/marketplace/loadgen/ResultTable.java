package dev.marketplace.loadgen;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Formats benchmark rows as a plain-text table (one line per concurrency level, workload and
 * request kind) or as JSON. Stateless; thread-safe.
 */
final class ResultTable {
  static final List<String> HEADER = List.of(
      "clients", "workload", "request", "ops/s", "p50 ms", "p99 ms", "max ms", "errors",
      "responses");

  private ResultTable() {}

  /** The status counts as {@code 200=12 409=1!}; unexpected statuses end in {@code !}. */
  static String responses(ResultRow row) {
    List<String> parts = new ArrayList<>();
    for (Map.Entry<Integer, Long> e : new java.util.TreeMap<>(row.statuses()).entrySet()) {
      String name = e.getKey() == HttpApi.NO_ANSWER ? "no-answer" : e.getKey().toString();
      parts.add(name + "=" + e.getValue() + (row.expected().contains(e.getKey()) ? "" : "!"));
    }
    return parts.isEmpty() ? "-" : String.join(" ", parts);
  }

  /** A number with {@code decimals} decimals, dot separator. */
  static String num(double value, int decimals) {
    return String.format(Locale.ROOT, "%." + decimals + "f", value);
  }

  /** The cells of one row, in {@link #HEADER} order. */
  static List<String> cells(ResultRow r) {
    return List.of(
        Integer.toString(r.clients()),
        r.workload(),
        r.request(),
        num(r.opsPerSecond(), 1),
        num(r.p50Ms(), 1),
        num(r.p99Ms(), 1),
        num(r.maxMs(), 1),
        Long.toString(r.errors()),
        responses(r));
  }

  /** A Markdown-compatible table: numbers right-aligned, text left-aligned. */
  static String format(List<ResultRow> rows) {
    List<List<String>> lines = new ArrayList<>();
    lines.add(HEADER);
    rows.forEach(r -> lines.add(cells(r)));
    int cols = HEADER.size();
    int[] width = new int[cols];
    for (List<String> line : lines) {
      for (int c = 0; c < cols; c++) {
        width[c] = Math.max(width[c], line.get(c).length());
      }
    }
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < lines.size(); i++) {
      appendLine(sb, lines.get(i), width);
      if (i == 0) {
        List<String> rule = new ArrayList<>();
        for (int c = 0; c < cols; c++) {
          String dashes = "-".repeat(Math.max(3, width[c]));
          rule.add(rightAligned(c) ? dashes.substring(1) + ":" : dashes);
        }
        appendLine(sb, rule, width);
      }
    }
    return sb.toString();
  }

  private static boolean rightAligned(int column) {
    return column == 0 || (column >= 3 && column <= 7);
  }

  private static void appendLine(StringBuilder sb, List<String> cells, int[] width) {
    sb.append('|');
    for (int c = 0; c < cells.size(); c++) {
      String v = cells.get(c);
      String pad = " ".repeat(width[c] - v.length());
      sb.append(' ').append(rightAligned(c) ? pad + v : v + pad).append(" |");
    }
    sb.append('\n');
  }

  /** The rows as a JSON array of objects. */
  static ArrayNode toJson(List<ResultRow> rows) {
    ArrayNode array = HttpApi.JSON.createArrayNode();
    for (ResultRow r : rows) {
      ObjectNode o = array.addObject();
      o.put("clients", r.clients());
      o.put("workload", r.workload());
      o.put("request", r.request());
      o.put("ok", r.ok());
      o.put("opsPerSecond", round(r.opsPerSecond()));
      o.put("p50Ms", round(r.p50Ms()));
      o.put("p99Ms", round(r.p99Ms()));
      o.put("maxMs", round(r.maxMs()));
      o.put("errors", r.errors());
      ObjectNode statuses = o.putObject("statuses");
      new java.util.TreeMap<>(r.statuses()).forEach((s, c) ->
          statuses.put(s == HttpApi.NO_ANSWER ? "no-answer" : s.toString(), c));
      ArrayNode expected = o.putArray("expected");
      r.expected().stream().sorted().forEach(expected::add);
      o.put("serverFailure", r.serverFailure());
    }
    return array;
  }

  private static double round(double v) {
    return Math.round(v * 100.0) / 100.0;
  }
}
