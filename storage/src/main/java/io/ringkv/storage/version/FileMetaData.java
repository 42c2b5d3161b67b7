package io.ringkv.storage.version;

import io.ringkv.storage.key.InternalKey;

/** A live table: file number, size, and its smallest and largest internal keys. */
public record FileMetaData(long number, long sizeBytes, byte[] smallest, byte[] largest, long entries) {
    public byte[] smallestUserKey() {
        return InternalKey.userKey(smallest);
    }

    public byte[] largestUserKey() {
        return InternalKey.userKey(largest);
    }

    /** Whether the user key range of this file intersects {@code [from, to]} (inclusive; null = unbounded). */
    public boolean overlapsUserRange(byte[] fromUserKey, byte[] toUserKey) {
        if (fromUserKey != null && InternalKey.compareUserKey(largest, fromUserKey) < 0) {
            return false;
        }
        return toUserKey == null || InternalKey.compareUserKey(smallest, toUserKey) <= 0;
    }

    public boolean containsUserKey(byte[] userKey) {
        return InternalKey.compareUserKey(smallest, userKey) <= 0 && InternalKey.compareUserKey(largest, userKey) >= 0;
    }

    @Override
    public String toString() {
        return String.format("%06d.sst[%d bytes, %s .. %s]", number, sizeBytes, InternalKey.describe(smallest),
                InternalKey.describe(largest));
    }
}
