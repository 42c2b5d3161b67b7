package io.ringkv.storage.key;

import java.util.List;
import java.util.PriorityQueue;

/** Merges sorted children into one sorted stream (a heap keyed by each child's current key). */
public final class MergingIterator implements InternalIterator {
    private final List<InternalIterator> children;
    private final PriorityQueue<InternalIterator> heap;
    private InternalIterator current;

    public MergingIterator(List<InternalIterator> children) {
        this.children = children;
        this.heap = new PriorityQueue<>(Math.max(1, children.size()),
                (a, b) -> InternalKey.compare(a.key(), b.key()));
    }

    private void rebuild() {
        heap.clear();
        for (InternalIterator c : children) {
            if (c.valid()) {
                heap.add(c);
            }
        }
        current = heap.poll();
    }

    @Override
    public boolean valid() {
        return current != null;
    }

    @Override
    public byte[] key() {
        return current.key();
    }

    @Override
    public byte[] value() {
        return current.value();
    }

    @Override
    public void next() {
        current.next();
        if (current.valid()) {
            heap.add(current);
        }
        current = heap.poll();
    }

    @Override
    public void seekToFirst() {
        for (InternalIterator c : children) {
            c.seekToFirst();
        }
        rebuild();
    }

    @Override
    public void seek(byte[] internalKey) {
        for (InternalIterator c : children) {
            c.seek(internalKey);
        }
        rebuild();
    }

    @Override
    public void close() {
        RuntimeException first = null;
        for (InternalIterator c : children) {
            try {
                c.close();
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
