package io.ringkv.ring.replica;

import io.ringkv.common.Bytes;
import io.ringkv.common.Clock;
import io.ringkv.common.GlobMatcher;
import io.ringkv.ring.NodeId;
import io.ringkv.ring.Record;
import io.ringkv.ring.partition.Partitioner;
import io.ringkv.ring.partition.StorageKeys;
import io.ringkv.ring.version.NodeIdInterner;
import io.ringkv.ring.version.Siblings;
import io.ringkv.ring.version.Version;
import io.ringkv.ring.version.VersionVector;
import io.ringkv.storage.EntryFilter;
import io.ringkv.storage.StorageEngine;
import io.ringkv.storage.StorageIterator;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.IntToLongFunction;
import java.util.function.UnaryOperator;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's replica of the keys it holds: one sibling set (a dotted version vector set) per
 * key in the storage engine, under storage keys ordered by token (so a partition is one key
 * range). Incoming versions are merged, never blindly overwritten; writes to one key are
 * serialised by a striped lock; reads take none.
 *
 * <p>Expired versions are reclaimed by rewriting them as tombstones stamped with their
 * deadline, keeping their dots: the clock still covers them, so an older copy arriving later
 * (repair, a slow replica) cannot bring the value back. Compaction drops sets holding only
 * tombstones and expired versions once {@code tombstoneGraceMillis} has passed.
 *
 * <p>FLUSHALL clears the engine and records the flush time; versions stamped before it that
 * arrive later (repair, a slow replica) are ignored.
 */
public final class ReplicaStore {
    private static final Logger log = LoggerFactory.getLogger(ReplicaStore.class);
    /** Seeks RANDOMKEY makes before giving up on a key space full of dead keys. */
    private static final int RANDOM_KEY_ATTEMPTS_MAX = 100;
    /** Stored under a key shorter than a token, so no partition scan ever meets it. */
    private static final byte[] FLUSH_TIME_KEY = {0, 'F'};
    /** This disk's dot epoch, under a key shorter than a token like the flush time. */
    private static final byte[] DOT_EPOCH_KEY = {0, 'E'};
    /** Prefix of the per-partition last full repair time: {0, 'R', partition high byte, low byte}. */
    private static final byte FULL_REPAIR_TAG = 'R';
    private static final ChangeListener[] NO_LISTENERS = new ChangeListener[0];
    /** Sets written before the cluster (format 1 records) are read as one version of this node. */
    private static final NodeId LEGACY_WRITER = new NodeId("legacy");
    /**
     * Distinct node ids a store's decoder keeps (see {@link NodeIdInterner}). Clocks name the
     * members' dot names (member id and disk epoch): a handful per node, a new one per FLUSHALL
     * or restarted memory engine. Past the bound decoding still works, only uncached.
     */
    static final int NODE_IDS_CACHED_MAX = 1024;

    private final StorageEngine engine;
    private final Partitioner partitioner;
    private final Clock clock;
    private final RandomGenerator random;
    private final ReentrantLock[] stripes;
    private final int siblingsWarn;
    private final int siblingsMax;
    private final AtomicLongArray keysPerPartition;
    private final AtomicLong volatileKeyCount = new AtomicLong();
    private final LongAdder expiredKeys = new LongAdder();
    private final LongAdder siblingsCapped = new LongAdder();
    private final LongAdder siblingsOverWarn = new LongAdder();
    /** When a sibling warning was last logged: at most one line per second, counters say the rest. */
    private final AtomicLong lastSiblingWarnMillis = new AtomicLong(Long.MIN_VALUE / 2);
    private volatile long flushTimeMillis;
    private volatile long dotEpoch;
    private byte[] expireCursor;
    private final Object expireCursorLock = new Object();
    /** Copy-on-write: the write path reads the array without a lock. */
    private volatile ChangeListener[] listeners = NO_LISTENERS;
    private final AtomicLongArray fullRepairMillis;
    /** Every decode of this store goes through it: the ids of one node's clocks are few. */
    private final NodeIdInterner nodeIds = new NodeIdInterner(NODE_IDS_CACHED_MAX);

