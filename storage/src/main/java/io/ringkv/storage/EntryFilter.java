package io.ringkv.storage;

/**
 * Decides, during compaction, whether an entry is dead and may be dropped (e.g. its TTL has
 * passed). Supplied by the layer that owns the value format; the engine never parses values.
 */
@FunctionalInterface
public interface EntryFilter {
    EntryFilter KEEP_ALL = (key, value) -> false;

    boolean shouldDrop(byte[] key, byte[] value);
}
