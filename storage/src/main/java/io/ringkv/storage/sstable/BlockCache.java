package io.ringkv.storage.sstable;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.stats.CacheStats;
import java.util.function.Supplier;

/** Decoded data blocks keyed by (table file number, offset), bounded by bytes via a weigher. */
public final class BlockCache {
    private record Key(long fileNumber, long offset) {}

    private final Cache<Key, Block> cache;
    private final long capacityBytes;

    public BlockCache(long capacityBytes) {
        this.capacityBytes = capacityBytes;
        this.cache = Caffeine.newBuilder()
                .maximumWeight(Math.max(0, capacityBytes))
                .weigher((Key k, Block b) -> b.sizeBytes() + 96)
                // Run eviction on the calling thread: no dependence on the common pool.
                .executor(Runnable::run)
                .recordStats()
                .build();
    }

    public Block get(long fileNumber, long offset, boolean fillCache, Supplier<Block> loader) {
        Key k = new Key(fileNumber, offset);
        if (fillCache && capacityBytes > 0) {
            return cache.get(k, key -> loader.get());
        }
        Block b = cache.getIfPresent(k);
        return b != null ? b : loader.get();
    }

    public double hitRate() {
        CacheStats s = cache.stats();
        return s.requestCount() == 0 ? 0.0 : s.hitRate();
    }

    public long hits() {
        return cache.stats().hitCount();
    }

    public long misses() {
        return cache.stats().missCount();
    }

    public long usedBytes() {
        return cache.policy().eviction().map(e -> e.weightedSize().orElse(0L)).orElse(0L);
    }

    public long capacityBytes() {
        return capacityBytes;
    }
}
