package dev.marketplace.totem;

import java.util.List;

/**
 * Decoded form of one totem datagram: a {@link Header} every message carries and a {@link Body}
 * of one of the kinds listed in DESIGN.md. Produced by {@link WireCodec#decode}; accepted by
 * {@link TotemCore#step} (already authenticated). Immutable records (byte arrays are not copied:
 * do not mutate them), thread-safe to share.
 *
 * @param header sender identity and piggybacked progress
 * @param body kind-specific content
 */
public record TotemMessage(Header header, Body body) {

  /**
   * Sender identity and piggyback.
   *
   * @param sender member id of the sender
   * @param incarnation sender incarnation (0 = bootstrap, random otherwise)
   * @param view sender's current view number (-1 while amnesiac and viewless)
   * @param status sender's status in that view
   * @param ackSlots contiguous complete log slots of the sender (meaningful only when NORMAL)
   * @param deliveredPos number of commands the sender has delivered
   * @param recv per member of the sender's view (view order): requests received contiguously
   */
  public record Header(int sender, long incarnation, long view, MemberStatus status,
      long ackSlots, long deliveredPos, long[] recv) {}

  /** A message body; one datagram carries one body. */
  public sealed interface Body permits Request, Sequence, Entry, Heartbeat, NackReq, Fetch,
      Anchor, TooFar, ViewChange, StartView, GetView {}

  /** One command of the sender's own stream. */
  public record ReqItem(long lseq, byte[] command) {}

  /** A request id inside a SEQUENCE. */
  public record ReqRef(int member, long incarnation, long lseq) {}

  /** A fully identified command inside a log entry. */
  public record Cmd(int member, long incarnation, long lseq, byte[] command) {}

  /** How far a stream has been ordered: next lseq to order. */
  public record StreamPos(int member, long incarnation, long nextSeq) {}

  /** A member of a view with its incarnation. */
  public record MemberInc(int member, long incarnation) {}

  /** Commands of the sender's own stream (several per datagram). */
  public record Request(List<ReqItem> items) implements Body {}

  /** The turn-holder orders a batch at slot {@code slot}; first command gets {@code firstPos}. */
  public record Sequence(long slot, long firstPos, List<ReqRef> refs) implements Body {}

  /** Self-contained repair of one log slot, tagged with the sender's last normal view. */
  public record Entry(long logView, long slot, long firstPos, List<Cmd> cmds) implements Body {}

  /** Progress only. */
  public record Heartbeat() implements Body {}

  /** To a request's origin: please re-send your requests {@code fromLseq..toLseq}. */
  public record NackReq(long fromLseq, long toLseq) implements Body {}

  /** Ask for log entries from slot {@code fromSlot}, or by position when fromSlot is -1. */
  public record Fetch(long fromSlot, long fromPos, long wantLogView) implements Body {}

  /**
   * Answer to a FETCH by position: slot {@code slot} covers positions {@code [pos, endPos)}
   * (empty when it is the sender's next, not yet assigned slot); streams as of its start.
   */
  public record Anchor(long logView, long slot, long pos, long endPos, List<StreamPos> streams)
      implements Body {}

  /** "What you asked for is trimmed here; my first retained position is trimPos." */
  public record TooFar(long trimPos, long deliveredPos) implements Body {}

  /**
   * VR DoViewChange, broadcast: the sender moved to {@code newView} and reports its log.
   * {@code coordInc} is the incarnation of the coordinator of {@code newView} the sender is bound
   * to (0: none yet); a census counts only reports bound to the coordinator itself.
   */
  public record ViewChange(long newView, long lastNormalView, long logSlots, long logPos,
      boolean amnesiac, long coordInc, List<StreamPos> streams) implements Body {}

  /**
   * VR StartView, made once per view by its coordinator; relayed verbatim by members. A census
   * (cold start) view has {@code chosenLogView == TotemCore.COLD}, {@code startSlots == 0} and
   * {@code startPos} = the largest durable position of all members.
   */
  public record StartView(long view, List<MemberInc> members, long chosenLogView, long startSlots,
      long startPos, int source, List<StreamPos> streams) implements Body {}

  /** "Send me your START_VIEW of this view." */
  public record GetView(long view) implements Body {}
}
