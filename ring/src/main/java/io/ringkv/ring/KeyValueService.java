package io.ringkv.ring;

import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The data path every RESP command runs against. Today it is served by the local node
 * ({@link io.ringkv.ring.local.LocalKeyValueService}); the cluster coordinator implements the
 * same interface, routing each key to its replicas. Keys are user keys (no token prefix).
 */
public interface KeyValueService {
    /** The live record for {@code key}, or null if absent or expired. */
    Record get(byte[] key);

    /** Runs {@code update} atomically with respect to other updates of the same key. */
    <R> R update(byte[] key, KeyUpdate<R> update);

    /**
     * Runs {@code update} atomically over {@code keys}, which the caller has checked share one
     * partition. Duplicate keys are allowed; each occurrence sees the same current record and
     * the last change for a key wins.
     */
    <R> R updateAll(List<byte[]> keys, MultiKeyUpdate<R> update);

    /** The number of keys, counting expired keys not yet reclaimed (as Redis's DBSIZE does). */
    long size();

    /** How many of {@link #size()} keys carry an expiry deadline. */
    long keysWithExpiry();

    /**
     * Visits at least {@code count} stored entries from {@code cursor} (a token; 0 = start) and
     * returns the live keys among them that pass both filters (either may be null).
     */
    ScanPage scan(long cursor, int count, Predicate<byte[]> keyFilter, Predicate<Record> recordFilter);

    /** A random live key, or null when there is none. */
    byte[] randomKey();

    /** Removes every key. */
    void flushAll();

    /** The storage engine's statistics, for INFO. */
    Map<String, String> storageStats();

    /** Counters of this service (expired keys, hits, misses), for INFO stats. */
    Map<String, Long> counters();
}
