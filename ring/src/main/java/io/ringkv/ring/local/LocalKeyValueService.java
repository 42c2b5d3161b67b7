package io.ringkv.ring.local;

import io.ringkv.common.Clock;
import io.ringkv.ring.Change;
import io.ringkv.ring.KeyUpdate;
import io.ringkv.ring.KeyValueService;
import io.ringkv.ring.MultiKeyUpdate;
import io.ringkv.ring.Record;
import io.ringkv.ring.ScanPage;
import io.ringkv.ring.partition.StorageKeys;
import io.ringkv.storage.StorageEngine;
import io.ringkv.storage.StorageIterator;
import io.ringkv.storage.WriteBatch;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;
import java.util.random.RandomGenerator;

/**
 * Serves the key-value data path from this node's storage engine. Read-modify-writes take a
 * striped per-key lock, so two updates of one key never interleave; plain reads take none.
 * Expired records read as absent and are removed lazily on access and actively by
 * {@link #activeExpireCycle}, which walks the key space with a bounded budget per call.
 */
public final class LocalKeyValueService implements KeyValueService {
    /** Seeks RANDOMKEY makes before giving up on a key space full of expired keys. */
    private static final int RANDOM_KEY_ATTEMPTS_MAX = 100;
    private final StorageEngine engine;
    private final Clock clock;
    private final RandomGenerator random;
    private final ReentrantLock[] stripes;
    private final AtomicLong keyCount = new AtomicLong();
    /** Stored keys that carry a deadline (INFO keyspace's expires=). */
    private final AtomicLong volatileKeyCount = new AtomicLong();
    private final AtomicLong expiredKeys = new AtomicLong();
    private final LongAdder hits = new LongAdder();
    private final LongAdder misses = new LongAdder();
    /** Where the next active-expiry cycle resumes (a storage key), null = from the start. */
    private byte[] expireCursor;
    private final Object expireCursorLock = new Object();

    public LocalKeyValueService(StorageEngine engine, Clock clock, RandomGenerator random, int lockStripes) {
        if (Integer.bitCount(lockStripes) != 1) {
            throw new IllegalArgumentException("lockStripes must be a power of two: " + lockStripes);
        }
        this.engine = engine;
        this.clock = clock;
        this.random = random;
        this.stripes = new ReentrantLock[lockStripes];
        for (int i = 0; i < lockStripes; i++) {
            stripes[i] = new ReentrantLock();
        }
        countKeys();
    }

    /** Counted once at start-up (O(n)): the engine keeps no key count of its own. */
    private void countKeys() {
        long n = 0;
        long withDeadline = 0;
        try (StorageIterator it = engine.iterator(null, null)) {
            for (; it.valid(); it.next()) {
                n++;
                if (Record.decode(it.value()).hasExpiry()) {
                    withDeadline++;
                }
            }
        }
        keyCount.set(n);
        volatileKeyCount.set(withDeadline);
    }

    /** Keeps the key counters in step with one key going from {@code before} to {@code after} (null = absent). */
    private void account(Record before, Record after) {
        long keys = (after != null ? 1 : 0) - (before != null ? 1 : 0);
        long deadlines = (after != null && after.hasExpiry() ? 1 : 0) - (before != null && before.hasExpiry() ? 1 : 0);
        if (keys != 0) {
            keyCount.addAndGet(keys);
        }
        if (deadlines != 0) {
            volatileKeyCount.addAndGet(deadlines);
        }
    }

    private ReentrantLock stripe(byte[] storageKey) {
        // The token is already a good hash; keys sharing a hash tag share a stripe.
        return stripes[stripeIndex(storageKey)];
    }

    private int stripeIndex(byte[] storageKey) {
        return (int) StorageKeys.token(storageKey) & (stripes.length - 1);
    }

    @Override
    public Record get(byte[] key) {
        byte[] skey = StorageKeys.encode(key);
        byte[] raw = engine.get(skey);
        if (raw == null) {
            misses.increment();
            return null;
        }
        Record r = Record.decode(raw);
        if (r.isExpired(clock.currentTimeMillis())) {
            reclaimIfExpired(skey);
            misses.increment();
            return null;
        }
        hits.increment();
        return r;
    }

