package io.ringkv.ring.hints;

import io.ringkv.common.ByteSink;
import io.ringkv.common.Bytes;
import io.ringkv.common.Clock;
import io.ringkv.common.WireReader;
import io.ringkv.ring.NodeId;
import io.ringkv.ring.version.Siblings;
import io.ringkv.storage.StorageEngine;
import io.ringkv.storage.StorageIterator;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.ToLongFunction;

/**
 * Durable hints: sibling sets this node holds for a replica that could not take them, kept in
 * a storage engine of their own (never the replica data, so hints are neither read nor
 * repaired as data, and can be dropped wholesale).
 *
 * <p>Layout: the engine key is {@code len(target) || target || createdMillis (8 bytes BE) ||
 * sequence (8 bytes BE)}, so one target's hints are one contiguous range, ordered by creation;
 * the sequence (continued past the largest found on open) keeps keys unique even when the
 * clock repeats or steps back. The value is {@code FORMAT || len(key) || key || len(set) ||
 * encoded set}: after the format byte it is exactly a {@code REPLICA_WRITE} payload, sent
 * as-is on delivery. A hint carries the whole merged set of its key, so delivering it twice,
 * or an older hint after a newer one, is harmless: the replica merges.
 *
 * <p>Bounds: at most {@link HintSettings#hintBytesPerTargetMax} bytes per target (over it, a
 * new hint is dropped and counted: a write never waits for hint space), and hints live at most
 * {@link HintSettings#hintWindowMillis}; no hint is stored for a target that has been down
 * longer than the window (its data must come back by repair, as in Cassandra). The per-target
 * accounting is rebuilt by a scan on construction, so it survives restarts.
 *
 * <p>Durability: a stored hint is as durable as the engine's write path makes it (the LSM
 * engine's fsync mode); the store adds no syncing of its own.
 *
 * <p>Thread-safe: every method is synchronized. Hints are written only when a replica is
 * down or failed, and delivered at a throttled rate, so one lock is not contended.
 */
public final class HintStore {
    /** Value format version, the first byte of every value. */
    static final byte FORMAT = 1;
    private static final int TIME_BYTES = 8;
    private static final int SEQUENCE_BYTES = 8;

    /** One stored hint. */
    public record Hint(NodeId target, long createdMillis, long sequence, byte[] engineKey, byte[] value) {
        /** The {@code REPLICA_WRITE} payload: {@code len(key) || key || len(set) || set}. */
        public byte[] replicaWritePayload() {
            return Arrays.copyOfRange(value, 1, value.length);
        }

        /** The user key the hint is for. */
        public byte[] key() {
            WireReader r = new WireReader(value);
            r.u8();
            return r.bytes();
        }

        /** The sibling set the hint carries. */
        public Siblings siblings() {
            WireReader r = new WireReader(value);
            r.u8();
            r.bytes();
            return Siblings.decode(r.bytes());
        }

        /** Bytes this hint counts against its target's bound. */
        public long bytes() {
            return (long) engineKey.length + value.length;
        }
    }

    /** Hints waiting for one target: how many and their bytes. */
    public record Pending(long count, long bytes) {}

    private final StorageEngine engine;
    private final Clock clock;
    private final HintSettings settings;
    private final ToLongFunction<NodeId> downSinceMillis;
    /** Pending count and bytes per target, in id order (a TreeMap: iteration is deterministic). */
    private final Map<NodeId, long[]> pending = new TreeMap<>();
    private long nextSequence;
    private long stored;
    private long delivered;
    private long expired;
    private long droppedOverBytes;
    private long droppedOverWindow;
    private long droppedDeparted;

    /**
     * @param engine the hints' own engine (not the replica data's); its content is scanned here
     * @param downSinceMillis when a target was first seen down, Unix millis, or 0 when it is
     *     not known to be down (membership's view; used only for the window check)
     */
    public HintStore(StorageEngine engine, Clock clock, HintSettings settings, ToLongFunction<NodeId> downSinceMillis) {
        this.engine = engine;
        this.clock = clock;
        this.settings = settings;
        this.downSinceMillis = downSinceMillis;
        rebuildAccounting();
    }

