package dev.marketplace.raft;

import java.util.ArrayDeque;

/**
 * The leader's view of one follower's replication (etcd's Progress). Not thread-safe.
 *
 * <p>PROBE: one append in flight at a time, {@code next} backs up on rejection. REPLICATE:
 * optimistic {@code next}, up to maxInflight appends pipelined. SNAPSHOT: InstallSnapshot chunks
 * in flight, appends paused.
 */
final class Progress {
  enum State { PROBE, REPLICATE, SNAPSHOT }

  long match;
  long next;
  State state = State.PROBE;
  boolean probeSent;
  final ArrayDeque<Long> inflight = new ArrayDeque<>();
  boolean recentActive;
  long readAck;
  long snapIndex;
  long snapOffset;
  boolean snapInflight;

  Progress(long next) {
    this.next = next;
  }

  boolean isPaused(int maxInflight) {
    return switch (state) {
      case PROBE -> probeSent;
      case REPLICATE -> inflight.size() >= maxInflight;
      case SNAPSHOT -> true;
    };
  }

  boolean maybeUpdate(long n) {
    boolean updated = false;
    if (n > match) {
      match = n;
      updated = true;
      probeSent = false;
    }
    next = Math.max(next, n + 1);
    return updated;
  }

  void becomeProbe() {
    state = State.PROBE;
    probeSent = false;
    inflight.clear();
    next = match + 1;
  }

  void becomeReplicate() {
    state = State.REPLICATE;
    probeSent = false;
    inflight.clear();
    next = match + 1;
  }

  void becomeSnapshot(long index) {
    state = State.SNAPSHOT;
    inflight.clear();
    snapIndex = index;
    snapOffset = 0;
    snapInflight = false;
  }

  void freeTo(long index) {
    while (!inflight.isEmpty() && inflight.peekFirst() <= index) inflight.pollFirst();
  }
}
