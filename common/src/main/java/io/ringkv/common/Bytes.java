package io.ringkv.common;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Comparator;

/** Byte-array helpers: unsigned lexicographic order (the storage order) and conversions. */
public final class Bytes {
    /** Unsigned lexicographic comparison, the order of every RingKV key space. */
    public static final Comparator<byte[]> COMPARATOR = Bytes::compare;

    private Bytes() {}

    public static int compare(byte[] a, byte[] b) {
        return Arrays.compareUnsigned(a, b);
    }

    public static int compare(byte[] a, int aFrom, int aTo, byte[] b, int bFrom, int bTo) {
        return Arrays.compareUnsigned(a, aFrom, aTo, b, bFrom, bTo);
    }

    public static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    public static String string(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    public static void putLong(byte[] dst, int off, long v) {
        for (int i = 7; i >= 0; i--) {
            dst[off + i] = (byte) v;
            v >>>= 8;
        }
    }

    public static long getLong(byte[] src, int off) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (src[off + i] & 0xFFL);
        }
        return v;
    }

    /** The smallest key strictly greater than every key that starts with {@code prefix}, or null. */
    public static byte[] prefixEnd(byte[] prefix) {
        byte[] end = prefix.clone();
        for (int i = end.length - 1; i >= 0; i--) {
            if (end[i] != (byte) 0xFF) {
                end[i]++;
                return Arrays.copyOf(end, i + 1);
            }
        }
        return null;
    }
}