    private void rebuildAccounting() {
        long maxSequence = -1;
        try (StorageIterator it = engine.iterator(null, null)) {
            for (; it.valid(); it.next()) {
                Hint h = parse(it.key(), it.value());
                long[] p = pending.computeIfAbsent(h.target(), t -> new long[2]);
                p[0]++;
                p[1] += h.bytes();
                maxSequence = Math.max(maxSequence, h.sequence());
            }
        }
        nextSequence = maxSequence + 1;
    }

    public HintSettings settings() {
        return settings;
    }

    /**
     * Stores a hint of {@code set} for {@code target}, unless the target has been down longer
     * than the hint window or is over its byte bound (then the hint is dropped and counted).
     *
     * @return whether the hint was stored
     */
    public synchronized boolean store(NodeId target, byte[] key, Siblings set) {
        long now = clock.currentTimeMillis();
        long downSince = downSinceMillis.applyAsLong(target);
        if (downSince > 0 && now - downSince > settings.hintWindowMillis()) {
            droppedOverWindow++;
            return false;
        }
        byte[] encodedSet = set.encode();
        byte[] value = new ByteSink(key.length + encodedSet.length + 12).writeByte(FORMAT).writeLengthPrefixed(key)
                .writeLengthPrefixed(encodedSet).toByteArray();
        byte[] engineKey = engineKey(target, now, nextSequence);
        long bytes = (long) engineKey.length + value.length;
        long[] p = pending.get(target);
        long before = p == null ? 0 : p[1];
        if (before + bytes > settings.hintBytesPerTargetMax()) {
            droppedOverBytes++;
            return false;
        }
        engine.put(engineKey, value);
        nextSequence++;
        if (p == null) {
            p = new long[2];
            pending.put(target, p);
        }
        p[0]++;
        p[1] += bytes;
        stored++;
        return true;
    }

    /** The first hint for {@code target} after {@code after} (null: from the oldest), or null. */
    public synchronized Hint next(NodeId target, Hint after) {
        byte[] prefix = targetPrefix(target);
        byte[] from = after == null ? prefix : Arrays.copyOf(after.engineKey(), after.engineKey().length + 1);
        try (StorageIterator it = engine.iterator(from, Bytes.prefixEnd(prefix))) {
            return it.valid() ? parse(it.key(), it.value()) : null;
        }
    }

    /**
     * Deletes a hint its target acknowledged. A hint already gone (expired meanwhile) is not
     * counted again.
     *
     * @return whether the hint was still stored
     */
    public synchronized boolean delivered(Hint hint) {
        if (!remove(hint.target(), hint.engineKey())) {
            return false;
        }
        delivered++;
        return true;
    }

    private boolean remove(NodeId target, byte[] engineKey) {
        byte[] value = engine.get(engineKey);
        if (value == null) {
            return false;
        }
        engine.delete(engineKey);
        long[] p = pending.get(target);
        p[0]--;
        p[1] -= engineKey.length + value.length;
        if (p[0] == 0) {
            pending.remove(target);
        }
        return true;
    }

    /**
     * Deletes every hint older than the hint window, at most {@code max} of them (so one call
     * stays short; the next call continues).
     *
     * @return how many were deleted
     */
    public synchronized int expire(int max) {
        long cutoff = clock.currentTimeMillis() - settings.hintWindowMillis();
        int n = 0;
        for (NodeId target : new ArrayList<>(pending.keySet())) {
            byte[] prefix = targetPrefix(target);
            byte[] end = new ByteSink(prefix.length + TIME_BYTES).writeBytes(prefix).writeLong(Math.max(0, cutoff)).toByteArray();
            List<byte[]> old = new ArrayList<>();
            try (StorageIterator it = engine.iterator(prefix, end)) {
                for (; it.valid() && n + old.size() < max; it.next()) {
                    old.add(it.key());
                }
            }
            for (byte[] k : old) {
                if (remove(target, k)) {
                    expired++;
                    n++;
                }
            }
            if (n >= max) {
                break;
            }
        }
        return n;
    }

