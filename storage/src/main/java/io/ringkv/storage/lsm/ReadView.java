package io.ringkv.storage.lsm;

import io.ringkv.storage.key.InternalIterator;
import io.ringkv.storage.key.InternalKey;
import io.ringkv.storage.key.MergingIterator;
import io.ringkv.storage.memtable.MemTable;
import io.ringkv.storage.sstable.BloomFilter;
import io.ringkv.storage.sstable.TableCache;
import io.ringkv.storage.version.FileMetaData;
import io.ringkv.storage.version.LevelIterator;
import io.ringkv.storage.version.Version;
import java.util.ArrayList;
import java.util.List;

/**
 * What one read sees: the memtables and the (referenced) version at one moment, filtered by a
 * sequence number. Because tables are immutable and the version pins them, a view stays
 * consistent however long it lives; the owner must release it.
 */
final class ReadView {
    final MemTable mem;
    final MemTable imm;
    final Version version;
    final long sequence;
    private final TableCache tables;

    ReadView(MemTable mem, MemTable imm, Version version, long sequence, TableCache tables) {
        this.mem = mem;
        this.imm = imm;
        this.version = version;
        this.sequence = sequence;
        this.tables = tables;
    }

    /** The newest visible value, or null when absent or deleted. */
    byte[] get(byte[] userKey) {
        byte[] r = mem.get(userKey, sequence);
        if (r == null && imm != null) {
            r = imm.get(userKey, sequence);
        }
        if (r != null) {
            return r == InternalKey.DELETED ? null : r;
        }
        byte[] seek = InternalKey.seekKey(userKey, sequence);
        long hash = BloomFilter.hash(userKey);
        for (FileMetaData f : version.files(0)) {
            if (f.containsUserKey(userKey)) {
                byte[][] e = tables.get(f.number()).get(userKey, hash, seek);
                if (e != null) {
                    return InternalKey.type(e[0]) == InternalKey.TYPE_DELETE ? null : e[1];
                }
            }
        }
        for (int level = 1; level < Version.LEVELS; level++) {
            FileMetaData f = version.findFile(level, userKey);
            if (f != null) {
                byte[][] e = tables.get(f.number()).get(userKey, hash, seek);
                if (e != null) {
                    return InternalKey.type(e[0]) == InternalKey.TYPE_DELETE ? null : e[1];
                }
            }
        }
        return null;
    }

    /** All sources merged, newest version of each key first. */
    InternalIterator internalIterator() {
        List<InternalIterator> children = new ArrayList<>();
        children.add(mem.iterator());
        if (imm != null) {
            children.add(imm.iterator());
        }
        for (FileMetaData f : version.files(0)) {
            children.add(tables.get(f.number()).iterator(true));
        }
        for (int level = 1; level < Version.LEVELS; level++) {
            if (version.numFiles(level) > 0) {
                children.add(new LevelIterator(version.files(level), tables, true));
            }
        }
        return new MergingIterator(children);
    }
}