    /**
     * Sees every change to the stored sets, e.g. to keep anti-entropy hash trees in step with
     * the data. Called on the writer's thread, under the key's lock, right after the engine
     * write: calls for one key never overlap or reorder, and nothing else changes the key
     * between the write and the call. Implementations must be fast and must not throw (an
     * exception reaches the writer, whose change is nevertheless stored).
     */
    public interface ChangeListener {
        /**
         * @param token the key's token (its partition is {@code partitioner.partitionOfToken(token)})
         * @param before the set stored before, null when the key was absent
         * @param after the set stored now
         */
        void changed(long token, byte[] key, Siblings before, Siblings after);

        /** Every key was dropped (FLUSHALL); called with every key lock held. */
        void cleared();
    }

    /** Visits stored sets in storage-key order; returns false to stop. */
    @FunctionalInterface
    public interface StoredVisitor {
        boolean visit(byte[] storageKey, Siblings set);
    }

    public ReplicaStore(StorageEngine engine, Partitioner partitioner, Clock clock, RandomGenerator random,
            int lockStripes, int siblingsWarn, int siblingsMax) {
        if (Integer.bitCount(lockStripes) != 1) {
            throw new IllegalArgumentException("lockStripes must be a power of two: " + lockStripes);
        }
        if (siblingsMax < 1 || siblingsWarn < 1) {
            throw new IllegalArgumentException("sibling bounds must be positive");
        }
        this.engine = engine;
        this.partitioner = partitioner;
        this.clock = clock;
        this.random = random;
        this.siblingsWarn = siblingsWarn;
        this.siblingsMax = siblingsMax;
        this.stripes = new ReentrantLock[lockStripes];
        for (int i = 0; i < lockStripes; i++) {
            stripes[i] = new ReentrantLock();
        }
        this.keysPerPartition = new AtomicLongArray(partitioner.partitionCount());
        byte[] flushed = engine.get(FLUSH_TIME_KEY);
        this.flushTimeMillis = flushed == null ? 0 : Bytes.getLong(flushed, 0);
        byte[] epoch = engine.get(DOT_EPOCH_KEY);
        this.dotEpoch = epoch == null ? newDotEpoch() : Bytes.getLong(epoch, 0);
        this.fullRepairMillis = new AtomicLongArray(partitioner.partitionCount());
        for (int p = 0; p < partitioner.partitionCount(); p++) {
            byte[] stored = engine.get(fullRepairKey(p));
            fullRepairMillis.set(p, stored == null ? 0 : Bytes.getLong(stored, 0));
        }
        countKeys();
    }

    /** Registers a listener for every later change; call before the store takes traffic. */
    public synchronized void addChangeListener(ChangeListener listener) {
        ChangeListener[] next = Arrays.copyOf(listeners, listeners.length + 1);
        next[listeners.length] = listener;
        listeners = next;
    }

    private void notifyChanged(long token, byte[] key, Siblings before, Siblings after) {
        for (ChangeListener l : listeners) {
            l.changed(token, key, before, after);
        }
    }

    /**
     * The compaction filter for this store's engine: drops a key's set once it holds nothing
     * readable (only tombstones and expired versions) and the newest of them is older than the
     * grace period, by which time repair has spread the deletion to every live replica.
     */
    public static EntryFilter compactionFilter(Clock clock, long tombstoneGraceMillis) {
        return compactionFilter(clock, tombstoneGraceMillis, null, p -> Long.MAX_VALUE);
    }

    /**
     * As {@link #compactionFilter(Clock, long)}, and a dead set is dropped only if its newest
     * tombstone or deadline is also older than its partition's last full repair
     * ({@code lastFullRepairMillis}, e.g. {@link #lastFullRepairMillis}): a repair in which
     * every replica of the partition took part and converged, so every replica holds the
     * tombstone and none can hand the deleted value back later.
     *
     * <p>Cassandra's caveat, narrowed: while a replica is down no full repair of its
     * partitions completes, so their tombstones outlive the grace until it is back and
     * repaired. But a node taken out of the ring (no longer a replica) and brought back later
     * with its old disk may hold values whose tombstones were reaped meanwhile, and repair
     * would spread them again: wipe such a node's data before it rejoins.
     *
     * @param partitioner maps a storage key's token to its partition
     */
    public static EntryFilter compactionFilter(Clock clock, long tombstoneGraceMillis, Partitioner partitioner,
            IntToLongFunction lastFullRepairMillis) {
        // The filter decodes every stored set it passes over; it keeps its own id cache (it runs
        // on the engine's compaction thread, and the store may not exist yet when it is built).
        NodeIdInterner nodeIds = new NodeIdInterner(NODE_IDS_CACHED_MAX);
        return (key, value) -> {
            if (key.length < StorageKeys.TOKEN_BYTES) {
                return false;
            }
            Siblings s = decodeStored(value, nodeIds);
            if (s.versions().isEmpty()) {
                return false;
            }
            long now = clock.currentTimeMillis();
            long newest = Long.MIN_VALUE;
            for (Version v : s.versions()) {
                Record r = v.record();
                if (r.isTombstone()) {
                    newest = Math.max(newest, r.timestampMillis());
                } else if (r.isExpired(now)) {
                    newest = Math.max(newest, r.expireAtMillis());
                } else {
                    return false;
                }
            }
            if (newest >= now - tombstoneGraceMillis) {
                return false;
            }
            int partition = partitioner == null ? 0 : partitioner.partitionOfToken(StorageKeys.token(key));
            return newest < lastFullRepairMillis.applyAsLong(partition);
        };
    }

