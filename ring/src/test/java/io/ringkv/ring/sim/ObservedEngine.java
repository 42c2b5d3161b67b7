package io.ringkv.ring.sim;

import io.ringkv.ring.NodeId;
import io.ringkv.storage.Snapshot;
import io.ringkv.storage.StorageEngine;
import io.ringkv.storage.StorageIterator;
import io.ringkv.storage.WriteBatch;
import java.util.Map;

/**
 * A storage engine that reports every value written to it, with the value it replaced, to a
 * {@link Listener}: the simulator's window on each replica's state transitions, from which the
 * history checker learns when each write's dot first appears and what it superseded.
 *
 * <p>{@code put} and {@code clear} are observed; {@code delete} and batches are refused (the
 * replica store does not use them), so a change in the store that the checker would not see
 * fails loudly instead of going unchecked.
 */
final class ObservedEngine implements StorageEngine {
    /** Told about every put, after it happened. */
    interface Listener {
        /**
         * @param before the value the put replaced, or null
         * @param after the value written
         */
        void stored(NodeId node, byte[] storageKey, byte[] before, byte[] after);

        /** The engine was emptied (FLUSHALL). */
        void cleared(NodeId node);
    }

    private final NodeId node;
    private final StorageEngine delegate;
    private final Listener listener;

    ObservedEngine(NodeId node, StorageEngine delegate, Listener listener) {
        this.node = node;
        this.delegate = delegate;
        this.listener = listener;
    }

    @Override
    public byte[] get(byte[] key) {
        return delegate.get(key);
    }

    @Override
    public void put(byte[] key, byte[] value) {
        byte[] before = delegate.get(key);
        delegate.put(key, value);
        listener.stored(node, key, before, value);
    }

    @Override
    public void delete(byte[] key) {
        throw new UnsupportedOperationException("unobserved store change (delete) in the simulator");
    }

    @Override
    public void write(WriteBatch batch) {
        throw new UnsupportedOperationException("unobserved store change (batch) in the simulator");
    }

    @Override
    public void clear() {
        delegate.clear();
        listener.cleared(node);
    }

    @Override
    public StorageIterator iterator(byte[] fromInclusive, byte[] toExclusive) {
        return delegate.iterator(fromInclusive, toExclusive);
    }

    @Override
    public Snapshot snapshot() {
        return delegate.snapshot();
    }

    @Override
    public void flush() {
        delegate.flush();
    }

    @Override
    public void compactRange(byte[] fromInclusive, byte[] toExclusive) {
        delegate.compactRange(fromInclusive, toExclusive);
    }

    @Override
    public Map<String, String> stats() {
        return delegate.stats();
    }

    @Override
    public String name() {
        return delegate.name();
    }

    @Override
    public void close() {
        delegate.close();
    }
}
