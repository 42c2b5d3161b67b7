package io.ringkv.storage.key;

import io.ringkv.common.Bytes;
import java.util.Arrays;
import java.util.Comparator;

/**
 * Internal keys: {@code userKey ++ trailer}, the trailer being 8 big-endian bytes holding
 * {@code (sequence << 8) | type}. Ordered by user key ascending (unsigned), then trailer
 * descending, so the newest version of a key comes first and a seek to
 * {@code (key, snapshotSeq, TYPE_PUT)} lands on the newest version visible to that snapshot.
 */
public final class InternalKey {
    public static final byte TYPE_DELETE = 0;
    public static final byte TYPE_PUT = 1;
    public static final int TRAILER_BYTES = 8;
    public static final long MAX_SEQUENCE = (1L << 56) - 1;

    /** Marker returned by lookups for "a tombstone is the newest visible version". */
    public static final byte[] DELETED = new byte[0];

    public static final Comparator<byte[]> COMPARATOR = InternalKey::compare;

    private InternalKey() {}

    public static byte[] encode(byte[] userKey, long sequence, byte type) {
        byte[] ik = Arrays.copyOf(userKey, userKey.length + TRAILER_BYTES);
        Bytes.putLong(ik, userKey.length, (sequence << 8) | (type & 0xFF));
        return ik;
    }

    /** The smallest internal key for {@code userKey} visible at {@code sequence}. */
    public static byte[] seekKey(byte[] userKey, long sequence) {
        return encode(userKey, sequence, TYPE_PUT);
    }

    public static int userKeyLength(byte[] ik) {
        return ik.length - TRAILER_BYTES;
    }

    public static long trailer(byte[] ik) {
        return Bytes.getLong(ik, ik.length - TRAILER_BYTES);
    }

    public static long sequence(byte[] ik) {
        return trailer(ik) >>> 8;
    }

    public static byte type(byte[] ik) {
        return (byte) trailer(ik);
    }

    public static byte[] userKey(byte[] ik) {
        return Arrays.copyOf(ik, ik.length - TRAILER_BYTES);
    }

    public static int compare(byte[] a, byte[] b) {
        int c = Arrays.compareUnsigned(a, 0, a.length - TRAILER_BYTES, b, 0, b.length - TRAILER_BYTES);
        if (c != 0) {
            return c;
        }
        return Long.compareUnsigned(trailer(b), trailer(a));
    }

    /** Compares the internal key stored at {@code a[off, off + len)} with internal key {@code b}. */
    public static int compare(byte[] a, int off, int len, byte[] b) {
        int c = Arrays.compareUnsigned(a, off, off + len - TRAILER_BYTES, b, 0, b.length - TRAILER_BYTES);
        if (c != 0) {
            return c;
        }
        return Long.compareUnsigned(trailer(b), Bytes.getLong(a, off + len - TRAILER_BYTES));
    }

    /** Compares the user-key part of internal key {@code ik} with a plain user key. */
    public static int compareUserKey(byte[] ik, byte[] userKey) {
        return Arrays.compareUnsigned(ik, 0, ik.length - TRAILER_BYTES, userKey, 0, userKey.length);
    }

    public static boolean sameUserKey(byte[] ikA, byte[] ikB) {
        return Arrays.equals(ikA, 0, ikA.length - TRAILER_BYTES, ikB, 0, ikB.length - TRAILER_BYTES);
    }

    public static String describe(byte[] ik) {
        if (ik == null || ik.length < TRAILER_BYTES) {
            return String.valueOf(ik == null ? null : Arrays.toString(ik));
        }
        return Bytes.string(userKey(ik)) + "@" + sequence(ik) + (type(ik) == TYPE_DELETE ? ":del" : ":put");
    }
}
