package io.ringkv.storage.lsm;

import io.ringkv.common.Bytes;
import io.ringkv.storage.StorageIterator;
import io.ringkv.storage.key.InternalIterator;
import io.ringkv.storage.key.InternalKey;

/**
 * The user-facing iterator: walks the merged internal stream, hides versions newer than the
 * view's sequence, shows only the newest visible version of each key and skips tombstones.
 * Clamped to {@code [from, to)}.
 */
final class DbIterator implements StorageIterator {
    private final InternalIterator it;
    private final long sequence;
    private final byte[] from;
    private final byte[] to;
    private final Runnable onClose;
    private byte[] key;
    private byte[] value;
    private boolean closed;

    DbIterator(InternalIterator it, long sequence, byte[] from, byte[] to, Runnable onClose) {
        this.it = it;
        this.sequence = sequence;
        this.from = from;
        this.to = to;
        this.onClose = onClose;
        seek(from);
    }

    private void findNext(byte[] skipUserKey) {
        byte[] skip = skipUserKey;
        while (it.valid()) {
            byte[] ik = it.key();
            if (InternalKey.sequence(ik) > sequence) {
                it.next();
                continue;
            }
            if (skip != null && InternalKey.compareUserKey(ik, skip) == 0) {
                it.next();
                continue;
            }
            if (to != null && InternalKey.compareUserKey(ik, to) >= 0) {
                break;
            }
            byte[] uk = InternalKey.userKey(ik);
            if (InternalKey.type(ik) == InternalKey.TYPE_DELETE) {
                skip = uk;
                it.next();
                continue;
            }
            key = uk;
            value = it.value();
            return;
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
        check();
        return key;
    }

    @Override
    public byte[] value() {
        check();
        return value;
    }

    private void check() {
        if (key == null) {
            throw new IllegalStateException("iterator is not positioned on an entry");
        }
    }

    @Override
    public void next() {
        check();
        byte[] current = key;
        it.next();
        findNext(current);
    }

    @Override
    public void seek(byte[] target) {
        byte[] t = target;
        if (t == null || (from != null && Bytes.compare(t, from) < 0)) {
            t = from;
        }
        if (t == null) {
            it.seekToFirst();
        } else {
            it.seek(InternalKey.seekKey(t, sequence));
        }
        findNext(null);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        key = null;
        try {
            it.close();
        } finally {
            onClose.run();
        }
    }
}
