package io.ringkv.storage;

/** A point-in-time read view of an engine: reads ignore writes made after it was taken. */
public interface Snapshot extends AutoCloseable {
    byte[] get(byte[] key);

    StorageIterator iterator(byte[] fromInclusive, byte[] toExclusive);

    @Override
    void close();
}
