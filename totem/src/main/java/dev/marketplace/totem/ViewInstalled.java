package dev.marketplace.totem;

import java.util.List;

/**
 * Membership change: this member became NORMAL in a new view. Immutable, thread-safe.
 *
 * @param view view number
 * @param members member ids of the view, ascending (sequencer of slot k = members[k mod size])
 * @param startPosition global position at which the view's own ordering starts
 */
public record ViewInstalled(long view, List<Integer> members, long startPosition) {}
