package io.ringkv.ring.membership;

import io.ringkv.ring.NodeId;

/**
 * What a node has seen of another: (generation, highest version). In a SYN it says "I know
 * this much"; in an ACK it says "send me what you have beyond this".
 */
public record GossipDigest(NodeId node, long generation, long maxVersion) {
    public GossipDigest {
        if (generation < 0 || maxVersion < 0) {
            throw new IllegalArgumentException("negative generation or version: " + generation + ", " + maxVersion);
        }
    }
}