    /** Deletes {@code skey} if, under its lock, it is still expired. Returns whether it did. */
    private boolean reclaimIfExpired(byte[] skey) {
        ReentrantLock lock = stripe(skey);
        lock.lock();
        try {
            Record stored = read(skey);
            if (stored != null && stored.isExpired(clock.currentTimeMillis())) {
                engine.delete(skey);
                account(stored, null);
                expiredKeys.incrementAndGet();
                return true;
            }
            return false;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public <R> R update(byte[] key, KeyUpdate<R> update) {
        byte[] skey = StorageKeys.encode(key);
        ReentrantLock lock = stripe(skey);
        lock.lock();
        try {
            long now = clock.currentTimeMillis();
            Record stored = read(skey);
            Record current = stored != null && stored.isExpired(now) ? null : stored;
            Change<R> change = update.apply(current, now);
            switch (change.action()) {
                case PUT -> {
                    engine.put(skey, change.record().encoded());
                    account(stored, change.record());
                }
                case DELETE -> {
                    if (stored != null) {
                        engine.delete(skey);
                        account(stored, null);
                    }
                }
                case KEEP -> {
                    if (stored != null && current == null) {
                        engine.delete(skey);
                        account(stored, null);
                        expiredKeys.incrementAndGet();
                    }
                }
            }
            return change.reply();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public <R> R updateAll(List<byte[]> keys, MultiKeyUpdate<R> update) {
        List<byte[]> skeys = new ArrayList<>(keys.size());
        for (byte[] k : keys) {
            skeys.add(StorageKeys.encode(k));
        }
        // Lock stripes in index order so concurrent multi-key updates cannot deadlock.
        int[] order = skeys.stream().mapToInt(this::stripeIndex).distinct().sorted().toArray();
        for (int s : order) {
            stripes[s].lock();
        }
        try {
            long now = clock.currentTimeMillis();
            // One slot per distinct key: each is read once, and duplicates share what was read.
            Map<ByteBuffer, KeySlot> slots = new LinkedHashMap<>();
            List<Record> current = new ArrayList<>(skeys.size());
            for (byte[] skey : skeys) {
                KeySlot slot = slots.computeIfAbsent(ByteBuffer.wrap(skey), k -> new KeySlot(skey, read(skey)));
                current.add(slot.stored != null && slot.stored.isExpired(now) ? null : slot.stored);
            }
            MultiKeyUpdate.Result<R> result = update.apply(current, now);
            if (result.changes().size() != skeys.size()) {
                throw new IllegalStateException("one change per key expected");
            }
            // Collapse to the final change per key (a KEEP never undoes an earlier change).
            for (int i = 0; i < skeys.size(); i++) {
                KeySlot slot = slots.get(ByteBuffer.wrap(skeys.get(i)));
                Change<Void> c = result.changes().get(i);
                if (c.action() != Change.Action.KEEP || slot.change == null) {
                    slot.change = c;
                }
            }
            WriteBatch batch = new WriteBatch();
            for (KeySlot slot : slots.values()) {
                switch (slot.change.action()) {
                    case PUT -> batch.put(slot.skey, slot.change.record().encoded());
                    case DELETE -> {
                        if (slot.stored != null) {
                            batch.delete(slot.skey);
                        }
                    }
                    case KEEP -> {}
                }
            }
            if (!batch.isEmpty()) {
                engine.write(batch);
                for (KeySlot slot : slots.values()) {
                    switch (slot.change.action()) {
                        case PUT -> account(slot.stored, slot.change.record());
                        case DELETE -> account(slot.stored, null);
                        case KEEP -> {}
                    }
                }
            }
            return result.reply();
        } finally {
            for (int i = order.length - 1; i >= 0; i--) {
                stripes[order[i]].unlock();
            }
        }
    }

    /** A key of a multi-key update: its storage key, what was stored, and its final change. */
    private static final class KeySlot {
        final byte[] skey;
        final Record stored;
        Change<Void> change;

        KeySlot(byte[] skey, Record stored) {
            this.skey = skey;
            this.stored = stored;
        }
    }

    private Record read(byte[] skey) {
        byte[] raw = engine.get(skey);
        return raw == null ? null : Record.decode(raw);
    }

    @Override
    public long size() {
        return keyCount.get();
    }

    @Override
    public long keysWithExpiry() {
        return volatileKeyCount.get();
    }

    @Override
    public ScanPage scan(long cursor, int count, Predicate<byte[]> keyFilter, Predicate<Record> recordFilter) {
        long now = clock.currentTimeMillis();
        List<byte[]> out = new ArrayList<>();
        List<byte[]> expired = new ArrayList<>();
        int visited = 0;
        long lastToken = 0;
        long next = 0;
        try (StorageIterator it = engine.iterator(StorageKeys.tokenStart(cursor), null)) {
            for (; it.valid(); it.next()) {
                long token = StorageKeys.token(it.key());
                // Never stop inside a group of keys sharing a token: the cursor is a token.
                if (visited >= count && token != lastToken) {
                    next = token;
                    break;
                }
                visited++;
                lastToken = token;
                Record r = Record.decode(it.value());
                if (r.isExpired(now)) {
                    expired.add(it.key());
                    continue;
                }
                byte[] userKey = StorageKeys.userKey(it.key());
                if ((keyFilter == null || keyFilter.test(userKey)) && (recordFilter == null || recordFilter.test(r))) {
                    out.add(userKey);
                }
            }
        }
        for (byte[] skey : expired) {
            reclaimIfExpired(skey);
        }
        return new ScanPage(next, out);
    }

    @Override
    public byte[] randomKey() {
        // Seek to a random token and take the next live key, wrapping once; bounded attempts so
        // a key space full of expired keys cannot stall the caller.
        for (int attempt = 0; attempt < RANDOM_KEY_ATTEMPTS_MAX; attempt++) {
            byte[] skey = firstAtOrAfter(StorageKeys.tokenStart(random.nextLong()));
            if (skey == null) {
                skey = firstAtOrAfter(null);
            }
            if (skey == null) {
                return null;
            }
            byte[] raw = engine.get(skey);
            if (raw == null) {
                continue;
            }
            if (Record.decode(raw).isExpired(clock.currentTimeMillis())) {
                reclaimIfExpired(skey);
                continue;
            }
            return StorageKeys.userKey(skey);
        }
        return null;
    }

    private byte[] firstAtOrAfter(byte[] from) {
        try (StorageIterator it = engine.iterator(from, null)) {
            return it.valid() ? it.key() : null;
        }
    }

    @Override
    public void flushAll() {
        engine.clear();
        keyCount.set(0);
        volatileKeyCount.set(0);
    }

    /**
     * Examines up to {@code maxKeys} keys from where the previous cycle stopped and removes the
     * expired ones. Returns the number removed. Bounded work per call, so the caller (a
     * scheduled task) controls the cost, like Redis's active expire cycle.
     */
    public int activeExpireCycle(int maxKeys) {
        long now = clock.currentTimeMillis();
        List<byte[]> expired = new ArrayList<>();
        synchronized (expireCursorLock) {
            int seen = 0;
            byte[] resumeAt = null;
            try (StorageIterator it = engine.iterator(expireCursor, null)) {
                for (; it.valid(); it.next()) {
                    if (seen++ >= maxKeys) {
                        resumeAt = it.key();
                        break;
                    }
                    Record r = Record.decode(it.value());
                    if (r.isExpired(now)) {
                        expired.add(it.key());
                    }
                }
            }
            expireCursor = resumeAt;
        }
        int removed = 0;
        for (byte[] skey : expired) {
            if (reclaimIfExpired(skey)) {
                removed++;
            }
        }
        return removed;
    }

    @Override
    public Map<String, String> storageStats() {
        return engine.stats();
    }

    @Override
    public Map<String, Long> counters() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("expired_keys", expiredKeys.get());
        m.put("keyspace_hits", hits.sum());
        m.put("keyspace_misses", misses.sum());
        return m;
    }
}
