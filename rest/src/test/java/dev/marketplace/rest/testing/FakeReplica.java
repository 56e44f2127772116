package dev.marketplace.rest.testing;

/**
 * What a test can do with one fake database replica, shared by {@link FakeCustomerDb} and
 * {@link FakeProductDb}. Test scope only; thread-safe (atomic switches and counters).
 */
interface FakeReplica {
  /** This replica's switches and counters, read by {@link Fakes#run} on every call. */
  Fakes.ReplicaControl control();

  /** Makes every call of this replica fail with UNAVAILABLE (or serve again). */
  default void setDown(boolean down) {
    control().down.set(down);
  }

  /** Calls received by this replica. */
  default int calls() {
    return control().calls.get();
  }
}
