package dev.marketplace.replica.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.marketplace.replica.JdbcStateMachine;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;

/**
 * Checks the cached plans of a state machine's apply statements ({@link
 * JdbcStateMachine#explainApplyStatements}): no sequential scan, hash join or merge join, i.e.
 * every table is reached through an index. The apply connection plans each statement once
 * (generic plans), so a plan made on a tiny table must be the one that is right for millions of
 * rows; tests call this after applying to nearly empty tables, the worst case. Test code,
 * exported in replica's test-jar.
 */
public final class ApplyPlans {
  /** Plan nodes whose cost grows with a table's size (or that read a whole side of a join). */
  private static final List<String> FORBIDDEN = List.of("Seq Scan", "Hash Join", "Merge Join",
      "Hash Semi Join", "Hash Anti Join", "Hash Right Join", "Hash Left Join", "Hash Full Join");

  private ApplyPlans() {}

  /**
   * Asserts that every apply statement prepared so far reaches tables through indexes only, and
   * that at least {@code minStatements} were checked (so that the check cannot pass vacuously).
   */
  public static void assertIndexOnly(JdbcStateMachine<?> sm, int minStatements)
      throws SQLException {
    Map<String, String> plans = sm.explainApplyStatements();
    System.out.println("  checked the plans of " + plans.size() + " apply statements");
    assertThat(plans).as("prepared apply statements").hasSizeGreaterThanOrEqualTo(minStatements);
    for (Map.Entry<String, String> e : plans.entrySet()) {
      for (String node : FORBIDDEN) {
        assertThat(e.getValue()).as("plan of %s%n%s", e.getKey(), e.getValue())
            .doesNotContain(node);
      }
    }
  }
}
