package io.ringkv.ring.version;

import io.ringkv.common.Bytes;
import io.ringkv.ring.NodeId;
import io.ringkv.ring.Record;
import java.util.LinkedHashMap;
import java.util.Map;

/** Short constructors for the version tests. */
final class Fixtures {
    static final NodeId A = new NodeId("a");
    static final NodeId B = new NodeId("b");
    static final NodeId C = new NodeId("c");

    private Fixtures() {}

    /** A vector from alternating node ids and counters: {@code vv("a", 2, "b", 1)}. */
    static VersionVector vv(Object... nodeCounterPairs) {
        Map<NodeId, Long> m = new LinkedHashMap<>();
        for (int i = 0; i < nodeCounterPairs.length; i += 2) {
            m.put(new NodeId((String) nodeCounterPairs[i]), ((Number) nodeCounterPairs[i + 1]).longValue());
        }
        return VersionVector.of(m);
    }

    static Record value(String payload, long timestampMillis) {
        return Record.string(Bytes.utf8(payload), timestampMillis, Record.NO_EXPIRY);
    }

    static Record expiring(String payload, long timestampMillis, long expireAtMillis) {
        return Record.string(Bytes.utf8(payload), timestampMillis, expireAtMillis);
    }

    /** Record has no tombstone factory yet; this builds its documented layout by hand. */
    static Record tombstone(long timestampMillis) {
        byte[] b = new byte[Record.HEADER_BYTES];
        b[0] = Record.FORMAT_VERSION;
        b[1] = 1; // Record.Type.TOMBSTONE
        Bytes.putLong(b, 2, timestampMillis);
        Bytes.putLong(b, 10, Record.NO_EXPIRY);
        return Record.decode(b);
    }

    static String payload(Version v) {
        return Bytes.string(v.record().payload());
    }
}
