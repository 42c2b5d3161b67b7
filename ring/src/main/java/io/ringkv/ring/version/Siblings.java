package io.ringkv.ring.version;

import io.ringkv.ring.NodeId;
import io.ringkv.ring.Record;
import java.util.List;

/**
 * The versions of one key as a dotted version vector set (Almeida et al., "Dotted Version
 * Vectors"): a causal context ({@link #clock()}) covering every write seen, and the concurrent
 * versions (siblings) still live, each tagged by the dot of its write. Pure and immutable.
 *
 * <p>The coordinator of a write calls {@link #update}; replicas receiving a sibling set call
 * {@link #merge}, which keeps what is concurrent and drops what is dominated. Both are
 * idempotent, commutative and associative where the theory says so (merge).
 */
public final class Siblings {
    // SKELETON: bodies are filled in by the version work; signatures are the contract.

    public static Siblings empty() {
        throw new UnsupportedOperationException("TODO");
    }

    /**
     * A set from its parts (a replica rewriting versions in place, e.g. expired values into
     * tombstones, or dropping some). Every version's dot must be covered by {@code clock}.
     */
    public static Siblings of(VersionVector clock, List<Version> versions) {
        throw new UnsupportedOperationException("TODO");
    }

    /** The causal context: every write event this set has seen. */
    public VersionVector clock() {
        throw new UnsupportedOperationException("TODO");
    }

    /** The live siblings, ordered by dot (node id, then counter). */
    public List<Version> versions() {
        throw new UnsupportedOperationException("TODO");
    }

    public boolean isEmpty() {
        throw new UnsupportedOperationException("TODO");
    }

    /**
     * A write coordinated by {@code coordinator} whose client had seen {@code context}: the new
     * version gets dot (coordinator, clock[coordinator] + 1); siblings whose dots
     * {@code context} covers are dropped, the others stay; the clock becomes
     * clock ⊔ context plus the new dot.
     */
    public Siblings update(NodeId coordinator, VersionVector context, Record value) {
        throw new UnsupportedOperationException("TODO");
    }

    /**
     * Synchronises two replicas' sets: a sibling survives if it is in both, or if it is in one
     * and the other's clock does not cover its dot. The clock is the join.
     */
    public Siblings merge(Siblings other) {
        throw new UnsupportedOperationException("TODO");
    }

    /**
     * The version plain Redis commands see: among siblings not expired at {@code nowMillis},
     * the highest timestamp, ties broken by dot (node id, then counter). Null when none. May be
     * a tombstone (the key then reads as absent).
     */
    public Version winner(long nowMillis) {
        throw new UnsupportedOperationException("TODO");
    }

    /**
     * This set with at most {@code max} siblings: the oldest (lowest timestamp, then dot) are
     * dropped, the clock kept, so they count as superseded.
     */
    public Siblings capped(int max) {
        throw new UnsupportedOperationException("TODO");
    }

    /** The binary form stored on disk and sent between nodes. */
    public byte[] encode() {
        throw new UnsupportedOperationException("TODO");
    }

    /** @throws IllegalArgumentException when {@code bytes} is not an encoded set */
    public static Siblings decode(byte[] bytes) {
        throw new UnsupportedOperationException("TODO");
    }
}