    /**
     * Deletes up to {@code max} hints for {@code target}, a node that left the cluster or was
     * removed from it: nothing will ever take them, and keeping them until the hint window
     * closes would hold disk and keep hints from ever draining. Counted apart from expiry.
     *
     * @return how many were deleted
     */
    public synchronized int dropTarget(NodeId target, int max) {
        byte[] prefix = targetPrefix(target);
        List<byte[]> keys = new ArrayList<>();
        try (StorageIterator it = engine.iterator(prefix, Bytes.prefixEnd(prefix))) {
            for (; it.valid() && keys.size() < max; it.next()) {
                keys.add(it.key());
            }
        }
        int n = 0;
        for (byte[] k : keys) {
            if (remove(target, k)) {
                droppedDeparted++;
                n++;
            }
        }
        return n;
    }

    /** Targets with pending hints, in id order. */
    public synchronized List<NodeId> targets() {
        return new ArrayList<>(pending.keySet());
    }

    /** Hints pending for {@code target}. */
    public synchronized Pending pending(NodeId target) {
        long[] p = pending.get(target);
        return p == null ? new Pending(0, 0) : new Pending(p[0], p[1]);
    }

    /** Hints pending per target, in id order. */
    public synchronized Map<NodeId, Pending> pendingByTarget() {
        Map<NodeId, Pending> m = new LinkedHashMap<>();
        for (Map.Entry<NodeId, long[]> e : pending.entrySet()) {
            m.put(e.getKey(), new Pending(e.getValue()[0], e.getValue()[1]));
        }
        return m;
    }

    /**
     * For {@code INFO ring}: hints stored, delivered, expired and dropped since start, and
     * pending now (count and bytes).
     */
    public synchronized Map<String, Long> counters() {
        long count = 0;
        long bytes = 0;
        for (long[] p : pending.values()) {
            count += p[0];
            bytes += p[1];
        }
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("hints_stored", stored);
        m.put("hints_pending", count);
        m.put("hints_pending_bytes", bytes);
        m.put("hints_delivered", delivered);
        m.put("hints_expired", expired);
        m.put("hints_dropped", droppedOverBytes + droppedOverWindow);
        m.put("hints_dropped_over_bytes", droppedOverBytes);
        m.put("hints_dropped_over_window", droppedOverWindow);
        m.put("hints_dropped_departed", droppedDeparted);
        return m;
    }

    // ---------------------------------------------------------------- layout

    static byte[] targetPrefix(NodeId target) {
        byte[] id = target.id().getBytes(StandardCharsets.US_ASCII);
        // NodeId.MAX_LENGTH (64) fits the one-byte length.
        return new ByteSink(id.length + 1).writeByte(id.length).writeBytes(id).toByteArray();
    }

    static byte[] engineKey(NodeId target, long createdMillis, long sequence) {
        byte[] prefix = targetPrefix(target);
        return new ByteSink(prefix.length + TIME_BYTES + SEQUENCE_BYTES).writeBytes(prefix).writeLong(createdMillis).writeLong(sequence)
                .toByteArray();
    }

    /** Decodes an entry; a malformed one means the hints engine is corrupt, which fails fast. */
    private static Hint parse(byte[] engineKey, byte[] value) {
        int idLength = engineKey.length == 0 ? -1 : engineKey[0] & 0xFF;
        if (idLength < 1 || engineKey.length != 1 + idLength + TIME_BYTES + SEQUENCE_BYTES || value.length == 0 || value[0] != FORMAT) {
            throw new IllegalStateException("malformed hint entry (key of " + engineKey.length + " bytes, value of " + value.length
                    + " bytes): the hints store is corrupt or of a newer format");
        }
        NodeId target = new NodeId(new String(engineKey, 1, idLength, StandardCharsets.US_ASCII));
        long created = Bytes.getLong(engineKey, 1 + idLength);
        long sequence = Bytes.getLong(engineKey, 1 + idLength + TIME_BYTES);
        return new Hint(target, created, sequence, engineKey, value);
    }
}
