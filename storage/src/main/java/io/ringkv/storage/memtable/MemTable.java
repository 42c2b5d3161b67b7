package io.ringkv.storage.memtable;

import io.ringkv.storage.key.InternalIterator;
import io.ringkv.storage.key.InternalKey;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The in-memory write buffer: a concurrent skip list of internal keys. Writers insert entries
 * whose sequence numbers are not yet published; readers filter by their snapshot sequence, so
 * a half-inserted group is never visible. Its byte size decides when it is frozen and flushed.
 */
public final class MemTable {
    /** Rough per-entry overhead of a skip-list node plus arrays, counted against the budget. */
    static final int ENTRY_OVERHEAD_BYTES = 64;

    private final ConcurrentSkipListMap<byte[], byte[]> map = new ConcurrentSkipListMap<>(InternalKey.COMPARATOR);
    private final AtomicLong approximateBytes = new AtomicLong();
    private final long logNumber;

    /** @param logNumber the WAL file holding this memtable's writes */
    public MemTable(long logNumber) {
        this.logNumber = logNumber;
    }

    public long logNumber() {
        return logNumber;
    }

    public void add(long sequence, byte type, byte[] userKey, byte[] value) {
        byte[] v = type == InternalKey.TYPE_DELETE ? InternalKey.DELETED : value;
        map.put(InternalKey.encode(userKey, sequence, type), v);
        approximateBytes.addAndGet(userKey.length + v.length + InternalKey.TRAILER_BYTES + ENTRY_OVERHEAD_BYTES);
    }

    /**
     * The newest version of {@code userKey} with sequence <= {@code sequence}: its value,
     * {@link InternalKey#DELETED} for a tombstone, or null if this memtable has none.
     */
    public byte[] get(byte[] userKey, long sequence) {
        Map.Entry<byte[], byte[]> e = map.ceilingEntry(InternalKey.seekKey(userKey, sequence));
        if (e == null || InternalKey.compareUserKey(e.getKey(), userKey) != 0) {
            return null;
        }
        return InternalKey.type(e.getKey()) == InternalKey.TYPE_DELETE ? InternalKey.DELETED : e.getValue();
    }

    public long approximateBytes() {
        return approximateBytes.get();
    }

    public boolean isEmpty() {
        return map.isEmpty();
    }

    public int entryCount() {
        return map.size();
    }

    public InternalIterator iterator() {
        return new SkipListIterator();
    }

    private final class SkipListIterator implements InternalIterator {
        // Unpositioned (invalid) until seekToFirst or seek, like every InternalIterator here.
        private Iterator<Map.Entry<byte[], byte[]>> it;
        private Map.Entry<byte[], byte[]> current;


        private void advance() {
            current = it.hasNext() ? it.next() : null;
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
            advance();
        }

        @Override
        public void seekToFirst() {
            it = map.entrySet().iterator();
            advance();
        }

        @Override
        public void seek(byte[] internalKey) {
            it = map.tailMap(internalKey, true).entrySet().iterator();
            advance();
        }
    }
}
