package io.ringkv.ring.version;

import io.ringkv.ring.NodeId;

/**
 * One write event: the {@code counter}-th version coordinated by {@code node} for a key.
 * Ordered by node id, then counter: the order siblings are kept in and the last tie-break of
 * {@link Siblings#winner}, identical on every node.
 */
public record Dot(NodeId node, long counter) implements Comparable<Dot> {
    public Dot {
        if (node == null) {
            throw new IllegalArgumentException("dot without a node");
        }
        if (counter < 1) {
            throw new IllegalArgumentException("dot counters start at 1: " + counter);
        }
    }

    @Override
    public int compareTo(Dot o) {
        int c = node.compareTo(o.node);
        return c != 0 ? c : Long.compare(counter, o.counter);
    }

    @Override
    public String toString() {
        return node + ":" + counter;
    }
}
