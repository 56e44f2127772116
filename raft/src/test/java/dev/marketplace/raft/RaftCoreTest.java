package dev.marketplace.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Direct tests of one {@link RaftCore}, driving its messages by hand. */
class RaftCoreTest {

  private static final byte[] CMD = {1};

  /** Processes every Ready as a runtime with instant durable storage would; returns messages. */
  private static List<Message> drain(RaftCore c) {
    List<Message> out = new ArrayList<>();
    while (c.hasReady()) {
      Ready rd = c.ready();
      out.addAll(rd.messages());
      out.addAll(rd.messagesAfterPersist());
      if (!rd.committedEntries().isEmpty()) {
        c.applied(rd.committedEntries().get(rd.committedEntries().size() - 1).index());
      }
      c.persisted(rd);
    }
    return out;
  }

  private static RaftCore node(int id, int n) {
    return new RaftCore(RaftConfig.defaults(id, n), new SplittableRandom(id));
  }

  /** Ticks until a (pre-)vote round starts; answers it from the given voters. */
  private static void elect(RaftCore c, int... voters) {
    List<Message> out = new ArrayList<>();
    for (int i = 0; i < 100 && out.isEmpty(); i++) {
      c.tick();
      out.addAll(drain(c));
    }
    for (int round = 0; round < 2 && c.role() != Role.LEADER; round++) {
      for (Message m : out) {
        if (m.type() != MessageType.PRE_VOTE && m.type() != MessageType.VOTE) continue;
        for (int v : voters) {
          if (m.to() != v) continue;
          MessageType resp = m.type() == MessageType.PRE_VOTE ? MessageType.PRE_VOTE_RESP
              : MessageType.VOTE_RESP;
          c.step(Message.builder(resp, v, c.id(), m.term()).build());
        }
      }
      out = drain(c);
    }
  }

  /** Ticks a fresh node until it is a pre-candidate; returns its PRE_VOTE requests. */
  private static List<Message> tickToPreCandidate(RaftCore c) {
    List<Message> out = new ArrayList<>();
    for (int i = 0; i < 100 && c.role() != Role.PRE_CANDIDATE; i++) {
      c.tick();
      out.addAll(drain(c));
    }
    assertThat(c.role()).isEqualTo(Role.PRE_CANDIDATE);
    return out;
  }

  private static Message to(List<Message> msgs, int to, MessageType type) {
    return msgs.stream().filter(m -> m.to() == to && m.type() == type).findFirst()
        .orElseThrow(() -> new AssertionError("no " + type + " to " + to + " in " + msgs));
  }

  @Test
  void ofTwoPreCandidatesWithEqualLogsTheHigherIdStepsBack_preVoteYield() {
    RaftCore a = node(1, 5);
    RaftCore b = node(2, 5);
    List<Message> fromA = tickToPreCandidate(a);
    List<Message> fromB = tickToPreCandidate(b);
    // their pre-votes cross: each grants the other's, but only b (higher id) steps back
    a.step(to(fromB, 1, MessageType.PRE_VOTE));
    b.step(to(fromA, 2, MessageType.PRE_VOTE));
    List<Message> aOut = drain(a);
    List<Message> bOut = drain(b);
    assertThat(to(aOut, 2, MessageType.PRE_VOTE_RESP).reject()).isFalse();
    assertThat(to(bOut, 1, MessageType.PRE_VOTE_RESP).reject()).isFalse();
    assertThat(a.role()).isEqualTo(Role.PRE_CANDIDATE);
    assertThat(b.role()).isEqualTo(Role.FOLLOWER);
    // b's pre-vote round ends: late grants no longer make it a candidate
    b.step(Message.builder(MessageType.PRE_VOTE_RESP, 3, 2, 1).build());
    b.step(Message.builder(MessageType.PRE_VOTE_RESP, 4, 2, 1).build());
    drain(b);
    assertThat(b.role()).isEqualTo(Role.FOLLOWER);
    assertThat(b.term()).isZero();
    // a wins with b's grant and one more
    a.step(to(bOut, 1, MessageType.PRE_VOTE_RESP));
    a.step(Message.builder(MessageType.PRE_VOTE_RESP, 3, 1, 1).build());
    drain(a);
    assertThat(a.role()).isEqualTo(Role.CANDIDATE);
  }

