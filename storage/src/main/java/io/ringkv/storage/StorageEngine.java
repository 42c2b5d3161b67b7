package io.ringkv.storage;

import java.util.Map;

/**
 * An ordered, durable (or, for the memory engine, volatile) map from byte-string keys to
 * byte-string values. Keys are ordered by unsigned lexicographic comparison
 * ({@link io.ringkv.common.Bytes#COMPARATOR}). The engine knows nothing of the record format
 * stored in values; upper layers may install an {@link EntryFilter} to drop dead entries
 * during compaction.
 *
 * <p>Thread-safe: any number of readers and writers may call concurrently. Methods throw
 * {@link StorageException} for I/O failures; after a background failure the engine refuses
 * further writes with the remembered cause.
 */
public interface StorageEngine extends AutoCloseable {

    /** Returns the value stored for {@code key}, or null. */
    byte[] get(byte[] key);

    void put(byte[] key, byte[] value);

    /** Removes {@code key} (a tombstone in engines that need one). Absent keys are fine. */
    void delete(byte[] key);

    /** Applies every operation of {@code batch} atomically: after a crash all or none are visible. */
    void write(WriteBatch batch);

    /**
     * An iterator over {@code [fromInclusive, toExclusive)}, either bound null for open-ended,
     * reflecting the state at the moment of the call or later (not necessarily a snapshot).
     */
    StorageIterator iterator(byte[] fromInclusive, byte[] toExclusive);

    /** A consistent point-in-time view. Must be closed. */
    Snapshot snapshot();

    /** Makes every acknowledged write durable in the engine's long-term structures. */
    void flush();

    /** Compacts the given range (null = unbounded), dropping shadowed and filtered entries. */
    void compactRange(byte[] fromInclusive, byte[] toExclusive);

    /**
     * Removes every key. Used by FLUSHALL; cheaper than deleting key by key in engines that
     * can drop whole files.
     */
    void clear();

    /** Named statistics, in a stable order, for {@code INFO persistence} and benchmarks. */
    Map<String, String> stats();

    /** The engine's name as configured: {@code memory} or {@code lsm}. */
    String name();

    @Override
    void close();
}
