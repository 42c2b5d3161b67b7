package io.ringkv.storage.compaction;

import io.ringkv.storage.EntryFilter;
import io.ringkv.storage.fs.FileSystem;
import io.ringkv.storage.key.InternalIterator;
import io.ringkv.storage.key.InternalKey;
import io.ringkv.storage.sstable.TableOptions;
import io.ringkv.storage.version.FileMetaData;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.LongFunction;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

/**
 * Rewrites a sorted stream of internal entries into new tables, dropping what no reader can
 * see (LevelDB's rules):
 * <ul>
 *   <li>an older version of a key whose newer version is visible to every snapshot;</li>
 *   <li>a tombstone visible to every snapshot when no lower level may hold the key;</li>
 *   <li>a value the {@link EntryFilter} declares dead: dropped outright at the base level,
 *       otherwise replaced by a tombstone so older versions below stay shadowed.</li>
 * </ul>
 * Outputs are split at {@code targetFileBytes}, but never between two versions of one user
 * key, keeping levels >= 1 disjoint by user key. Used for flushes too (no tombstone dropping).
 */
public final class CompactionJob {
    /** Thrown when the engine is closing; partial outputs have been deleted. */
    public static final class AbortedException extends RuntimeException {
        public AbortedException() {
            super("compaction aborted: engine closing", null, false, false);
        }
    }

    /** What a job produced. */
    public record Result(List<FileMetaData> outputs, long entriesIn, long entriesDropped, long bytesWritten) {}

    private final FileSystem fs;
    private final LongFunction<Path> tablePath;
    private final TableOptions tableOptions;
    private final long targetFileBytes;
    private final LongSupplier newFileNumber;
    private final BooleanSupplier shouldAbort;

    public CompactionJob(FileSystem fs, LongFunction<Path> tablePath, TableOptions tableOptions, long targetFileBytes,
            LongSupplier newFileNumber, BooleanSupplier shouldAbort) {
        this.fs = fs;
        this.tablePath = tablePath;
        this.tableOptions = tableOptions;
        this.targetFileBytes = targetFileBytes;
        this.newFileNumber = newFileNumber;
        this.shouldAbort = shouldAbort;
    }

    /**
     * @param isBaseLevelForKey whether no older data for a user key exists below the output
     * @param filter applied to live values visible to every snapshot (null: none)
     */
    public Result run(InternalIterator input, long smallestSnapshot, Predicate<byte[]> isBaseLevelForKey,
            EntryFilter filter) {
        List<FileMetaData> outputs = new ArrayList<>();
        TableOutput out = null;
        long in = 0;
        long dropped = 0;
        long written = 0;
        byte[] currentKey = null;
        long lastSequenceForKey = Long.MAX_VALUE;
        try {
            for (input.seekToFirst(); input.valid(); input.next()) {
                if ((++in & 1023) == 0 && shouldAbort.getAsBoolean()) {
                    throw new AbortedException();
                }
                byte[] ik = input.key();
                byte[] value = input.value();
                if (currentKey == null || !InternalKey.sameUserKey(ik, currentKey)) {
                    currentKey = ik;
                    lastSequenceForKey = Long.MAX_VALUE;
                }
                long seq = InternalKey.sequence(ik);
                byte type = InternalKey.type(ik);
                boolean drop = false;
                if (lastSequenceForKey <= smallestSnapshot) {
                    drop = true; // shadowed by a newer version every reader sees
                } else if (seq <= smallestSnapshot) {
                    if (type == InternalKey.TYPE_DELETE) {
                        drop = isBaseLevelForKey.test(InternalKey.userKey(ik));
                    } else if (filter != null && filter.shouldDrop(InternalKey.userKey(ik), value)) {
                        byte[] uk = InternalKey.userKey(ik);
                        if (isBaseLevelForKey.test(uk)) {
                            drop = true;
                        } else {
                            ik = InternalKey.encode(uk, seq, InternalKey.TYPE_DELETE);
                            value = InternalKey.DELETED;
                        }
                    }
                }
                lastSequenceForKey = seq;
                if (drop) {
                    dropped++;
                    continue;
                }
                if (out != null && out.fileBytes() >= targetFileBytes && !InternalKey.sameUserKey(out.lastKey(), ik)) {
                    FileMetaData f = out.finish();
                    written += f.sizeBytes();
                    outputs.add(f);
                    out = null;
                }
                if (out == null) {
                    long number = newFileNumber.getAsLong();
                    out = new TableOutput(fs, tablePath.apply(number), number, tableOptions);
                }
                out.add(ik, value);
            }
            if (out != null) {
                FileMetaData f = out.finish();
                written += f.sizeBytes();
                outputs.add(f);
                out = null;
            }
            return new Result(outputs, in, dropped, written);
        } catch (RuntimeException | Error e) {
            if (out != null) {
                out.abandon(e);
            }
            for (FileMetaData f : outputs) {
                try {
                    fs.delete(tablePath.apply(f.number()));
                } catch (RuntimeException d) {
                    e.addSuppressed(d);
                }
            }
            throw e;
        }
    }
}
