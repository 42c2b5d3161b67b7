package io.ringkv.storage.version;

import io.ringkv.storage.key.InternalIterator;
import io.ringkv.storage.key.InternalKey;
import io.ringkv.storage.sstable.TableCache;
import java.util.List;

/** Concatenates the disjoint, ordered files of one level (>= 1), opening each table lazily. */
public final class LevelIterator implements InternalIterator {
    private final List<FileMetaData> files;
    private final TableCache tables;
    private final boolean fillCache;
    private int fileIndex;
    private InternalIterator current;

    public LevelIterator(List<FileMetaData> files, TableCache tables, boolean fillCache) {
        this.files = files;
        this.tables = tables;
        this.fillCache = fillCache;
        // Unpositioned until seekToFirst or seek, so creating one opens no table.
    }

    private void open(int index) {
        fileIndex = index;
        current = index < files.size() ? tables.get(files.get(index).number()).iterator(fillCache) : null;
    }

    private void skipExhausted() {
        while (current != null && !current.valid()) {
            open(fileIndex + 1);
            if (current != null) {
                current.seekToFirst();
            }
        }
    }

    @Override
    public boolean valid() {
        return current != null && current.valid();
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
        skipExhausted();
    }

    @Override
    public void seekToFirst() {
        open(0);
        if (current != null) {
            current.seekToFirst();
        }
        skipExhausted();
    }

    @Override
    public void seek(byte[] internalKey) {
        int lo = 0;
        int hi = files.size();
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (InternalKey.compare(files.get(mid).largest(), internalKey) < 0) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        open(lo);
        if (current != null) {
            current.seek(internalKey);
        }
        skipExhausted();
    }
}
