package dev.marketplace.raft;

import java.util.List;

/**
 * Describes a snapshot of the state machine: it reflects every entry up to and including {@code
 * index}, whose term was {@code term}, under the cluster membership {@code members}. Immutable.
 */
public record SnapshotMeta(long index, long term, List<Integer> members) {
  public static final SnapshotMeta NONE = new SnapshotMeta(0, 0, List.of());

  public SnapshotMeta {
    members = List.copyOf(members);
  }
}