    private static byte[] fullRepairKey(int partition) {
        return new byte[] {0, FULL_REPAIR_TAG, (byte) (partition >>> 8), (byte) partition};
    }

    /**
     * When the last full repair of {@code partition} started (0 = never): every tombstone and
     * deadline older than this was on every replica once that repair converged.
     */
    public long lastFullRepairMillis(int partition) {
        return fullRepairMillis.get(partition);
    }

    /** Records (durably, in the engine) a full repair of {@code partition}; never moves back. */
    public void recordFullRepair(int partition, long startedMillis) {
        long now = fullRepairMillis.accumulateAndGet(partition, startedMillis, Math::max);
        byte[] v = new byte[8];
        Bytes.putLong(v, 0, now);
        engine.put(fullRepairKey(partition), v);
    }

    private static Siblings decodeStored(byte[] value, NodeIdInterner nodeIds) {
        if (isLegacy(value)) {
            return Siblings.empty().update(LEGACY_WRITER, VersionVector.empty(), Record.decode(value));
        }
        return Siblings.decode(value, nodeIds);
    }

    private Siblings decodeStored(byte[] value) {
        return decodeStored(value, nodeIds);
    }

    /** A bare record stored before the cluster format; everything else is a sibling set. */
    private static boolean isLegacy(byte[] value) {
        return value.length > 0 && value[0] == Record.FORMAT_VERSION;
    }

    /**
     * Decodes a sibling set received from a peer (the current format only, as
     * {@link Siblings#decode(byte[])}), through this store's node id cache.
     *
     * @throws IllegalArgumentException when {@code encoded} is not an encoded set
     */
    public Siblings decode(byte[] encoded) {
        return Siblings.decode(encoded, nodeIds);
    }

    /** Counted once at start-up (O(n)): the engine keeps no key count of its own. */
    private void countKeys() {
        long withDeadline = 0;
        try (StorageIterator it = engine.iterator(null, null)) {
            for (; it.valid(); it.next()) {
                byte[] skey = it.key();
                if (skey.length < StorageKeys.TOKEN_BYTES) {
                    continue;
                }
                Siblings s = decodeStored(it.value());
                if (present(s)) {
                    keysPerPartition.incrementAndGet(partitioner.partitionOfToken(StorageKeys.token(skey)));
                }
                if (hasDeadline(s)) {
                    withDeadline++;
                }
            }
        }
        volatileKeyCount.set(withDeadline);
    }

    /** A key counts (DBSIZE) while it holds a string version, expired or not (as Redis counts). */
    private static boolean present(Siblings s) {
        if (s == null) {
            return false;
        }
        for (Version v : s.versions()) {
            if (!v.record().isTombstone()) {
                return true;
            }
        }
        return false;
    }

    private static boolean hasDeadline(Siblings s) {
        if (s == null) {
            return false;
        }
        for (Version v : s.versions()) {
            if (!v.record().isTombstone() && v.record().hasExpiry()) {
                return true;
            }
        }
        return false;
    }

    private void account(long token, Siblings before, Siblings after) {
        int keys = (present(after) ? 1 : 0) - (present(before) ? 1 : 0);
        if (keys != 0) {
            keysPerPartition.addAndGet(partitioner.partitionOfToken(token), keys);
        }
        int deadlines = (hasDeadline(after) ? 1 : 0) - (hasDeadline(before) ? 1 : 0);
        if (deadlines != 0) {
            volatileKeyCount.addAndGet(deadlines);
        }
    }

