package io.ringkv.storage.sstable;

/**
 * A per-table bloom filter over user keys using double hashing of one 64-bit hash. With 10
 * bits per key and k = round(bits * ln 2) = 7 probes the false-positive rate is about 1%.
 * Encoded as the bit array followed by one byte holding k.
 */
public final class BloomFilter {
    private BloomFilter() {}

    public static byte[] build(long[] hashes, int count, int bitsPerKey) {
        int k = Math.max(1, Math.min(30, (int) Math.round(bitsPerKey * 0.69)));
        long bits = Math.max(64, (long) count * bitsPerKey);
        int bytes = (int) Math.min(Integer.MAX_VALUE - 1, (bits + 7) / 8);
        bits = bytes * 8L;
        byte[] out = new byte[bytes + 1];
        out[bytes] = (byte) k;
        for (int i = 0; i < count; i++) {
            long h = hashes[i];
            long h1 = h & 0xFFFFFFFFL;
            long h2 = h >>> 32;
            for (int j = 0; j < k; j++) {
                long bit = Long.remainderUnsigned(h1 + j * h2, bits);
                out[(int) (bit >>> 3)] |= (byte) (1 << (bit & 7));
            }
        }
        return out;
    }

    public static boolean mayContain(byte[] filter, long keyHash) {
        if (filter.length < 2) {
            return true;
        }
        int bytes = filter.length - 1;
        int k = filter[bytes];
        if (k < 1 || k > 30) {
            return true; // unknown encoding: do not filter
        }
        long bits = bytes * 8L;
        long h = keyHash;
        long h1 = h & 0xFFFFFFFFL;
        long h2 = h >>> 32;
        for (int j = 0; j < k; j++) {
            long bit = Long.remainderUnsigned(h1 + j * h2, bits);
            if ((filter[(int) (bit >>> 3)] & (1 << (bit & 7))) == 0) {
                return false;
            }
        }
        return true;
    }

    /** 64-bit hash (FNV-1a style mixing over 8-byte words plus a murmur3 finaliser). */
    public static long hash(byte[] key) {
        long h = 0x9E3779B97F4A7C15L ^ key.length;
        int i = 0;
        for (; i + 8 <= key.length; i += 8) {
            long w = 0;
            for (int j = 0; j < 8; j++) {
                w |= (key[i + j] & 0xFFL) << (j * 8);
            }
            h = (h ^ mix(w)) * 0x9E3779B97F4A7C15L;
        }
        long w = 0;
        for (int j = 0; i < key.length; i++, j++) {
            w |= (key[i] & 0xFFL) << (j * 8);
        }
        h = (h ^ mix(w)) * 0x9E3779B97F4A7C15L;
        return mix(h);
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
        z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
        return z ^ (z >>> 33);
    }
}
