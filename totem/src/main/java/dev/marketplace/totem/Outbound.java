package dev.marketplace.totem;

/**
 * One encoded datagram the runtime must send. Immutable record, thread-safe (do not mutate bytes).
 *
 * @param to destination member id, or {@link #ALL} for every other member of the universe
 * @param bytes authenticated datagram (at most {@link TotemConfig#maxDatagramBytes()})
 */
public record Outbound(int to, byte[] bytes) {
  /** Destination meaning "every member except the sender". */
  public static final int ALL = -1;

  /** True when this datagram goes to every other member. */
  public boolean toAll() {
    return to == ALL;
  }
}