    private ReentrantLock stripe(long token) {
        return stripes[(int) token & (stripes.length - 1)];
    }

    private Siblings readStored(byte[] skey) {
        byte[] raw = engine.get(skey);
        return raw == null ? null : decodeStored(raw);
    }

    /** The key's sibling set as stored here; empty when the key was never seen. */
    public Siblings read(byte[] key) {
        Siblings s = readStored(StorageKeys.encode(key));
        return s == null ? Siblings.empty() : s;
    }

    /**
     * {@code read(key).encode()}, without decoding and re-encoding what is stored: for a peer
     * that decodes the set itself (REPLICA_READ). Safe because sets are stored in their
     * canonical encoding (every decoder accepts only the form {@link Siblings#encode} writes,
     * so decoding then encoding stored bytes gives them back unchanged); a bare record from
     * before the cluster format is still converted. Unlike {@link #read} this does not check
     * the stored bytes: a corrupt set fails the reader's decode instead of this one.
     */
    public byte[] readEncoded(byte[] key) {
        byte[] raw = engine.get(StorageKeys.encode(key));
        if (raw == null) {
            return Siblings.empty().encode();
        }
        return isLegacy(raw) ? decodeStored(raw).encode() : raw;
    }

    /**
     * Merges versions received from the key's coordinator, a peer or repair. Returns the set
     * now stored.
     */
    public Siblings merge(byte[] key, Siblings incoming) {
        return mutate(key, stored -> stored.merge(withoutFlushed(incoming)));
    }

    /**
     * Runs the coordinator's write event against the stored set, under the key's lock, and
     * stores the result. Returns the set now stored.
     */
    public Siblings coordinate(byte[] key, UnaryOperator<Siblings> event) {
        return mutate(key, event);
    }

    /**
     * As {@link #merge} for a set still in its binary form (REPLICA_WRITE), with a shortcut for
     * the common case, a coordinator sending the set it has just stored: when merging would
     * give back the incoming set itself ({@link Siblings#subsumes}), the merge is skipped, and
     * the received bytes are stored instead of re-encoding the set. The FLUSHALL filter, the
     * sibling bound, the accounting and the listeners see exactly what {@link #merge} gives
     * them (an equal set), and the received bytes are the set's encoding because decoding
     * accepts only the canonical form {@link Siblings#encode} writes.
     *
     * @param encoded kept by the engine when stored as it is: never modify it afterwards
     * @throws IllegalArgumentException when {@code encoded} is not an encoded set
     */
    public Siblings mergeEncoded(byte[] key, byte[] encoded) {
        Siblings incoming = Siblings.decode(encoded, nodeIds);
        long token = Partitioner.token(key);
        byte[] skey = StorageKeys.encode(token, key);
        ReentrantLock lock = stripe(token);
        lock.lock();
        try {
            byte[] raw = engine.get(skey);
            Siblings stored = raw == null ? null : decodeStored(raw);
            Siblings base = stored == null ? Siblings.empty() : stored;
            Siblings filtered = withoutFlushed(incoming);
            // Only unfiltered: a filtered set is no longer what the bytes encode.
            Siblings merged = filtered == incoming && incoming.subsumes(base) ? incoming : base.merge(filtered);
            Siblings next = bound(key, merged);
            if (next == incoming && raw != null && !isLegacy(raw)) {
                // Both are canonical encodings, so unequal bytes are exactly unequal sets.
                if (!Arrays.equals(raw, encoded)) {
                    put(token, key, skey, stored, next, encoded);
                }
            } else {
                store(token, key, skey, stored, base, next, next == incoming ? encoded : null);
            }
            return next;
        } finally {
            lock.unlock();
        }
    }

