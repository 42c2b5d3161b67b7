package io.ringkv.ring.version;

import io.ringkv.ring.Record;
import java.util.Arrays;

/**
 * One sibling: a value (or tombstone) and the dot of the write that made it.
 *
 * <p>Equality compares the record's encoded bytes: {@link Record} keeps identity equality (it
 * wraps engine bytes without copying), but two replicas holding the same write hold equal
 * versions, and sibling sets must compare by content.
 */
public record Version(Dot dot, Record record) {
    public Version {
        if (dot == null || record == null) {
            throw new IllegalArgumentException("version needs a dot and a record: " + dot + ", " + record);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Version v && dot.equals(v.dot) && Arrays.equals(record.encoded(), v.record.encoded());
    }

    @Override
    public int hashCode() {
        return 31 * dot.hashCode() + Arrays.hashCode(record.encoded());
    }

    @Override
    public String toString() {
        return dot + "[" + record.type() + " ts=" + record.timestampMillis()
                + (record.hasExpiry() ? " exp=" + record.expireAtMillis() : "") + " " + record.payloadLength() + "B]";
    }
}
