package io.ringkv.ring.membership;

import io.ringkv.ring.NodeId;
import io.ringkv.ring.partition.RingSnapshot;

/**
 * Told about membership changes learned through gossip. Every method is called on the gossip
 * thread (the {@code Scheduler}'s), one event at a time in the order the changes happened,
 * never while the gossiper holds its lock: a listener may call back into the membership. A
 * listener must not block (it delays gossip); long work goes to another executor. A listener
 * that throws is logged and the others are still called.
 */
public interface MembershipListener {
    /** {@code node} is judged up (again): a fresh heartbeat arrived and phi is low. */
    default void onUp(NodeId node) {}

    /** {@code node} is judged down: phi crossed the threshold, or a request found it unreachable. */
    default void onDown(NodeId node) {}

    /** The ring was replaced (a newer version was proposed here or learned from a peer). */
    default void onRingChanged(RingSnapshot previous, RingSnapshot current) {}

    /** One of {@code node}'s application states has a new value (also on discovery and restart). */
    default void onStateChanged(NodeId node, ApplicationState state, String value) {}

    /** {@code node} restarted: a new generation replaced all its earlier state. */
    default void onRestarted(NodeId node) {}

    /** {@code node} left or was removed long enough ago that it is now forgotten. */
    default void onForgotten(NodeId node) {}
}
