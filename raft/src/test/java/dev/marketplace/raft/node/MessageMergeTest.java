package dev.marketplace.raft.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.marketplace.raft.LogEntry;
import dev.marketplace.raft.Message;
import dev.marketplace.raft.MessageType;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The runtime's per-destination coalescing of consecutive appends and acknowledgements. */
class MessageMergeTest {
  private static LogEntry e(long i, long t) {
    return new LogEntry(i, t, new byte[] {(byte) i});
  }

  private static Message app(long prev, long prevTerm, long commit, LogEntry... es) {
    return Message.builder(MessageType.APPEND, 0, 1, 3).index(prev).logTerm(prevTerm)
        .commit(commit).entries(List.of(es)).build();
  }

  @Test
  void consecutiveAppendsBecomeOneWithTheLaterCommit() {
    Message m = RaftNode.merge(app(4, 2, 3, e(5, 3), e(6, 3)), app(6, 3, 5, e(7, 3)));
    assertThat(m).isNotNull();
    assertThat(m.index()).isEqualTo(4);
    assertThat(m.logTerm()).isEqualTo(2);
    assertThat(m.entries()).containsExactly(e(5, 3), e(6, 3), e(7, 3));
    assertThat(m.commit()).isEqualTo(5);
  }

  @Test
  void appendsThatDoNotContinueEachOtherStayApart() {
    assertThat(RaftNode.merge(app(4, 2, 3, e(5, 3)), app(7, 3, 3, e(8, 3)))).isNull();
    assertThat(RaftNode.merge(app(4, 2, 3, e(5, 3)), app(5, 2, 3, e(6, 3)))).isNull();
    Message other = Message.builder(MessageType.APPEND, 0, 1, 4).index(5).logTerm(3).build();
    assertThat(RaftNode.merge(app(4, 2, 3, e(5, 3)), other)).isNull();
    assertThat(RaftNode.merge(app(4, 2, 5, e(5, 3)), app(5, 3, 4))).isNull();
  }

  @Test
  void anEmptyAppendFoldsIntoTheOneBefore() {
    Message m = RaftNode.merge(app(4, 2, 3, e(5, 3)), app(5, 3, 5));
    assertThat(m.entries()).containsExactly(e(5, 3));
    assertThat(m.commit()).isEqualTo(5);
  }

  @Test
  void aMergeIsACommitNoticeOnlyWhenBothWere_commitNotice() {
    Message notice = Message.builder(MessageType.APPEND, 0, 1, 3).index(5).logTerm(3).commit(4)
        .done(true).build();
    Message later = Message.builder(MessageType.APPEND, 0, 1, 3).index(5).logTerm(3).commit(5)
        .done(true).build();
    // entries before a notice must still be acknowledged: the merge is no notice
    assertThat(RaftNode.merge(app(4, 2, 3, e(5, 3)), notice).done()).isFalse();
    // a notice followed by entries: likewise
    assertThat(RaftNode.merge(notice, app(5, 3, 5, e(6, 3))).done()).isFalse();
    // two notices stay one, with the later commit
    Message both = RaftNode.merge(notice, later);
    assertThat(both.done()).isTrue();
    assertThat(both.commit()).isEqualTo(5);
    assertThat(both.entries()).isEmpty();
  }

  @Test
  void successfulAcksKeepTheHighestRejectionsStay() {
    Message a = Message.builder(MessageType.APPEND_RESP, 1, 0, 3).index(5).build();
    Message b = Message.builder(MessageType.APPEND_RESP, 1, 0, 3).index(7).build();
    Message rej = Message.builder(MessageType.APPEND_RESP, 1, 0, 3).index(7).reject(true)
        .hint(3, 2).build();
    assertThat(RaftNode.merge(a, b)).isEqualTo(b);
    assertThat(RaftNode.merge(b, a)).isNull();
    assertThat(RaftNode.merge(a, rej)).isNull();
  }
}
