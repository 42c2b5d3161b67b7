package io.ringkv.storage.fs;

/** A random-access, thread-safe read-only file (positional reads). */
public interface ReadableFile extends AutoCloseable {
    /**
     * Reads exactly {@code length} bytes at {@code position}. Reading past the end is a
     * {@link io.ringkv.storage.CorruptionException}: callers only read ranges their metadata
     * says exist.
     */
    void readFully(long position, byte[] dst, int offset, int length);

    long size();

    @Override
    void close();
}
