package io.ringkv.ring;

import io.ringkv.ring.version.Siblings;
import io.ringkv.ring.version.VersionVector;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The data path every RESP command runs against, at the node that coordinates the key
 * (the client-facing node forwards there first). Keys are user keys (no token prefix).
 * Every operation is asynchronous: replicas answer over the network. Futures fail with
 * {@link UnavailableException}, {@link QuorumTimeoutException} or a storage failure.
 */
public interface KeyValueService {
    /** The last-writer-wins view of the key: null if absent, deleted or expired. */
    CompletableFuture<Record> get(byte[] key, Consistency cl);

    /** A blind write that supersedes every version this coordinator has seen (plain SET). */
    CompletableFuture<Void> put(byte[] key, Record record, Consistency cl);

    /**
     * A read-modify-write under the key's lock at its coordinator: reads at the read level,
     * applies {@code update} to the last-writer-wins view, writes the result at the write
     * level superseding every version read.
     */
    <R> CompletableFuture<R> update(byte[] key, KeyUpdate<R> update, Consistency cl);

    /**
     * {@link #update} over several keys of one partition, atomically with respect to other
     * updates of those keys. Duplicate keys see the same current record; the last change wins.
     */
    <R> CompletableFuture<R> updateAll(List<byte[]> keys, MultiKeyUpdate<R> update, Consistency cl);

    /** Every version of the key (siblings) with the context covering them. */
    CompletableFuture<Siblings> causalGet(byte[] key, Consistency cl);

    /**
     * A write superseding exactly the versions {@code context} covers (a tombstone for
     * CAUSAL.DEL). Returns the key's versions after the write.
     */
    CompletableFuture<Siblings> causalPut(byte[] key, VersionVector context, Record record, Consistency cl);

    /**
     * A page of live keys from {@code cursor} (a token; 0 = start; the next cursor 0 = done)
     * matching {@code pattern} (null = all) and {@code type} (null = any), cluster-wide.
     */
    CompletableFuture<ScanPage> scan(long cursor, int count, byte[] pattern, String type);

    /** The number of keys cluster-wide (expired keys not yet reclaimed count, as in Redis). */
    CompletableFuture<Long> size();

    /** A random live key, or null when there is none. */
    CompletableFuture<byte[]> randomKey();

    /** Removes every key on every node; needs every node up. */
    CompletableFuture<Void> flushAll();

    /** Keys with a deadline held by this node's replica (INFO keyspace). */
    long keysWithExpiry();

    /** Keys held by this node's replica. */
    long localSize();

    /** The storage engine's statistics, for INFO. */
    Map<String, String> storageStats();

    /** Counters (expired keys, hits, misses, read repairs...), for INFO. */
    Map<String, Long> counters();
}
