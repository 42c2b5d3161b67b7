package io.ringkv.storage;

/**
 * A LevelDB-style cursor over entries in key order. Starts positioned at the first entry of its
 * range; {@link #valid()} is false once exhausted. Must be closed (it may pin files).
 */
public interface StorageIterator extends AutoCloseable {
    boolean valid();

    byte[] key();

    byte[] value();

    void next();

    /** Positions at the first entry with key >= {@code target} (clamped to the iterator's range). */
    void seek(byte[] target);

    @Override
    void close();
}
