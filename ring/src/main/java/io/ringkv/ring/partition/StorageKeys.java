package io.ringkv.ring.partition;

import io.ringkv.common.Bytes;
import java.util.Arrays;

/**
 * The storage layout of user keys: an 8-byte big-endian token followed by the key. Storage
 * therefore orders keys by token, so a partition (a token range) is one contiguous key range
 * — what SCAN cursors, streaming and Merkle trees iterate — and a SCAN cursor is simply the
 * token to resume from.
 */
public final class StorageKeys {
    public static final int TOKEN_BYTES = 8;

    private StorageKeys() {}

    public static byte[] encode(byte[] userKey) {
        return encode(Partitioner.token(userKey), userKey);
    }

    public static byte[] encode(long token, byte[] userKey) {
        byte[] out = new byte[TOKEN_BYTES + userKey.length];
        Bytes.putLong(out, 0, token);
        System.arraycopy(userKey, 0, out, TOKEN_BYTES, userKey.length);
        return out;
    }

    public static byte[] userKey(byte[] storageKey) {
        return Arrays.copyOfRange(storageKey, TOKEN_BYTES, storageKey.length);
    }

    public static long token(byte[] storageKey) {
        return Bytes.getLong(storageKey, 0);
    }

    /** The smallest storage key with the given token. */
    public static byte[] tokenStart(long token) {
        byte[] out = new byte[TOKEN_BYTES];
        Bytes.putLong(out, 0, token);
        return out;
    }

    /**
     * The first storage key past {@code partition}'s range, or null for the last partition
     * (whose range runs to the end of the key space).
     */
    public static byte[] partitionEnd(Partitioner partitioner, int partition) {
        return partition + 1 < partitioner.partitionCount() ? tokenStart(partitioner.firstToken(partition + 1)) : null;
    }
}
