package dev.marketplace.raft;

import java.util.ArrayList;
import java.util.List;

/**
 * The in-memory view of one node's log: snapshot boundary, entries after it, and the commit,
 * stable (durable), handed-out and applied positions. Not thread-safe; owned by {@link RaftCore}.
 */
final class RaftLog {
  long snapIndex;
  long snapTerm;
  byte[] snapData = new byte[0];
  final ArrayList<LogEntry> entries = new ArrayList<>();
  long commit;
  /** Highest index known durable and matching this log. */
  long stable;
  /** Highest index handed out in a Ready for persistence. */
  long handedOut;
  /** Highest committed index handed out for applying. */
  long applyHandedOut;
  /** Highest index the state machine reported applied. */
  long applied;

  long firstIndex() {
    return snapIndex + 1;
  }

  long lastIndex() {
    return snapIndex + entries.size();
  }

  long lastTerm() {
    return term(lastIndex());
  }

  /** Term at index, or -1 when unknown (compacted below the snapshot or beyond the end). */
  long term(long index) {
    if (index == snapIndex) return snapTerm;
    if (index < snapIndex || index > lastIndex()) return -1;
    return entries.get((int) (index - snapIndex - 1)).term();
  }

  LogEntry entry(long index) {
    if (index <= snapIndex || index > lastIndex()) return null;
    return entries.get((int) (index - snapIndex - 1));
  }

  boolean matchTerm(long index, long term) {
    return term(index) == term;
  }

  /** §5.4.1: the candidate's log is at least as up-to-date as ours. */
  boolean isUpToDate(long lastIdx, long lastTrm) {
    long myTerm = lastTerm();
    return lastTrm > myTerm || (lastTrm == myTerm && lastIdx >= lastIndex());
  }

  /** Entries from {@code from} on, up to maxBytes of payload but at least one if any. */
  List<LogEntry> slice(long from, long to, long maxBytes) {
    List<LogEntry> out = new ArrayList<>();
    long bytes = 0;
    for (long i = Math.max(from, firstIndex()); i < to && i <= lastIndex(); i++) {
      LogEntry e = entry(i);
      bytes += e.data().length;
      if (!out.isEmpty() && bytes > maxBytes) break;
      out.add(e);
    }
    return out;
  }

  void appendOne(LogEntry e) {
    if (e.index() != lastIndex() + 1) throw new IllegalStateException("gap appending " + e);
    entries.add(e);
  }

  /**
   * Follower append (§5.3): if the entry at prevIndex has prevTerm, append entries, deleting a
   * conflicting suffix, and advance commit. Returns the last new index, or -1 on mismatch.
   */
  long maybeAppend(long prevIndex, long prevTerm, long leaderCommit, List<LogEntry> ents) {
    if (!matchTerm(prevIndex, prevTerm)) return -1;
    long lastNew = prevIndex + ents.size();
    for (LogEntry e : ents) {
      if (e.index() <= snapIndex) continue;
      if (e.index() > lastIndex()) {
        entries.add(e);
      } else if (term(e.index()) != e.term()) {
        if (e.index() <= commit) {
          throw new IllegalStateException("conflict at committed index " + e.index()
              + " (commit " + commit + ")");
        }
        truncateFrom(e.index());
        entries.add(e);
      }
    }
    commitTo(Math.min(leaderCommit, lastNew));
    return lastNew;
  }

  void truncateFrom(long index) {
    while (lastIndex() >= index) entries.remove(entries.size() - 1);
    stable = Math.min(stable, index - 1);
    handedOut = Math.min(handedOut, index - 1);
  }

  void commitTo(long index) {
    if (index > commit) {
      if (index > lastIndex()) throw new IllegalStateException("commit beyond last index");
      commit = index;
    }
  }

  /** Marks durable everything in {@code written} that still matches this log. */
  void stableTo(List<LogEntry> written) {
    for (int i = written.size() - 1; i >= 0; i--) {
      LogEntry e = written.get(i);
      if (matchTerm(e.index(), e.term())) {
        stable = Math.max(stable, e.index());
        return;
      }
    }
  }

  /** Compacts the log up to index (inclusive), keeping the given snapshot bytes. */
  void compact(long index, byte[] data) {
    long t = term(index);
    int drop = (int) (index - snapIndex);
    entries.subList(0, drop).clear();
    snapIndex = index;
    snapTerm = t;
    snapData = data;
  }

  /**
   * Installs a snapshot received from the leader. Returns false (and just commits) when the log
   * already holds the snapshot's last entry.
   */
  boolean restore(long index, long term, byte[] data) {
    if (matchTerm(index, term)) {
      commitTo(index);
      return false;
    }
    entries.clear();
    snapIndex = index;
    snapTerm = term;
    snapData = data;
    commit = index;
    stable = Math.min(stable, index - 1);
    handedOut = index;
    applyHandedOut = Math.max(applyHandedOut, index);
    applied = Math.max(applied, index);
    return true;
  }

  List<LogEntry> takeUnstable() {
    if (handedOut >= lastIndex()) return List.of();
    List<LogEntry> out = new ArrayList<>(slice(handedOut + 1, lastIndex() + 1, Long.MAX_VALUE));
    handedOut = lastIndex();
    return out;
  }

  boolean hasCommittedToApply() {
    return Math.min(commit, stable) > applyHandedOut;
  }

  List<LogEntry> takeCommitted() {
    long upTo = Math.min(commit, stable);
    if (upTo <= applyHandedOut) return List.of();
    List<LogEntry> out = new ArrayList<>(slice(applyHandedOut + 1, upTo + 1, Long.MAX_VALUE));
    applyHandedOut = upTo;
    return out;
  }
}
