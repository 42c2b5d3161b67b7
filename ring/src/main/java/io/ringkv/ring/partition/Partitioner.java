package io.ringkv.ring.partition;

/**
 * Maps keys to tokens and tokens to partitions. The token is Murmur3 of the key's hash tag
 * (Redis Cluster rules: the part between the first '{' and the next '}', if non-empty), so
 * keys sharing a tag share a token, a partition and a replica set. The 64-bit token space,
 * taken as unsigned, is cut into {@code partitionCount} equal ranges.
 *
 * <p>Pure and immutable: placement is a function of this object and the key.
 */
public final class Partitioner {
    public static final int DEFAULT_PARTITIONS = 256;

    private final int partitionCount;
    private final int shift;

    public Partitioner(int partitionCount) {
        if (partitionCount < 1 || Integer.bitCount(partitionCount) != 1 || partitionCount > (1 << 20)) {
            throw new IllegalArgumentException("partition count must be a power of two in [1, 2^20]: " + partitionCount);
        }
        this.partitionCount = partitionCount;
        this.shift = 64 - Integer.numberOfTrailingZeros(partitionCount);
    }

    public int partitionCount() {
        return partitionCount;
    }

    /** The token of {@code key}: Murmur3 of its hash tag, or of the whole key. */
    public static long token(byte[] key) {
        int start = -1;
        for (int i = 0; i < key.length; i++) {
            if (key[i] == '{') {
                start = i;
                break;
            }
        }
        if (start >= 0) {
            for (int j = start + 1; j < key.length; j++) {
                if (key[j] == '}') {
                    if (j > start + 1) {
                        return Murmur3.hash64(key, start + 1, j - start - 1);
                    }
                    break;
                }
            }
        }
        return Murmur3.hash64(key, 0, key.length);
    }

    /** The partition of a token: its top bits, taking the token as unsigned. */
    public int partitionOfToken(long token) {
        return shift == 64 ? 0 : (int) (token >>> shift);
    }

    public int partitionOf(byte[] key) {
        return partitionOfToken(token(key));
    }

    /** The first (smallest unsigned) token of a partition. */
    public long firstToken(int partition) {
        return shift == 64 ? 0 : ((long) partition) << shift;
    }
}
