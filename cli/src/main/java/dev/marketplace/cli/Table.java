package dev.marketplace.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * A text table with aligned columns, built row by row and printed once. Columns are left-aligned
 * unless marked right-aligned (numbers, money). Not thread-safe.
 */
public final class Table {
  private final List<String> headers;
  private final boolean[] right;
  private final List<List<String>> rows = new ArrayList<>();

  public Table(String... headers) {
    this.headers = List.of(headers);
    this.right = new boolean[headers.length];
  }

  /** Marks columns (0-based) as right-aligned; returns this. */
  public Table alignRight(int... columns) {
    for (int c : columns) {
      right[c] = true;
    }
    return this;
  }

  /** Adds a row; null cells print empty; missing cells are empty. Returns this. */
  public Table row(Object... cells) {
    List<String> row = new ArrayList<>();
    for (int i = 0; i < headers.size(); i++) {
      Object cell = i < cells.length ? cells[i] : null;
      row.add(cell == null ? "" : cell.toString().replace('\n', ' '));
    }
    rows.add(row);
    return this;
  }

  public int size() {
    return rows.size();
  }

  /** The table as text, one line per row after the header and a rule, each ending in a newline. */
  public String render() {
    int[] width = new int[headers.size()];
    for (int i = 0; i < width.length; i++) {
      width[i] = headers.get(i).length();
      for (List<String> r : rows) {
        width[i] = Math.max(width[i], r.get(i).length());
      }
    }
    StringBuilder sb = new StringBuilder();
    line(sb, headers, width);
    List<String> rule = new ArrayList<>();
    for (int w : width) {
      rule.add("-".repeat(w));
    }
    line(sb, rule, width);
    for (List<String> r : rows) {
      line(sb, r, width);
    }
    return sb.toString();
  }

  /** Prints {@link #render()}. */
  public void print(PrintStream out) {
    out.print(render());
    out.flush();
  }

  private void line(StringBuilder sb, List<String> cells, int[] width) {
    StringBuilder line = new StringBuilder();
    for (int i = 0; i < cells.size(); i++) {
      if (i > 0) {
        line.append("  ");
      }
      String c = cells.get(i);
      String pad = " ".repeat(width[i] - c.length());
      line.append(right[i] ? pad + c : c + pad);
    }
    sb.append(line.toString().stripTrailing()).append(System.lineSeparator());
  }
}