    private Siblings mutate(byte[] key, UnaryOperator<Siblings> f) {
        long token = Partitioner.token(key);
        byte[] skey = StorageKeys.encode(token, key);
        ReentrantLock lock = stripe(token);
        lock.lock();
        try {
            Siblings stored = readStored(skey);
            Siblings base = stored == null ? Siblings.empty() : stored;
            Siblings next = bound(key, f.apply(base));
            store(token, key, skey, stored, base, next, null);
            return next;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Stores {@code next} unless it equals what is stored ({@code base}); {@code encoded} is its
     * encoding when the caller has it, else null. Called under the key's lock.
     */
    private void store(long token, byte[] key, byte[] skey, Siblings stored, Siblings base, Siblings next,
            byte[] encoded) {
        if (!next.equals(base)) {
            put(token, key, skey, stored, next, encoded != null ? encoded : next.encode());
        }
    }

    private void put(long token, byte[] key, byte[] skey, Siblings stored, Siblings next, byte[] encoded) {
        engine.put(skey, encoded);
        account(token, stored, next);
        notifyChanged(token, key, stored, next);
    }

    private Siblings bound(byte[] key, Siblings s) {
        int n = s.versions().size();
        if (n > siblingsMax) {
            siblingsCapped.increment();
            if (mayLogSiblingWarning()) {
                log.warn("key {} has {} siblings; keeping the newest {} (siblings-max)", printable(key), n, siblingsMax);
            }
            return s.capped(siblingsMax);
        }
        if (n > siblingsWarn) {
            siblingsOverWarn.increment();
            if (mayLogSiblingWarning()) {
                log.warn("key {} has {} siblings (siblings-warn {}); resolve them with CAUSAL.SET", printable(key), n, siblingsWarn);
            }
        }
        return s;
    }

    private boolean mayLogSiblingWarning() {
        long now = clock.currentTimeMillis();
        long last = lastSiblingWarnMillis.get();
        return now - last >= 1000 && lastSiblingWarnMillis.compareAndSet(last, now);
    }

    private Siblings withoutFlushed(Siblings incoming) {
        long flushed = flushTimeMillis;
        if (flushed == 0) {
            return incoming;
        }
        boolean any = false;
        for (Version v : incoming.versions()) {
            if (v.record().timestampMillis() < flushed) {
                any = true;
                break;
            }
        }
        if (!any) {
            return incoming;
        }
        // Versions from before the flush are dropped; the clock still covers them. Strictly
        // before: a write in the flush's own millisecond may have been coordinated after it.
        VersionVector clock = incoming.clock();
        List<Version> kept = new ArrayList<>();
        for (Version v : incoming.versions()) {
            if (v.record().timestampMillis() >= flushed) {
                kept.add(v);
            }
        }
        return Siblings.of(clock, kept);
    }

    private static String printable(byte[] key) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(key.length, 64); i++) {
            int c = key[i] & 0xFF;
            sb.append(c >= 32 && c < 127 ? (char) c : '?');
        }
        return sb.toString();
    }

    /** Keys counted on this replica (DBSIZE semantics: expired-but-unreclaimed keys count). */
    public long size() {
        long n = 0;
        for (int i = 0; i < keysPerPartition.length(); i++) {
            n += keysPerPartition.get(i);
        }
        return n;
    }

    public long partitionSize(int partition) {
        return keysPerPartition.get(partition);
    }

    public long keysWithExpiry() {
        return volatileKeyCount.get();
    }

    public long flushTimeMillis() {
        return flushTimeMillis;
    }

    /**
     * The epoch of this disk's write history, part of the name under which this node issues
     * dots. Dot counters live in the stored sets; a node whose disk was lost or replaced (or
     * any restart of the memory engine) starts them again at 1, and dots it issued before
     * may still live on other replicas, whose clocks would then cover (drop) the new writes.
     * A disk without an epoch (new, wiped, or just flushed) gets a fresh random one, so dots
     * issued over it can never equal earlier ones.
     */
    public long dotEpoch() {
        return dotEpoch;
    }

    /** Persists a fresh epoch; a positive 40-bit number, so its base-36 form is short. */
    private long newDotEpoch() {
        long epoch = 1 + (random.nextLong() >>> 24);
        byte[] v = new byte[8];
        Bytes.putLong(v, 0, epoch);
        engine.put(DOT_EPOCH_KEY, v);
        dotEpoch = epoch;
        return epoch;
    }

    /** One page of a partition's live keys, from {@code fromToken}. */
    public record PartitionPage(List<byte[]> keys, boolean done, long nextToken) {}

    /** The stored keys of {@code partition} from {@code fromToken} (or its start) to its end. */
    private StorageIterator partitionIterator(int partition, long fromToken) {
        long first = partitioner.firstToken(partition);
        long start = Long.compareUnsigned(fromToken, first) > 0 ? fromToken : first;
        byte[] end = StorageKeys.partitionEnd(partitioner, partition);
        return engine.iterator(StorageKeys.tokenStart(start), end);
    }