  @Test
  void preCandidateWithTheBetterLogGoesOn_preVoteYield() {
    RaftCore ahead = RaftCore.restore(RaftConfig.defaults(3, 5), new SplittableRandom(3),
        new HardState(1, -1), new Snapshot(SnapshotMeta.NONE, new byte[0]),
        List.of(new LogEntry(1, 1, CMD), new LogEntry(2, 1, CMD)), 0);
    RaftCore behind = RaftCore.restore(RaftConfig.defaults(1, 5), new SplittableRandom(1),
        new HardState(1, -1), new Snapshot(SnapshotMeta.NONE, new byte[0]),
        List.of(new LogEntry(1, 1, CMD)), 0);
    List<Message> fromAhead = tickToPreCandidate(ahead);
    List<Message> fromBehind = tickToPreCandidate(behind);
    ahead.step(to(fromBehind, 3, MessageType.PRE_VOTE)); // not up to date: rejected
    behind.step(to(fromAhead, 1, MessageType.PRE_VOTE)); // granted, and behind steps back
    assertThat(to(drain(ahead), 1, MessageType.PRE_VOTE_RESP).reject()).isTrue();
    assertThat(to(drain(behind), 3, MessageType.PRE_VOTE_RESP).reject()).isFalse();
    assertThat(ahead.role()).isEqualTo(Role.PRE_CANDIDATE); // despite its higher id
    assertThat(behind.role()).isEqualTo(Role.FOLLOWER);
  }

  @Test
  void followerGrantingAPreVoteRestartsItsTimerAndForgetsTheLeader_preVote() {
    RaftCore f = node(2, 3);
    f.step(Message.builder(MessageType.HEARTBEAT, 0, 2, 1).build());
    drain(f);
    assertThat(f.leader()).isZero();
    int electionTicks = RaftConfig.defaults(2, 3).electionTicks();
    for (int i = 0; i < electionTicks; i++) f.tick(); // the lease is over
    drain(f);
    f.step(Message.builder(MessageType.PRE_VOTE, 1, 2, 2).build());
    assertThat(to(drain(f), 1, MessageType.PRE_VOTE_RESP).reject()).isFalse();
    assertThat(f.leader()).isEqualTo(-1);
    // a fresh timer: no rival pre-vote within the next electionTicks - 1 ticks
    for (int i = 0; i < electionTicks - 1; i++) {
      f.tick();
      assertThat(drain(f)).noneMatch(m -> m.type() == MessageType.PRE_VOTE);
    }
    assertThat(f.role()).isEqualTo(Role.FOLLOWER);
    // and the candidate's real vote is granted (no lease holds it back)
    f.step(Message.builder(MessageType.VOTE, 1, 2, 2).build());
    assertThat(to(drain(f), 1, MessageType.VOTE_RESP).reject()).isFalse();
  }

  @Test
  void peerUnreachableEndsTheLeaseOfAFollowerOfThatLeaderOnly_peerUnreachable() {
    RaftCore f = node(2, 3);
    f.step(Message.builder(MessageType.HEARTBEAT, 0, 2, 1).build());
    drain(f);
    f.peerUnreachable(1); // not its leader: ignored
    f.step(Message.builder(MessageType.PRE_VOTE, 1, 2, 2).build());
    assertThat(drain(f)).isEmpty(); // in the lease: ignored
    assertThat(f.leader()).isZero();
    f.peerUnreachable(0);
    assertThat(f.leader()).isEqualTo(-1);
    f.step(Message.builder(MessageType.PRE_VOTE, 1, 2, 2).build());
    assertThat(to(drain(f), 1, MessageType.PRE_VOTE_RESP).reject()).isFalse();
    // bad ids are ignored, never thrown
    f.peerUnreachable(-1);
    f.peerUnreachable(7);
    f.peerUnreachable(2);
  }

