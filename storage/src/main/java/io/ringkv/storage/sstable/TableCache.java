package io.ringkv.storage.sstable;

import io.ringkv.storage.fs.FileSystem;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongFunction;

/**
 * Open tables by file number. A table stays open while it is live; the engine evicts it when
 * the file becomes obsolete (no version references it) and is deleted. Memory per open table
 * is its index block and bloom filter only.
 */
public final class TableCache implements AutoCloseable {
    private final ConcurrentHashMap<Long, Table> tables = new ConcurrentHashMap<>();
    private final FileSystem fs;
    private final LongFunction<Path> pathOf;
    private final BlockCache blockCache;

    public TableCache(FileSystem fs, LongFunction<Path> pathOf, BlockCache blockCache) {
        this.fs = fs;
        this.pathOf = pathOf;
        this.blockCache = blockCache;
    }

    public Table get(long number) {
        Table t = tables.get(number);
        if (t != null) {
            return t;
        }
        return tables.computeIfAbsent(number, n -> {
            Path p = pathOf.apply(n);
            return Table.open(n, p.getFileName().toString(), fs.openRead(p), blockCache);
        });
    }

    public void evict(long number) {
        Table t = tables.remove(number);
        if (t != null) {
            t.close();
        }
    }

    public int openTables() {
        return tables.size();
    }

    @Override
    public void close() {
        RuntimeException first = null;
        for (Long n : tables.keySet()) {
            try {
                evict(n);
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