    /**
     * Visits at least {@code count} stored keys of {@code partition} from {@code fromToken}
     * and returns the live ones matching {@code pattern} (null = all) and {@code type}
     * (null = any). Never stops inside a group of keys sharing a token, so a token is a
     * complete cursor.
     */
    public PartitionPage scanPartition(int partition, long fromToken, int count, byte[] pattern, String type) {
        long now = clock.currentTimeMillis();
        List<byte[]> out = new ArrayList<>();
        int[] visited = {0};
        OptionalLong next = walkPage(partition, fromToken, () -> visited[0] >= count, (skey, value) -> {
            visited[0]++;
            Version w = decodeStored(value).winner(now);
            if (w == null || w.record().isTombstone()) {
                return;
            }
            if (type != null && !type.equalsIgnoreCase(w.record().type().redisName())) {
                return;
            }
            byte[] userKey = StorageKeys.userKey(skey);
            if (pattern == null || GlobMatcher.matches(pattern, userKey, false)) {
                out.add(userKey);
            }
        });
        return new PartitionPage(out, next.isEmpty(), next.orElse(0));
    }

    /**
     * Visits {@code partition}'s stored sets from {@code fromToken} in token order until
     * {@code full} says the page is complete, asked only where a new token starts: a page never
     * ends inside a group of keys sharing a token, so a token is a complete cursor. Returns the
     * token the next page starts at, or empty when the partition is done.
     */
    private OptionalLong walkPage(int partition, long fromToken, BooleanSupplier full, BiConsumer<byte[], byte[]> visit) {
        long lastToken = 0;
        boolean first = true;
        try (StorageIterator it = partitionIterator(partition, fromToken)) {
            for (; it.valid(); it.next()) {
                byte[] skey = it.key();
                if (skey.length < StorageKeys.TOKEN_BYTES) {
                    continue; // bookkeeping beside the data (readMeta), not a key
                }
                long token = StorageKeys.token(skey);
                if (!first && token != lastToken && full.getAsBoolean()) {
                    return OptionalLong.of(token);
                }
                first = false;
                lastToken = token;
                visit.accept(skey, it.value());
            }
        }
        return OptionalLong.empty();
    }

    /** A key and its sibling set as stored (encoded), as streamed to a new replica. */
    public record StreamEntry(byte[] key, byte[] siblings) {}

    /**
     * One page of a partition's stored sets from {@code fromToken}; {@code nextToken} resumes
     * it when not {@code done}; {@code bytes} counts keys and values.
     */
    public record StreamPage(List<StreamEntry> entries, boolean done, long nextToken, long bytes) {}

    /**
     * Every stored set of {@code partition} from {@code fromToken}, in token order, until at
     * least {@code bytesMax} bytes or {@code keysMax} keys are taken. Unlike
     * {@link #scanPartition} it returns sets holding only tombstones or expired versions too:
     * a new replica that missed a delete would otherwise bring the value back through repair.
     * Never stops inside a group of keys sharing a token, so a token is a complete cursor (a
     * page may thus exceed the bounds by one token's keys).
     */
    public StreamPage streamPartition(int partition, long fromToken, int bytesMax, int keysMax) {
        if (bytesMax < 1 || keysMax < 1) {
            throw new IllegalArgumentException("stream page bounds must be positive: " + bytesMax + " bytes, " + keysMax + " keys");
        }
        List<StreamEntry> out = new ArrayList<>();
        long[] bytes = {0};
        OptionalLong next = walkPage(partition, fromToken, () -> bytes[0] >= bytesMax || out.size() >= keysMax, (skey, value) -> {
            // Sets from before the cluster format travel in the current one.
            byte[] siblings = isLegacy(value) ? decodeStored(value).encode() : value;
            byte[] userKey = StorageKeys.userKey(skey);
            out.add(new StreamEntry(userKey, siblings));
            bytes[0] += userKey.length + siblings.length;
        });
        return new StreamPage(out, next.isEmpty(), next.orElse(0), bytes[0]);
    }

