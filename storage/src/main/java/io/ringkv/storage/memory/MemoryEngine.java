package io.ringkv.storage.memory;

import io.ringkv.common.Bytes;
import io.ringkv.storage.Snapshot;
import io.ringkv.storage.StorageEngine;
import io.ringkv.storage.StorageException;
import io.ringkv.storage.StorageIterator;
import io.ringkv.storage.WriteBatch;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NavigableMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The volatile engine ({@code storage.engine: memory}). Values live in a hash map, so point
 * reads and overwrites cost O(1) like Redis's dict; a concurrent skip list of the keys keeps
 * the order that iterators, SCAN and snapshots need. The two are kept in step per key by
 * doing the skip-list change inside the hash map's per-key {@code compute}.
 *
 * <p>A read-write lock makes batches atomic with respect to snapshots: single puts take the
 * shared side, batches, snapshots and clear the exclusive side. Point reads and iterators take
 * no lock (a reader may observe a batch half-applied, which only matters to crash recovery,
 * and this engine has none). A snapshot copies the data (O(n)); snapshots are rare here.
 */
public final class MemoryEngine implements StorageEngine {
    private final ConcurrentHashMap<Key, byte[]> values = new ConcurrentHashMap<>();
    private final ConcurrentSkipListSet<byte[]> order = new ConcurrentSkipListSet<>(Bytes.COMPARATOR);
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final AtomicLong approximateBytes = new AtomicLong();
    private volatile boolean closed;

    /** A byte[] with value equality, for the hash map. */
    private static final class Key {
        final byte[] bytes;
        final int hash;

        Key(byte[] bytes) {
            this.bytes = bytes;
            this.hash = Arrays.hashCode(bytes);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && k.hash == hash && Arrays.equals(k.bytes, bytes);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }

    @Override
    public byte[] get(byte[] key) {
        checkOpen();
        return values.get(new Key(key));
    }

    @Override
    public void put(byte[] key, byte[] value) {
        checkOpen();
        lock.readLock().lock();
        try {
            putUnlocked(key, value);
        } finally {
            lock.readLock().unlock();
        }
    }

    private void putUnlocked(byte[] key, byte[] value) {
        values.compute(new Key(key), (k, previous) -> {
            if (previous == null) {
                order.add(k.bytes);
            }
            account(k.bytes, previous, value);
            return value;
        });
    }

    private void deleteUnlocked(byte[] key) {
        values.computeIfPresent(new Key(key), (k, previous) -> {
            order.remove(k.bytes);
            account(k.bytes, previous, null);
            return null;
        });
    }

    @Override
    public void delete(byte[] key) {
        checkOpen();
        lock.readLock().lock();
        try {
            deleteUnlocked(key);
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public void write(WriteBatch batch) {
        checkOpen();
        lock.writeLock().lock();
        try {
            for (WriteBatch.Op op : batch.ops()) {
                if (op.isDelete()) {
                    deleteUnlocked(op.key());
                } else {
                    putUnlocked(op.key(), op.value());
                }
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    private void account(byte[] key, byte[] previous, byte[] next) {
        long delta = 0;
        if (previous != null) {
            delta -= key.length + previous.length;
        }
        if (next != null) {
            delta += key.length + next.length;
        }
        approximateBytes.addAndGet(delta);
    }

    @Override
    public StorageIterator iterator(byte[] fromInclusive, byte[] toExclusive) {
        checkOpen();
        return new LiveIterator(fromInclusive, toExclusive);
    }

    @Override
    public Snapshot snapshot() {
        checkOpen();
        ConcurrentSkipListMap<byte[], byte[]> copy = new ConcurrentSkipListMap<>(Bytes.COMPARATOR);
        lock.writeLock().lock();
        try {
            values.forEach((k, v) -> copy.put(k.bytes, v));
        } finally {
            lock.writeLock().unlock();
        }
        return new Snapshot() {
            @Override
            public byte[] get(byte[] key) {
                return copy.get(key);
            }

            @Override
            public StorageIterator iterator(byte[] fromInclusive, byte[] toExclusive) {
                return new MapIterator(copy, fromInclusive, toExclusive);
            }

            @Override
            public void close() {}
        };
    }

    @Override
    public void flush() {
        checkOpen();
    }

    @Override
    public void compactRange(byte[] fromInclusive, byte[] toExclusive) {
        checkOpen();
    }

    @Override
    public void clear() {
        checkOpen();
        lock.writeLock().lock();
        try {
            values.clear();
            order.clear();
            approximateBytes.set(0);
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public Map<String, String> stats() {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("engine", "memory");
        s.put("engine_bytes", Long.toString(approximateBytes.get()));
        return s;
    }

    /** Approximate bytes of keys and values held, for {@code INFO memory}. */
    public long approximateBytes() {
        return approximateBytes.get();
    }

    @Override
    public String name() {
        return "memory";
    }

    @Override
    public void close() {
        closed = true;
    }

    private void checkOpen() {
        if (closed) {
            throw new StorageException("engine is closed");
        }
    }

    /** Weakly consistent cursor over the live key order; values looked up as it goes. */
    private final class LiveIterator implements StorageIterator {
        private final byte[] from;
        private final byte[] to;
        private byte[] key;
        private byte[] value;

        LiveIterator(byte[] from, byte[] to) {
            this.from = from;
            this.to = to;
            position(from == null ? first() : order.ceiling(from));
        }

        private byte[] first() {
            return order.isEmpty() ? null : order.ceiling(new byte[0]);
        }

        /** Moves to {@code candidate} or the next key still present, within the range. */
        private void position(byte[] candidate) {
            while (candidate != null && (to == null || Bytes.compare(candidate, to) < 0)) {
                byte[] v = values.get(new Key(candidate));
                if (v != null) {
                    key = candidate;
                    value = v;
                    return;
                }
                candidate = order.higher(candidate);
            }
            key = null;
            value = null;
        }

        @Override
        public boolean valid() {
            return key != null;
        }

        @Override
        public byte[] key() {
            return key;
        }

        @Override
        public byte[] value() {
            return value;
        }

        @Override
        public void next() {
            position(order.higher(key));
        }

        @Override
        public void seek(byte[] target) {
            if (from != null && Bytes.compare(target, from) < 0) {
                target = from;
            }
            position(order.ceiling(target));
        }

        @Override
        public void close() {}
    }

    /** Weakly consistent cursor over a snapshot's map. */
    private static final class MapIterator implements StorageIterator {
        private final NavigableMap<byte[], byte[]> map;
        private final byte[] from;
        private final byte[] to;
        private Map.Entry<byte[], byte[]> current;

        MapIterator(NavigableMap<byte[], byte[]> map, byte[] from, byte[] to) {
            this.map = map;
            this.from = from;
            this.to = to;
            position(from == null ? map.firstEntry() : map.ceilingEntry(from));
        }

        private void position(Map.Entry<byte[], byte[]> e) {
            if (e != null && to != null && Bytes.compare(e.getKey(), to) >= 0) {
                e = null;
            }
            current = e;
        }

        @Override
        public boolean valid() {
            return current != null;
        }

        @Override
        public byte[] key() {
            return current.getKey();
        }

        @Override
        public byte[] value() {
            return current.getValue();
        }

        @Override
        public void next() {
            position(map.higherEntry(current.getKey()));
        }

        @Override
        public void seek(byte[] target) {
            if (from != null && Bytes.compare(target, from) < 0) {
                target = from;
            }
            position(map.ceilingEntry(target));
        }

        @Override
        public void close() {}
    }
}
