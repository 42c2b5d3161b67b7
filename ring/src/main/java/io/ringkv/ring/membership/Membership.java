package io.ringkv.ring.membership;

import io.ringkv.ring.NodeId;
import io.ringkv.ring.partition.RingSnapshot;

/**
 * Who is in the cluster and who is believed up. The coordinator asks this for every request,
 * so implementations answer from memory. Membership comes from config in a static cluster;
 * gossip and failure detection replace it without changing callers.
 */
public interface Membership {
    /** The current ring; replaced as a whole when membership changes. */
    RingSnapshot ring();

    /** Whether {@code node} is believed reachable now (this node always is). */
    boolean isAlive(NodeId node);

    /** A short state for operators: "up", "down" (more states come with gossip). */
    default String state(NodeId node) {
        return isAlive(node) ? "up" : "down";
    }

    /** Evidence from a request: the peer answered. */
    void reportSuccess(NodeId node);

    /** Evidence from a request: the peer could not be reached. */
    void reportUnreachable(NodeId node);
}
