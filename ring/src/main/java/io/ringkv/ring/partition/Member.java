package io.ringkv.ring.partition;

import io.ringkv.ring.NodeId;

/**
 * A physical node as the ring sees it: its identity, where clients and peers reach it, and its
 * weight (a node of weight 2 claims about twice the partitions of a node of weight 1).
 */
public record Member(NodeId id, String host, int clientPort, int clusterPort, int weight) {
    public Member {
        if (weight < 1 || weight > 1000) {
            throw new IllegalArgumentException("weight must be in [1, 1000]: " + weight);
        }
    }
}
