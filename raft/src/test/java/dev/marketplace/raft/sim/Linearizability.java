package dev.marketplace.raft.sim;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Linearizability checker for a key-value register history (Wing &amp; Gong search with the
 * Lowe/Porcupine memoization of (linearized set, state)), partitioned per key. Writes that never
 * returned are pending: they may take effect at any point after their invocation or never.
 *
 * <p>Writes a client issued together (one batch, {@link Cluster.HistOp#batch} &gt; 1, proposed
 * with {@code RaftCore.proposeAll}) must moreover take effect in their seq order: a batch's write
 * is linearized only after the same batch's earlier writes to the same key. That is what a Raft
 * log gives (a batch is appended in order and only a prefix of it can survive a leader change),
 * and it keeps the search small: without it, b concurrent batches of w writes to one key have
 * 2^(b*w) subsets to try instead of (w+1)^b. Test code; stateless.
 */
public final class Linearizability {
  private Linearizability() {}

  /** Result of a check: ok, or the key whose history is not linearizable. */
  public record Result(boolean ok, String badKey, List<Cluster.HistOp> badHistory) {}

  public static Result check(List<Cluster.HistOp> history) {
    Map<String, List<Cluster.HistOp>> byKey = new LinkedHashMap<>();
    for (Cluster.HistOp op : history) byKey.computeIfAbsent(op.key, k -> new ArrayList<>()).add(op);
    for (Map.Entry<String, List<Cluster.HistOp>> e : byKey.entrySet()) {
      if (!checkKey(e.getValue())) return new Result(false, e.getKey(), e.getValue());
    }
    return new Result(true, null, List.of());
  }

  private static final class Node {
    final Cluster.HistOp op;
    final int id;
    final boolean call;
    Node match;
    Node prev;
    Node next;

    Node(Cluster.HistOp op, int id, boolean call) {
      this.op = op;
      this.id = id;
      this.call = call;
    }
  }

  private record CacheKey(BitSet linearized, String state) {}

  private record Frame(Node call, String state) {}

  /** Checks one key's history, starting from an absent value (null). */
  static boolean checkKey(List<Cluster.HistOp> ops) {
    record Ev(long time, int kind, Node node) {}
    List<Ev> evs = new ArrayList<>();
    for (int i = 0; i < ops.size(); i++) {
      Cluster.HistOp op = ops.get(i);
      Node call = new Node(op, i, true);
      Node ret = new Node(op, i, false);
      call.match = ret;
      evs.add(new Ev(op.invoke, 1, call));
      evs.add(new Ev(op.response, 0, ret));
    }
    // at equal times a return precedes a call: the earlier op really finished first
    evs.sort(Comparator.comparingLong(Ev::time).thenComparingInt(Ev::kind));
    Node head = new Node(null, -1, false);
    Node tail = head;
    for (Ev ev : evs) {
      tail.next = ev.node();
      ev.node().prev = tail;
      tail = ev.node();
    }
    // the previous write of the same batch (same client and invocation) on this key, or -1
    int[] batchPred = new int[ops.size()];
    Arrays.fill(batchPred, -1);
    Map<List<Long>, Integer> lastOfBatch = new HashMap<>();
    Integer[] bySeq = new Integer[ops.size()];
    for (int i = 0; i < bySeq.length; i++) bySeq[i] = i;
    Arrays.sort(bySeq, Comparator.comparingLong(i -> ops.get(i).seq));
    for (int i : bySeq) {
      Cluster.HistOp op = ops.get(i);
      if (!op.write || op.batch < 2) continue;
      Integer prev = lastOfBatch.put(List.of((long) op.client, op.invoke), i);
      if (prev != null) batchPred[i] = prev;
    }
    BitSet linearized = new BitSet(ops.size());
    Set<CacheKey> cache = new HashSet<>();
    ArrayDeque<Frame> stack = new ArrayDeque<>();
    String state = null;
    Node entry = head.next;
    while (head.next != null) {
      if (entry == null) return false;
      if (entry.call) {
        String next = stepModel(state, entry.op);
        boolean legal = (entry.op.write || Objects.equals(state, entry.op.value))
            && (batchPred[entry.id] < 0 || linearized.get(batchPred[entry.id]));
        if (legal) {
          BitSet nl = (BitSet) linearized.clone();
          nl.set(entry.id);
          if (cache.add(new CacheKey(nl, next))) {
            stack.push(new Frame(entry, state));
            state = next;
            linearized.set(entry.id);
            lift(entry);
            entry = head.next;
            continue;
          }
        }
        entry = entry.next;
      } else {
        if (stack.isEmpty()) return false;
        Frame f = stack.pop();
        state = f.state();
        linearized.clear(f.call().id);
        unlift(f.call());
        entry = f.call().next;
      }
    }
    return true;
  }

  private static String stepModel(String state, Cluster.HistOp op) {
    return op.write ? op.value : state;
  }

  private static void lift(Node call) {
    call.prev.next = call.next;
    if (call.next != null) call.next.prev = call.prev;
    Node ret = call.match;
    ret.prev.next = ret.next;
    if (ret.next != null) ret.next.prev = ret.prev;
  }

  private static void unlift(Node call) {
    Node ret = call.match;
    ret.prev.next = ret;
    if (ret.next != null) ret.next.prev = ret;
    call.prev.next = call;
    if (call.next != null) call.next.prev = call;
  }
}