  @Test
  void leaderOnlyCommitsEntriesOfItsOwnTermByCounting_figure8_5_4_2() {
    RaftCore c = RaftCore.restore(RaftConfig.defaults(0, 3), new SplittableRandom(1),
        new HardState(2, 0), new Snapshot(SnapshotMeta.NONE, new byte[0]),
        List.of(new LogEntry(1, 1, CMD), new LogEntry(2, 2, CMD)), 0);
    elect(c, 1);
    assertThat(c.role()).isEqualTo(Role.LEADER);
    assertThat(c.term()).isEqualTo(3);
    assertThat(c.lastIndex()).isEqualTo(3); // the new term's no-op
    // a majority (0 and 1) stores index 2, an entry of term 2: not committed by counting
    c.step(Message.builder(MessageType.APPEND_RESP, 1, 0, 3).index(2).build());
    drain(c);
    assertThat(c.commitIndex()).isZero();
    // once the current-term no-op is on a majority, everything up to it commits
    c.step(Message.builder(MessageType.APPEND_RESP, 1, 0, 3).index(3).build());
    drain(c);
    assertThat(c.commitIndex()).isEqualTo(3);
  }

  @Test
  void aBatchOfProposalsIsForwardedAsOneMessageAndAppendedInOrder() throws Exception {
    RaftCore leader = node(0, 3);
    elect(leader, 1);
    assertThat(leader.role()).isEqualTo(Role.LEADER);
    long base = leader.lastIndex(); // the term's no-op
    for (int peer = 1; peer <= 2; peer++) { // both followers have it: they replicate, not probe
      leader.step(Message.builder(MessageType.APPEND_RESP, peer, 0, leader.term()).index(base)
          .build());
    }
    drain(leader);
    RaftCore f = node(1, 3);
    f.step(Message.builder(MessageType.HEARTBEAT, 0, 1, leader.term()).build());
    drain(f);
    byte[] a = {1};
    byte[] b = {2, 2};
    byte[] c = {3};
    assertThat(f.proposeAll(List.of(a, b, c)).status()).isEqualTo(ProposeResult.Status.FORWARDED);
    List<Message> out = drain(f);
    assertThat(out).extracting(Message::type).containsExactly(MessageType.PROPOSE);
    Message prop = out.get(0);
    assertThat(prop.entries()).hasSize(3);
    // as it arrives at the leader (through the codec): three entries, one AppendEntries round
    leader.step(MessageCodec.decode(MessageCodec.encode(prop)));
    assertThat(leader.lastIndex()).isEqualTo(base + 3);
    Ready rd = leader.ready();
    assertThat(rd.entries()).extracting(LogEntry::data).containsExactly(a, b, c);
    assertThat(rd.entries()).extracting(LogEntry::term).containsOnly(leader.term());
    assertThat(rd.messages()).filteredOn(m -> m.type() == MessageType.APPEND)
        .extracting(m -> m.entries().size()).containsExactly(3, 3);
    leader.persisted(rd);
    // the leader's own batch: appended in order, one AppendEntries per follower
    ProposeResult r = leader.proposeAll(List.of(c, a));
    assertThat(r.status()).isEqualTo(ProposeResult.Status.ACCEPTED);
    assertThat(r.index()).isEqualTo(base + 5);
    rd = leader.ready();
    assertThat(rd.entries()).extracting(LogEntry::data).containsExactly(c, a);
    // bad batches are refused before anything is sent
    assertThatThrownBy(() -> f.proposeAll(List.of())).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> f.proposeAll(List.of(a, new byte[0])))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(f.hasReady()).isFalse();
    // a forwarded batch of only empty commands is dropped, not appended
    long last = leader.lastIndex();
    leader.step(Message.builder(MessageType.PROPOSE, 1, 0, leader.term())
        .entries(List.of(new LogEntry(1, 0, new byte[0]))).build());
    assertThat(leader.lastIndex()).isEqualTo(last);
  }

  @Test
  void commitNoticeIsNotAnsweredButMismatchesAndHeartbeatsStillAre_commitNotice()
      throws Exception {
    RaftCore leader = node(0, 3);
    elect(leader, 1);
    assertThat(leader.role()).isEqualTo(Role.LEADER);
    RaftCore f = node(1, 3);
    // a heartbeat starts the exchange with follower 1; route only 0 <-> 1 until the no-op is
    // acked and committed on {0,1} (follower 2 stays silent)
    leader.tick();
    List<Message> out = drain(leader);
    List<Message> fromLeader = new ArrayList<>();
    for (int round = 0; round < 10 && leader.commitIndex() == 0; round++) {
      for (Message m : out) {
        if (m.to() != 1) continue;
        fromLeader.add(m);
        f.step(m);
      }
      drain(f).forEach(leader::step);
      out = drain(leader);
    }
    assertThat(leader.commitIndex()).isEqualTo(leader.lastIndex()).isPositive();
    // the append that carried the no-op (sent while the leader probed) was no notice
    assertThat(fromLeader).filteredOn(m -> m.type() == MessageType.APPEND)
        .isNotEmpty().allSatisfy(m -> assertThat(m.done()).isFalse());
    // follower 1 gets a commit notice, follower 2 (still probed, match unknown) does not
    Message notice = to(out, 1, MessageType.APPEND);
    assertThat(notice.entries()).isEmpty();
    assertThat(notice.done()).isTrue();
    assertThat(notice.commit()).isEqualTo(leader.commitIndex()).isPositive();
    assertThat(out).filteredOn(m -> m.to() == 2 && m.type() == MessageType.APPEND)
        .allSatisfy(m -> assertThat(m.done()).isFalse());
    // one write: entries are answered, the commit notice that follows is not
    leader.propose(CMD);
    for (Message m : drain(leader)) if (m.to() == 1) f.step(m);
    List<Message> ack = drain(f);
    assertThat(ack).extracting(Message::type).containsExactly(MessageType.APPEND_RESP);
    ack.forEach(leader::step);
    out = drain(leader);
    notice = to(out, 1, MessageType.APPEND);
    assertThat(notice.done()).isTrue();
    assertThat(notice.commit()).isEqualTo(leader.lastIndex());
    f.step(MessageCodec.decode(MessageCodec.encode(notice))); // the flag survives the wire
    assertThat(drain(f)).isEmpty();
    assertThat(f.commitIndex()).isEqualTo(leader.lastIndex()); // the follower learned it
    // a notice that does not match the follower's log is still rejected (never silent)
    f.step(Message.builder(MessageType.APPEND, 0, 1, leader.term()).index(f.lastIndex() + 5)
        .logTerm(leader.term()).commit(f.commitIndex()).done(true).build());
    Message rej = to(drain(f), 0, MessageType.APPEND_RESP);
    assertThat(rej.reject()).isTrue();
    // heartbeats are still answered and keep the leader in contact with a majority
    for (int t = 0; t < 5 * RaftConfig.defaults(0, 3).electionTicks(); t++) {
      leader.tick();
      for (Message m : drain(leader)) {
        if (m.to() != 1) continue;
        f.step(m);
        for (Message r : drain(f)) {
          assertThat(r.type()).isIn(MessageType.HEARTBEAT_RESP, MessageType.APPEND_RESP);
          leader.step(r);
        }
      }
    }
    assertThat(leader.role()).isEqualTo(Role.LEADER);
  }

  @Test
  void aLostAckBehindAnUnansweredCommitNoticeIsRepairedByTheHeartbeat_commitNotice() {
    RaftCore leader = node(0, 3);
    elect(leader, 1);
    RaftCore[] fs = {null, node(1, 3), node(2, 3)};
    leader.tick(); // heartbeat: both followers answer, get probed, replicate
    List<Message> out = drain(leader);
    for (int round = 0; round < 10 && !out.isEmpty(); round++) {
      for (Message m : out) fs[m.to()].step(m);
      List<Message> back = new ArrayList<>(drain(fs[1]));
      back.addAll(drain(fs[2]));
      back.forEach(leader::step);
      out = drain(leader);
    }
    assertThat(leader.commitIndex()).isEqualTo(leader.lastIndex());
    // a write reaches both followers, but follower 2's acknowledgement is lost
    leader.propose(CMD);
    for (Message m : drain(leader)) fs[m.to()].step(m);
    drain(fs[1]).forEach(leader::step);
    assertThat(drain(fs[2])).hasSize(1); // dropped
    out = drain(leader);
    assertThat(leader.commitIndex()).isEqualTo(leader.lastIndex());
    // both get a notice (follower 2's append is in flight: its own answer would do), no answer
    Message notice2 = to(out, 2, MessageType.APPEND);
    assertThat(notice2.done()).isTrue();
    assertThat(notice2.entries()).isEmpty();
    for (Message m : out) fs[m.to()].step(m);
    assertThat(drain(fs[1])).isEmpty();
    assertThat(drain(fs[2])).isEmpty();
    assertThat(fs[2].commitIndex()).isEqualTo(leader.lastIndex());
    // the next heartbeat's answer shows the leader follower 2 is behind what it knows: it sends
    // an ordinary append, which is answered, and then the leader knows follower 2's match
    leader.tick();
    for (Message m : drain(leader)) if (m.to() == 2) fs[2].step(m);
    drain(fs[2]).forEach(leader::step);
    Message repair = to(drain(leader), 2, MessageType.APPEND);
    assertThat(repair.done()).isFalse();
    fs[2].step(repair);
    List<Message> ack = drain(fs[2]);
    assertThat(ack).extracting(Message::type).containsExactly(MessageType.APPEND_RESP);
    assertThat(ack.get(0).index()).isEqualTo(leader.lastIndex());
    ack.forEach(leader::step);
    drain(leader);
    leader.tick();
    for (Message m : drain(leader)) if (m.to() == 2) fs[2].step(m);
    drain(fs[2]).forEach(leader::step);
    assertThat(drain(leader)).noneMatch(m -> m.to() == 2 && m.type() == MessageType.APPEND);
  }

  @Test
  void candidateCountsItsOwnVoteOnlyOnceDurable_5_2() {
    RaftCore c = node(0, 1);
    Ready rd = null;
    for (int i = 0; i < 100 && c.role() != Role.CANDIDATE; i++) {
      c.tick();
    }
    assertThat(c.role()).isEqualTo(Role.CANDIDATE);
    rd = c.ready();
    assertThat(rd.hardState()).isEqualTo(new HardState(c.term(), 0));
    assertThat(c.role()).isEqualTo(Role.CANDIDATE); // not leader before the vote is durable
    c.persisted(rd);
    assertThat(c.role()).isEqualTo(Role.LEADER);
  }

  @Test
  void acknowledgementsAndVotesLeaveOnlyAfterPersistence() {
    RaftCore f = node(1, 3);
    f.step(Message.builder(MessageType.VOTE, 0, 1, 1).index(0).logTerm(0).build());
    Ready rd = f.ready();
    assertThat(rd.hardState()).isEqualTo(new HardState(1, 0));
    assertThat(rd.messages()).isEmpty();
    assertThat(rd.messagesAfterPersist()).extracting(Message::type)
        .containsExactly(MessageType.VOTE_RESP);
    f.persisted(rd);
    f.step(Message.builder(MessageType.APPEND, 0, 1, 1).index(0).logTerm(0)
        .entries(List.of(new LogEntry(1, 1, CMD))).commit(0).build());
    rd = f.ready();
    assertThat(rd.entries()).hasSize(1);
    assertThat(rd.messages()).isEmpty();
    assertThat(rd.messagesAfterPersist()).extracting(Message::type)
        .containsExactly(MessageType.APPEND_RESP);
  }

  @Test
  void committedEntriesAreHandedOutOnlyWhenDurable() {
    RaftCore f = node(1, 3);
    f.step(Message.builder(MessageType.APPEND, 0, 1, 1).index(0).logTerm(0)
        .entries(List.of(new LogEntry(1, 1, CMD))).commit(1).build());
    Ready rd = f.ready();
    assertThat(f.commitIndex()).isEqualTo(1);
    assertThat(rd.committedEntries()).isEmpty(); // entry 1 is not durable yet
    f.persisted(rd);
    assertThat(f.ready().committedEntries()).extracting(LogEntry::index).containsExactly(1L);
  }

  @Test
  void conflictingSuffixIsOverwrittenAndHintSkipsTheWholeTerm_5_3() {
    List<LogEntry> log = new ArrayList<>();
    for (int i = 1; i <= 10; i++) log.add(new LogEntry(i, i <= 3 ? 1 : 2, CMD));
    RaftCore f = RaftCore.restore(RaftConfig.defaults(1, 3), new SplittableRandom(1),
        new HardState(2, -1), new Snapshot(SnapshotMeta.NONE, new byte[0]), log, 0);
    f.step(Message.builder(MessageType.APPEND, 0, 1, 3).index(10).logTerm(3).build());
    Message rej = f.ready().messagesAfterPersist().get(0);
    assertThat(rej.reject()).isTrue();
    assertThat(rej.hintTerm()).isEqualTo(2);
    assertThat(rej.hintIndex()).isEqualTo(4); // first index of term 2
    f.step(Message.builder(MessageType.APPEND, 0, 1, 3).index(3).logTerm(1)
        .entries(List.of(new LogEntry(4, 3, CMD))).build());
    Ready rd = f.ready();
    assertThat(rd.entries()).containsExactly(new LogEntry(4, 3, CMD));
    assertThat(f.lastIndex()).isEqualTo(4);
  }

  @Test
  void badInputIsRejectedOrDroppedNotFatal() {
    RaftCore c = node(0, 3);
    assertThatThrownBy(() -> c.propose(new byte[0])).isInstanceOf(IllegalArgumentException.class);
    assertThat(c.propose(CMD).status()).isEqualTo(ProposeResult.Status.NO_LEADER);
    c.step(Message.builder(MessageType.APPEND, 1, 2, 1).build()); // not addressed to us
    c.step(Message.builder(MessageType.APPEND, 7, 0, 1).build()); // unknown member
    c.step(null);
    assertThat(c.status().droppedMessages()).isEqualTo(3);
    assertThatThrownBy(() -> c.compact(5, new byte[0]))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> c.applied(5)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new RaftConfig(3, 3, 10, 1, 1, 1, 1, true, true).validate())
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void restartNeverHasATermBelowItsLastEntry() {
    // entries survived a crash but the hard state write did not
    RaftCore c = RaftCore.restore(RaftConfig.defaults(0, 3), new SplittableRandom(1),
        new HardState(1, 2), new Snapshot(SnapshotMeta.NONE, new byte[0]),
        List.of(new LogEntry(1, 1, CMD), new LogEntry(2, 3, CMD)), 0);
    assertThat(c.term()).isEqualTo(3);
    assertThat(c.ready().hardState()).isEqualTo(new HardState(3, -1));
  }

  @Test
  void followerReadWithoutLeaderIsAborted() {
    RaftCore c = node(0, 3);
    c.readIndex(42);
    assertThat(c.ready().abortedReads()).containsExactly(42L);
  }

  @Test
  void sameSeedSameOutputs() {
    RaftCore a = node(0, 3);
    RaftCore b = node(0, 3);
    for (int i = 0; i < 50; i++) {
      a.tick();
      b.tick();
      assertThat(drain(a)).isEqualTo(drain(b));
    }
  }
}
