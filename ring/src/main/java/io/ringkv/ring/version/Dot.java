package io.ringkv.ring.version;

import io.ringkv.ring.NodeId;

/** One write event: the {@code counter}-th version coordinated by {@code node} for a key. */
public record Dot(NodeId node, long counter) {
    public Dot {
        if (counter < 1) {
            throw new IllegalArgumentException("dot counters start at 1: " + counter);
        }
    }
}
