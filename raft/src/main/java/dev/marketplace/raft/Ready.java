package dev.marketplace.raft;

import java.util.List;

/**
 * A batch of work the runtime must do for a {@link RaftCore}, obtained from {@link
 * RaftCore#ready()}. Immutable value; thread-safe.
 *
 * <p>The runtime processes each Ready, in order, like this:
 *
 * <ol>
 *   <li>send {@link #messages()} at any time (they do not depend on this Ready being durable);
 *   <li>durably write {@link #snapshot()} (if non-null), {@link #hardState()} (if non-null) and
 *       append {@link #entries()} (truncating the log from the first entry's index), then fsync;
 *   <li>only then send {@link #messagesAfterPersist()};
 *   <li>restore the state machine from {@link #snapshot()} if non-null, then apply {@link
 *       #committedEntries()} in order (they are always already durable locally) and report
 *       progress with {@link RaftCore#applied(long)};
 *   <li>serve {@link #readStates()} once applied reaches their index; fail {@link
 *       #abortedReads()};
 *   <li>call {@link RaftCore#persisted(Ready)} with this Ready.
 * </ol>
 *
 * @param softState new role/leader/term, or null when unchanged since the last Ready
 * @param hardState term/vote to persist, or null when unchanged
 * @param entries entries to append (may overwrite a suffix of the stored log)
 * @param snapshot a snapshot received from the leader to persist and install, or null
 * @param messages messages that may be sent now
 * @param messagesAfterPersist messages that may be sent only after this Ready is durable
 * @param committedEntries committed entries to apply, in order
 * @param readStates reads now safe to serve once applied reaches their index
 * @param abortedReads read request ids that failed (leadership lost); retry them
 */
public record Ready(
    SoftState softState,
    HardState hardState,
    List<LogEntry> entries,
    Snapshot snapshot,
    List<Message> messages,
    List<Message> messagesAfterPersist,
    List<LogEntry> committedEntries,
    List<ReadState> readStates,
    List<Long> abortedReads) {

  public Ready {
    entries = List.copyOf(entries);
    messages = List.copyOf(messages);
    messagesAfterPersist = List.copyOf(messagesAfterPersist);
    committedEntries = List.copyOf(committedEntries);
    readStates = List.copyOf(readStates);
    abortedReads = List.copyOf(abortedReads);
  }

  /** Whether anything must be written to storage before {@link #messagesAfterPersist()}. */
  public boolean needsPersist() {
    return hardState != null || !entries.isEmpty() || snapshot != null;
  }
}