    /**
     * Deletes up to {@code keysMax} stored sets of {@code partition} (after a ring change
     * moved it away from this node). Returns how many were deleted; fewer than
     * {@code keysMax} means the partition is empty.
     */
    public int deletePartition(int partition, int keysMax) {
        long first = partitioner.firstToken(partition);
        byte[] end = StorageKeys.partitionEnd(partitioner, partition);
        List<byte[]> doomed = new ArrayList<>();
        try (StorageIterator it = engine.iterator(StorageKeys.tokenStart(first), end)) {
            for (; it.valid() && doomed.size() < keysMax; it.next()) {
                if (it.key().length >= StorageKeys.TOKEN_BYTES) {
                    doomed.add(it.key());
                }
            }
        }
        for (byte[] skey : doomed) {
            long token = StorageKeys.token(skey);
            ReentrantLock lock = stripe(token);
            lock.lock();
            try {
                Siblings stored = readStored(skey);
                if (stored != null) {
                    engine.delete(skey);
                    account(token, stored, null);
                }
            } finally {
                lock.unlock();
            }
        }
        return doomed.size();
    }

    /**
     * Reads a bookkeeping value (streaming progress, say) stored beside the data under a key
     * shorter than a token, which partition scans, streaming and compaction never see.
     */
    public byte[] readMeta(byte[] metaKey) {
        return engine.get(checkMetaKey(metaKey));
    }

    /** Stores a bookkeeping value; see {@link #readMeta}. Cleared with the data by FLUSHALL. */
    public void writeMeta(byte[] metaKey, byte[] value) {
        engine.put(checkMetaKey(metaKey), value);
    }

    private static byte[] checkMetaKey(byte[] metaKey) {
        if (metaKey.length >= StorageKeys.TOKEN_BYTES || metaKey.length < 2 || metaKey[0] != 0
                || metaKey[1] == FLUSH_TIME_KEY[1] || metaKey[1] == DOT_EPOCH_KEY[1]) {
            throw new IllegalArgumentException("meta keys are 2 to " + (StorageKeys.TOKEN_BYTES - 1)
                    + " bytes, start with 0 and do not shadow the store's own");
        }
        return metaKey;
    }

    /** A random key readable on this replica, or null when there is none. */
    public byte[] randomKey() {
        long now = clock.currentTimeMillis();
        for (int attempt = 0; attempt < RANDOM_KEY_ATTEMPTS_MAX; attempt++) {
            byte[] found = firstLiveAtOrAfter(StorageKeys.tokenStart(random.nextLong()), now);
            if (found == null) {
                found = firstLiveAtOrAfter(StorageKeys.tokenStart(0), now);
            }
            if (found != null) {
                return found;
            }
            if (size() == 0) {
                return null;
            }
        }
        return null;
    }

    /** Bounded probe: a few entries from {@code from}, the first readable one wins. */
    private byte[] firstLiveAtOrAfter(byte[] from, long now) {
        int probes = 0;
        try (StorageIterator it = engine.iterator(from, null)) {
            for (; it.valid() && probes < 16; it.next(), probes++) {
                if (it.key().length < StorageKeys.TOKEN_BYTES) {
                    continue;
                }
                Version w = decodeStored(it.value()).winner(now);
                if (w != null && !w.record().isTombstone()) {
                    return StorageKeys.userKey(it.key());
                }
            }
        }
        return null;
    }

    /**
     * Runs {@code task} with every key lock held: no change is in progress or can start, and
     * every change made before has been stored and announced to the listeners. For tasks that
     * need a quiet moment to start from (an anti-entropy tree build taking its next batch).
     */
    public void quiesced(Runnable task) {
        for (ReentrantLock l : stripes) {
            l.lock();
        }
        try {
            task.run();
        } finally {
            for (int i = stripes.length - 1; i >= 0; i--) {
                stripes[i].unlock();
            }
        }
    }

    /**
     * Runs {@code visitor} on the set stored under {@code storageKey} (null when absent) with
     * the key's lock held, so no change to it, and no listener call for it, interleaves.
     */
    public void inspectLocked(byte[] storageKey, Consumer<Siblings> visitor) {
        ReentrantLock lock = stripe(StorageKeys.token(storageKey));
        lock.lock();
        try {
            visitor.accept(readStored(storageKey));
        } finally {
            lock.unlock();
        }
    }

    /**
     * Visits the stored sets in {@code [fromInclusive, toExclusive)} (storage keys; null = open),
     * without locks, skipping the short meta keys. Stops when the visitor returns false.
     */
    public void scanStored(byte[] fromInclusive, byte[] toExclusive, StoredVisitor visitor) {
        try (StorageIterator it = engine.iterator(fromInclusive, toExclusive)) {
            for (; it.valid(); it.next()) {
                byte[] skey = it.key();
                if (skey.length < StorageKeys.TOKEN_BYTES) {
                    continue;
                }
                if (!visitor.visit(skey, decodeStored(it.value()))) {
                    return;
                }
            }
        }
    }

