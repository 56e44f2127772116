package dev.marketplace.raft;

/** The role of a Raft node. */
public enum Role {
  FOLLOWER,
  PRE_CANDIDATE,
  CANDIDATE,
  LEADER
}
