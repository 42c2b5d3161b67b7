package io.ringkv.ring.membership;

/**
 * A short summary of a ring: its version and a 64-bit hash of its encoding. Orders rings for
 * the gossip merge: the higher version wins; at equal versions with different content the
 * greater hash (unsigned) wins, so every node settles on the same ring.
 */
public record RingDigest(long version, long contentHash) implements Comparable<RingDigest> {
    @Override
    public int compareTo(RingDigest o) {
        int c = Long.compare(version, o.version);
        return c != 0 ? c : Long.compareUnsigned(contentHash, o.contentHash);
    }
}
