package io.ringkv.ring.version;

import io.ringkv.ring.NodeId;
import java.util.Map;

/**
 * An immutable version vector: for each node, the number of consecutive write events of that
 * node that have been seen (node absent = 0). The causal context of a key.
 */
public final class VersionVector {
    // SKELETON: bodies are filled in by the version work; signatures are the contract.

    public static VersionVector empty() {
        throw new UnsupportedOperationException("TODO");
    }

    public static VersionVector of(Map<NodeId, Long> entries) {
        throw new UnsupportedOperationException("TODO");
    }

    /** The counter for {@code node}, 0 if absent. */
    public long get(NodeId node) {
        throw new UnsupportedOperationException("TODO");
    }

    /** This vector with {@code node}'s entry raised to at least {@code counter}. */
    public VersionVector with(NodeId node, long counter) {
        throw new UnsupportedOperationException("TODO");
    }

    /** The pointwise maximum. */
    public VersionVector join(VersionVector other) {
        throw new UnsupportedOperationException("TODO");
    }

    /** True when {@code dot.counter() <= get(dot.node())}. */
    public boolean covers(Dot dot) {
        throw new UnsupportedOperationException("TODO");
    }

    /** True when every entry of {@code other} is <= this one's (this has seen all of other). */
    public boolean descends(VersionVector other) {
        throw new UnsupportedOperationException("TODO");
    }

    public boolean isEmpty() {
        throw new UnsupportedOperationException("TODO");
    }

    /** Entries ordered by node id. */
    public Map<NodeId, Long> entries() {
        throw new UnsupportedOperationException("TODO");
    }

    /** Compact binary form (see {@link #decode}). */
    public byte[] encode() {
        throw new UnsupportedOperationException("TODO");
    }

    /** @throws IllegalArgumentException when {@code bytes} is not an encoded vector */
    public static VersionVector decode(byte[] bytes) {
        throw new UnsupportedOperationException("TODO");
    }
}
