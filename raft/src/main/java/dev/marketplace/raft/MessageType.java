package dev.marketplace.raft;

/** Kinds of Raft messages; the code is the wire byte. */
public enum MessageType {
  /** AppendEntries (also heartbeat-free commit propagation); §5.3. */
  APPEND(1, "App"),
  APPEND_RESP(2, "AppR"),
  /** RequestVote; §5.2. */
  VOTE(3, "Vote"),
  VOTE_RESP(4, "VoteR"),
  /** Pre-vote round (thesis §9.6): does not change the receiver's term. */
  PRE_VOTE(5, "PreV"),
  PRE_VOTE_RESP(6, "PreVR"),
  HEARTBEAT(7, "HB"),
  HEARTBEAT_RESP(8, "HBR"),
  /** One chunk of InstallSnapshot; §7. */
  SNAPSHOT(9, "Snap"),
  SNAPSHOT_RESP(10, "SnapR"),
  /** A proposal forwarded from a follower to the leader. */
  PROPOSE(11, "Prop"),
  /** A ReadIndex request forwarded from a follower to the leader (thesis §6.4). */
  READ_INDEX(12, "Read"),
  READ_INDEX_RESP(13, "ReadR");

  private final int code;
  private final String shortName;

  MessageType(int code, String shortName) {
    this.code = code;
    this.shortName = shortName;
  }

  /** The wire byte. */
  public int code() {
    return code;
  }

  /** A short name for traces. */
  public String shortName() {
    return shortName;
  }

  private static final MessageType[] BY_CODE = new MessageType[14];

  static {
    for (MessageType t : values()) BY_CODE[t.code] = t;
  }

  /** The type with this wire byte, or null. */
  public static MessageType fromCode(int code) {
    return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
  }

  /** Whether this is a response that may leave only after the sender's state is durable. */
  public boolean needsPersistence() {
    return this == APPEND_RESP || this == VOTE_RESP || this == SNAPSHOT_RESP;
  }
}
