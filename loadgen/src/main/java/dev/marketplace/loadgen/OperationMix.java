package dev.marketplace.loadgen;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * A weighted choice of {@link Action}s, written
 * {@code search=30,get=30,price=10,cart=20,purchase=10} (integer weights 0..{@link #MAX_WEIGHT},
 * at least one positive). Each client draws its next action with {@link #pick}. Immutable;
 * thread-safe.
 */
final class OperationMix {
  /** Largest weight of one action (keeps the sum far from overflow). */
  static final int MAX_WEIGHT = 1_000_000;

  private final Map<Action, Integer> weights;
  private final Action[] order;
  private final int[] cumulative;
  private final int total;

  OperationMix(Map<Action, Integer> weights) {
    EnumMap<Action, Integer> copy = new EnumMap<>(Action.class);
    int sum = 0;
    for (Map.Entry<Action, Integer> e : weights.entrySet()) {
      int w = e.getValue();
      if (w < 0 || w > MAX_WEIGHT) {
        throw new IllegalArgumentException("weight of " + e.getKey().key() + " must be 0.."
            + MAX_WEIGHT + ", got " + w);
      }
      if (w > 0) {
        copy.put(e.getKey(), w);
        sum += w;
      }
    }
    if (sum == 0) {
      throw new IllegalArgumentException("an operation mix needs at least one positive weight");
    }
    this.weights = Map.copyOf(copy);
    List<Action> actions = new ArrayList<>(copy.keySet());
    this.order = actions.toArray(Action[]::new);
    this.cumulative = new int[order.length];
    int acc = 0;
    for (int i = 0; i < order.length; i++) {
      acc += copy.get(order[i]);
      cumulative[i] = acc;
    }
    this.total = sum;
  }

  /** A mix of one action only. */
  static OperationMix only(Action action) {
    return new OperationMix(Map.of(action, 1));
  }

  /**
   * Parses {@code name=weight,...}; a name may appear once; an unknown name, a missing or
   * non-numeric weight is an {@link IllegalArgumentException} naming the part.
   */
  static OperationMix parse(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("empty operation mix");
    }
    EnumMap<Action, Integer> weights = new EnumMap<>(Action.class);
    for (String part : text.split(",")) {
      String p = part.strip();
      int eq = p.indexOf('=');
      if (eq <= 0 || eq == p.length() - 1) {
        throw new IllegalArgumentException("expected name=weight, got '" + p + "'");
      }
      Action a = Action.parse(p.substring(0, eq));
      int w;
      try {
        w = Integer.parseInt(p.substring(eq + 1).strip());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("weight is not an integer in '" + p + "'");
      }
      if (weights.put(a, w) != null) {
        throw new IllegalArgumentException(a.key() + " appears twice in the mix");
      }
    }
    return new OperationMix(weights);
  }

  /** The action for a draw {@code r} in {@code [0, total)}. */
  Action at(int r) {
    if (r < 0 || r >= total) {
      throw new IllegalArgumentException("draw out of range: " + r);
    }
    for (int i = 0; i < order.length; i++) {
      if (r < cumulative[i]) {
        return order[i];
      }
    }
    throw new AssertionError("unreachable");
  }

  /** Draws the next action. */
  Action pick(RandomGenerator random) {
    return at(random.nextInt(total));
  }

  /** Sum of the weights. */
  int total() {
    return total;
  }

  /** The positive weights. */
  Map<Action, Integer> weights() {
    return weights;
  }

  /** Formats back to {@code name=weight,...} in declaration order of {@link Action}. */
  @Override
  public String toString() {
    List<String> parts = new ArrayList<>();
    for (Action a : order) {
      parts.add(a.key() + "=" + weights.get(a));
    }
    return String.join(",", parts);
  }
}
