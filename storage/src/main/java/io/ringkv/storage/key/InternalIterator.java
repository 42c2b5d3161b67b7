package io.ringkv.storage.key;

/**
 * A cursor over internal keys in {@link InternalKey#COMPARATOR} order, shared by memtables,
 * blocks, tables, levels and merges. A new iterator is unpositioned ({@link #valid()} false)
 * until {@link #seekToFirst()} or {@link #seek}, so building a merge over many tables reads
 * nothing. Not thread-safe.
 */
public interface InternalIterator extends AutoCloseable {
    boolean valid();

    byte[] key();

    byte[] value();

    void next();

    void seekToFirst();

    /** Positions at the first entry >= {@code internalKey}. */
    void seek(byte[] internalKey);

    @Override
    default void close() {}
}
