package io.ringkv.storage.memory;

import io.ringkv.common.Bytes;
import io.ringkv.storage.Snapshot;
import io.ringkv.storage.StorageEngine;
import io.ringkv.storage.StorageException;
import io.ringkv.storage.StorageIterator;
import io.ringkv.storage.WriteBatch;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The volatile engine ({@code storage.engine: memory}): a concurrent skip list. Nothing
 * survives a restart. A read-write lock makes batches atomic with respect to snapshots:
 * single puts take the shared side, batches and snapshots the exclusive side. Point reads and
 * iterators take no lock (a reader may observe a batch half-applied, which only matters to
 * crash recovery, and this engine has none). A snapshot copies the map (O(n)); snapshots are
 * rare here (repair, streaming).
 */
public final class MemoryEngine implements StorageEngine {
    private final ConcurrentSkipListMap<byte[], byte[]> map = new ConcurrentSkipListMap<>(Bytes.COMPARATOR);
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final AtomicLong approximateBytes = new AtomicLong();
    private volatile boolean closed;

    @Override
    public byte[] get(byte[] key) {
        checkOpen();
        return map.get(key);
    }

    @Override
    public void put(byte[] key, byte[] value) {
        checkOpen();
        lock.readLock().lock();
        try {
            account(key, map.put(key, value), value);
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public void delete(byte[] key) {
        checkOpen();
        lock.readLock().lock();
        try {
            account(key, map.remove(key), null);
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
                    account(op.key(), map.remove(op.key()), null);
                } else {
                    account(op.key(), map.put(op.key(), op.value()), op.value());
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
        return new MapIterator(map, fromInclusive, toExclusive);
    }

    @Override
    public Snapshot snapshot() {
        checkOpen();
        ConcurrentSkipListMap<byte[], byte[]> copy;
        lock.writeLock().lock();
        try {
            copy = map.clone();
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
            map.clear();
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

    /** Weakly consistent cursor over a sub-map; sees concurrent writes or not, never fails. */
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