    /** Drops every key and remembers {@code flushMillis}: older versions arriving later are ignored. */
    public void flush(long flushMillis) {
        for (ReentrantLock l : stripes) {
            l.lock();
        }
        try {
            engine.clear();
            flushTimeMillis = Math.max(flushTimeMillis, flushMillis);
            byte[] v = new byte[8];
            Bytes.putLong(v, 0, flushTimeMillis);
            engine.put(FLUSH_TIME_KEY, v);
            // The flush dropped the clocks that held this node's dot counters, while copies of
            // pre-flush sets may still arrive (and keep their clocks): issue dots afresh.
            newDotEpoch();
            for (int i = 0; i < keysPerPartition.length(); i++) {
                keysPerPartition.set(i, 0);
                // Conservative: tombstones written after the flush need a new full repair.
                fullRepairMillis.set(i, 0);
            }
            volatileKeyCount.set(0);
            for (ChangeListener l : listeners) {
                l.cleared();
            }
        } finally {
            for (int i = stripes.length - 1; i >= 0; i--) {
                stripes[i].unlock();
            }
        }
    }

    /**
     * Examines up to {@code maxKeys} keys from where the previous cycle stopped and reclaims
     * expired versions (bounded work per call, like Redis's active expire cycle). Returns the
     * number of keys that stopped counting.
     */
    public int activeExpireCycle(int maxKeys) {
        long now = clock.currentTimeMillis();
        List<byte[]> expired = new ArrayList<>();
        synchronized (expireCursorLock) {
            int seen = 0;
            byte[] resumeAt = null;
            try (StorageIterator it = engine.iterator(expireCursor, null)) {
                for (; it.valid(); it.next()) {
                    if (it.key().length < StorageKeys.TOKEN_BYTES) {
                        continue;
                    }
                    if (seen++ >= maxKeys) {
                        resumeAt = it.key();
                        break;
                    }
                    if (hasExpired(decodeStored(it.value()), now)) {
                        expired.add(StorageKeys.userKey(it.key()));
                    }
                }
            }
            expireCursor = resumeAt;
        }
        int removed = 0;
        for (byte[] key : expired) {
            if (reclaimExpired(key)) {
                removed++;
            }
        }
        return removed;
    }

    /** Rewrites the key's expired versions as tombstones; true when the key stopped counting. */
    public boolean reclaimExpired(byte[] key) {
        long token = Partitioner.token(key);
        byte[] skey = StorageKeys.encode(token, key);
        ReentrantLock lock = stripe(token);
        lock.lock();
        try {
            Siblings stored = readStored(skey);
            long now = clock.currentTimeMillis();
            if (stored == null || !hasExpired(stored, now)) {
                return false;
            }
            List<Version> rewritten = new ArrayList<>(stored.versions().size());
            for (Version v : stored.versions()) {
                Record r = v.record();
                // Stamped with the value's own write time, not its deadline: a later deadline would
                // outrank (LWW) a newer concurrent sibling and hide an acknowledged write.
                rewritten.add(!r.isTombstone() && r.isExpired(now) ? new Version(v.dot(), Record.tombstone(r.timestampMillis())) : v);
            }
            Siblings next = Siblings.of(stored.clock(), rewritten);
            engine.put(skey, next.encode());
            account(token, stored, next);
            notifyChanged(token, key, stored, next);
            boolean stopped = present(stored) && !present(next);
            if (stopped) {
                expiredKeys.increment();
            }
            return stopped;
        } finally {
            lock.unlock();
        }
    }

    private static boolean hasExpired(Siblings s, long now) {
        for (Version v : s.versions()) {
            if (!v.record().isTombstone() && v.record().isExpired(now)) {
                return true;
            }
        }
        return false;
    }

    public Map<String, String> storageStats() {
        return engine.stats();
    }

    public Map<String, Long> counters() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("expired_keys", expiredKeys.sum());
        m.put("siblings_capped", siblingsCapped.sum());
        m.put("siblings_over_warn", siblingsOverWarn.sum());
        return m;
    }
}
