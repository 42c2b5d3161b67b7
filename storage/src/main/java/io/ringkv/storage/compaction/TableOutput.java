package io.ringkv.storage.compaction;

import io.ringkv.storage.fs.FileSystem;
import io.ringkv.storage.fs.WritableFile;
import io.ringkv.storage.sstable.TableBuilder;
import io.ringkv.storage.sstable.TableOptions;
import io.ringkv.storage.version.FileMetaData;
import java.nio.file.Path;

/** A table file being written by a flush or compaction; finished (fsynced) or abandoned (deleted). */
final class TableOutput {
    private final FileSystem fs;
    private final Path path;
    private final long number;
    private final WritableFile file;
    private final TableBuilder builder;

    TableOutput(FileSystem fs, Path path, long number, TableOptions options) {
        this.fs = fs;
        this.path = path;
        this.number = number;
        this.file = fs.create(path);
        this.builder = new TableBuilder(file, options.blockBytes(), options.bloomBitsPerKey(), options.compression());
    }

    void add(byte[] internalKey, byte[] value) {
        builder.add(internalKey, value);
    }

    long fileBytes() {
        return builder.fileBytes();
    }

    boolean isEmpty() {
        return builder.entries() == 0;
    }

    byte[] lastKey() {
        return builder.largest();
    }

    /** Writes the footer and fsyncs; the file is complete before any manifest edit names it. */
    FileMetaData finish() {
        long size = builder.finish();
        file.sync();
        file.close();
        return new FileMetaData(number, size, builder.smallest(), builder.largest(), builder.entries());
    }

    /** Closes and deletes a partial output; failures are attached to {@code cause}. */
    void abandon(Throwable cause) {
        try {
            file.close();
        } catch (RuntimeException e) {
            cause.addSuppressed(e);
        }
        try {
            fs.delete(path);
        } catch (RuntimeException e) {
            cause.addSuppressed(e);
        }
    }
}
