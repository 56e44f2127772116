package dev.marketplace.raft;

import java.util.Arrays;
import java.util.List;

/**
 * One Raft message between two nodes. Immutable value (do not modify {@code data} or entry data
 * after construction); thread-safe. Fields unused by a type are zero/empty. Meaning per type:
 *
 * <ul>
 *   <li>APPEND: {@code index}/{@code logTerm} = previous entry, {@code entries}, {@code commit};
 *       {@code done} = commit notice: no entries, sent to a replicating follower after a
 *       commit; the follower answers it only if it does not match.
 *   <li>APPEND_RESP: success: {@code index} = last index now matching; reject: {@code index} =
 *       the rejected previous index, {@code hintIndex}/{@code hintTerm} = the conflict hint (first
 *       index of the conflicting term and that term, or the follower's last index + 1 and 0).
 *   <li>VOTE, PRE_VOTE: {@code index}/{@code logTerm} = candidate's last entry. Responses use
 *       {@code reject}.
 *   <li>HEARTBEAT: {@code commit}, {@code context} = read round. HEARTBEAT_RESP echoes context.
 *   <li>SNAPSHOT: {@code index}/{@code logTerm} = snapshot index/term, {@code offset}, {@code
 *       data} = chunk, {@code done} = last chunk. SNAPSHOT_RESP: {@code index} = snapshot index,
 *       {@code offset} = next expected offset, {@code done} = installed, {@code reject}.
 *   <li>PROPOSE: {@code data} = command, or {@code entries} = a batch of commands in order (their
 *       index and term are placeholders; only their data counts). READ_INDEX: {@code context} = request id;
 *       READ_INDEX_RESP: {@code context}, {@code index} = read index, {@code reject}.
 * </ul>
 */
public record Message(
    MessageType type,
    int from,
    int to,
    long term,
    long logTerm,
    long index,
    long commit,
    List<LogEntry> entries,
    boolean reject,
    long hintIndex,
    long hintTerm,
    long context,
    long offset,
    byte[] data,
    boolean done) {

  private static final byte[] EMPTY = new byte[0];

  public Message {
    if (type == null) throw new IllegalArgumentException("type must not be null");
    if (from < 0 || to < 0) throw new IllegalArgumentException("node ids must be >= 0");
    if (term < 0 || logTerm < 0 || index < 0 || commit < 0 || hintIndex < 0 || hintTerm < 0
        || context < 0 || offset < 0) {
      throw new IllegalArgumentException("numeric fields must be >= 0");
    }
    entries = entries == null ? List.of() : List.copyOf(entries);
    data = data == null ? EMPTY : data;
    for (int i = 1; i < entries.size(); i++) {
      if (entries.get(i).index() != entries.get(i - 1).index() + 1) {
        throw new IllegalArgumentException("entries must be consecutive");
      }
    }
  }

  /** Starts a builder for a message of {@code type} from {@code from} to {@code to}. */
  public static Builder builder(MessageType type, int from, int to, long term) {
    return new Builder(type, from, to, term);
  }

  /** Total payload bytes (entries and data), for batching limits. */
  public long payloadBytes() {
    long n = data.length;
    for (LogEntry e : entries) n += e.data().length;
    return n;
  }

  /** A compact one-line trace form, e.g. {@code 1->2 App t=3 i=7 n=2}. */
  public String trace() {
    StringBuilder sb = new StringBuilder();
    sb.append(from).append("->").append(to).append(' ').append(type.shortName())
        .append(" t=").append(term);
    switch (type) {
      case APPEND -> sb.append(" i=").append(index).append(" lt=").append(logTerm)
          .append(" n=").append(entries.size()).append(" c=").append(commit)
          .append(done ? " notice" : "");
      case APPEND_RESP -> {
        sb.append(" i=").append(index);
        if (reject) sb.append(" rej hint=").append(hintIndex).append('/').append(hintTerm);
      }
      case VOTE, PRE_VOTE -> sb.append(" li=").append(index).append(" lt=").append(logTerm);
      case VOTE_RESP, PRE_VOTE_RESP -> sb.append(reject ? " no" : " yes");
      case HEARTBEAT -> sb.append(" c=").append(commit).append(" ctx=").append(context);
      case HEARTBEAT_RESP -> sb.append(" ctx=").append(context);
      case SNAPSHOT -> sb.append(" si=").append(index).append(" off=").append(offset)
          .append(done ? " done" : "");
      case SNAPSHOT_RESP -> sb.append(" si=").append(index).append(" off=").append(offset)
          .append(done ? " done" : "").append(reject ? " rej" : "");
      case PROPOSE -> sb.append(' ').append(data.length).append('B').append(" n=")
          .append(entries.size());
      case READ_INDEX -> sb.append(" req=").append(context);
      case READ_INDEX_RESP -> sb.append(" req=").append(context).append(" i=").append(index)
          .append(reject ? " rej" : "");
      default -> { }
    }
    return sb.toString();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Message m && m.type == type && m.from == from && m.to == to
        && m.term == term && m.logTerm == logTerm && m.index == index && m.commit == commit
        && m.entries.equals(entries) && m.reject == reject && m.hintIndex == hintIndex
        && m.hintTerm == hintTerm && m.context == context && m.offset == offset
        && Arrays.equals(m.data, data) && m.done == done;
  }

  @Override
  public int hashCode() {
    return ((type.hashCode() * 31 + from) * 31 + to) * 31 + Long.hashCode(term) * 7
        + Long.hashCode(index) + Arrays.hashCode(data) + entries.hashCode();
  }

  @Override
  public String toString() {
    return "Message[" + trace() + "]";
  }

  /** Mutable builder of {@link Message}. Not thread-safe. */
  public static final class Builder {
    private final MessageType type;
    private final int from;
    private final int to;
    private final long term;
    private long logTerm;
    private long index;
    private long commit;
    private List<LogEntry> entries = List.of();
    private boolean reject;
    private long hintIndex;
    private long hintTerm;
    private long context;
    private long offset;
    private byte[] data = EMPTY;
    private boolean done;

    private Builder(MessageType type, int from, int to, long term) {
      this.type = type;
      this.from = from;
      this.to = to;
      this.term = term;
    }

    public Builder logTerm(long v) {
      logTerm = v;
      return this;
    }

    public Builder index(long v) {
      index = v;
      return this;
    }

    public Builder commit(long v) {
      commit = v;
      return this;
    }

    public Builder entries(List<LogEntry> v) {
      entries = v;
      return this;
    }

    public Builder reject(boolean v) {
      reject = v;
      return this;
    }

    public Builder hint(long idx, long trm) {
      hintIndex = idx;
      hintTerm = trm;
      return this;
    }

    public Builder context(long v) {
      context = v;
      return this;
    }

    public Builder offset(long v) {
      offset = v;
      return this;
    }

    public Builder data(byte[] v) {
      data = v;
      return this;
    }

    public Builder done(boolean v) {
      done = v;
      return this;
    }

    public Message build() {
      return new Message(type, from, to, term, logTerm, index, commit, entries, reject,
          hintIndex, hintTerm, context, offset, data, done);
    }
  }
}
