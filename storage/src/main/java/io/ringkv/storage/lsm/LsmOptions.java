package io.ringkv.storage.lsm;

import io.ringkv.common.Clock;
import io.ringkv.storage.fs.FileSystem;
import io.ringkv.storage.fs.NioFileSystem;

/**
 * Immutable configuration of an {@link LsmEngine}. Defaults follow RocksDB's where they have a
 * counterpart (64 MiB memtable and target file, 256 MiB level base, multiplier 10, level-0
 * triggers 4/20/36).
 */
public final class LsmOptions {
    private final FsyncMode fsyncMode;
    private final long memtableBytesMax;
    private final long blockCacheBytes;
    private final int bloomBitsPerKey;
    private final int blockBytes;
    private final long targetFileBytes;
    private final long levelBaseBytes;
    private final int levelMultiplier;
    private final int l0CompactionTrigger;
    private final int l0SlowdownTrigger;
    private final int l0StopTrigger;
    private final long pendingCompactionBytesStop;
    private final boolean compression;
    private final int compactionThreads;
    private final FileSystem fileSystem;
    private final Clock clock;

    private LsmOptions(Builder b) {
        this.fsyncMode = b.fsyncMode;
        this.memtableBytesMax = b.memtableBytesMax;
        this.blockCacheBytes = b.blockCacheBytes;
        this.bloomBitsPerKey = b.bloomBitsPerKey;
        this.blockBytes = b.blockBytes;
        this.targetFileBytes = b.targetFileBytes;
        this.levelBaseBytes = b.levelBaseBytes;
        this.levelMultiplier = b.levelMultiplier;
        this.l0CompactionTrigger = b.l0CompactionTrigger;
        this.l0SlowdownTrigger = b.l0SlowdownTrigger;
        this.l0StopTrigger = b.l0StopTrigger;
        this.pendingCompactionBytesStop = b.pendingCompactionBytesStop;
        this.compression = b.compression;
        this.compactionThreads = b.compactionThreads;
        this.fileSystem = b.fileSystem != null ? b.fileSystem : new NioFileSystem();
        this.clock = b.clock != null ? b.clock : Clock.system();
    }

    public static Builder builder() {
        return new Builder();
    }

    public static LsmOptions defaults() {
        return builder().build();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.fsyncMode = fsyncMode;
        b.memtableBytesMax = memtableBytesMax;
        b.blockCacheBytes = blockCacheBytes;
        b.bloomBitsPerKey = bloomBitsPerKey;
        b.blockBytes = blockBytes;
        b.targetFileBytes = targetFileBytes;
        b.levelBaseBytes = levelBaseBytes;
        b.levelMultiplier = levelMultiplier;
        b.l0CompactionTrigger = l0CompactionTrigger;
        b.l0SlowdownTrigger = l0SlowdownTrigger;
        b.l0StopTrigger = l0StopTrigger;
        b.pendingCompactionBytesStop = pendingCompactionBytesStop;
        b.compression = compression;
        b.compactionThreads = compactionThreads;
        b.fileSystem = fileSystem;
        b.clock = clock;
        return b;
    }

    public FsyncMode fsyncMode() { return fsyncMode; }
    public long memtableBytesMax() { return memtableBytesMax; }
    public long blockCacheBytes() { return blockCacheBytes; }
    public int bloomBitsPerKey() { return bloomBitsPerKey; }
    public int blockBytes() { return blockBytes; }
    public long targetFileBytes() { return targetFileBytes; }
    public long levelBaseBytes() { return levelBaseBytes; }
    public int levelMultiplier() { return levelMultiplier; }
    public int l0CompactionTrigger() { return l0CompactionTrigger; }
    public int l0SlowdownTrigger() { return l0SlowdownTrigger; }
    public int l0StopTrigger() { return l0StopTrigger; }
    public long pendingCompactionBytesStop() { return pendingCompactionBytesStop; }
    public boolean compression() { return compression; }
    /** Requested compaction threads. The engine currently runs one compaction at a time (see LsmEngine). */
    public int compactionThreads() { return compactionThreads; }
    public FileSystem fileSystem() { return fileSystem; }
    public Clock clock() { return clock; }

    /** Mutable builder; {@link #build()} validates the bounds. */
    public static final class Builder {
        private FsyncMode fsyncMode = FsyncMode.EVERYSEC;
        private long memtableBytesMax = 64L << 20;
        private long blockCacheBytes = 128L << 20;
        private int bloomBitsPerKey = 10;
        private int blockBytes = 4096;
        private long targetFileBytes = 64L << 20;
        private long levelBaseBytes = 256L << 20;
        private int levelMultiplier = 10;
        private int l0CompactionTrigger = 4;
        private int l0SlowdownTrigger = 20;
        private int l0StopTrigger = 36;
        private long pendingCompactionBytesStop = 64L << 30;
        private boolean compression = true;
        private int compactionThreads = 1;
        private FileSystem fileSystem;
        private Clock clock;

        public Builder fsyncMode(FsyncMode v) { fsyncMode = v; return this; }
        public Builder memtableBytesMax(long v) { memtableBytesMax = v; return this; }
        public Builder blockCacheBytes(long v) { blockCacheBytes = v; return this; }
        public Builder bloomBitsPerKey(int v) { bloomBitsPerKey = v; return this; }
        public Builder blockBytes(int v) { blockBytes = v; return this; }
        public Builder targetFileBytes(long v) { targetFileBytes = v; return this; }
        public Builder levelBaseBytes(long v) { levelBaseBytes = v; return this; }
        public Builder levelMultiplier(int v) { levelMultiplier = v; return this; }
        public Builder l0CompactionTrigger(int v) { l0CompactionTrigger = v; return this; }
        public Builder l0SlowdownTrigger(int v) { l0SlowdownTrigger = v; return this; }
        public Builder l0StopTrigger(int v) { l0StopTrigger = v; return this; }
        public Builder pendingCompactionBytesStop(long v) { pendingCompactionBytesStop = v; return this; }
        public Builder compression(boolean v) { compression = v; return this; }
        public Builder compactionThreads(int v) { compactionThreads = v; return this; }
        public Builder fileSystem(FileSystem v) { fileSystem = v; return this; }
        public Builder clock(Clock v) { clock = v; return this; }

        public LsmOptions build() {
            if (fsyncMode == null) {
                throw new IllegalArgumentException("fsyncMode is required");
            }
            check(memtableBytesMax >= 4096, "memtableBytesMax >= 4096");
            check(blockCacheBytes >= 0, "blockCacheBytes >= 0");
            check(bloomBitsPerKey >= 1 && bloomBitsPerKey <= 64, "bloomBitsPerKey in [1, 64]");
            check(blockBytes >= 256 && blockBytes <= (16 << 20), "blockBytes in [256, 16 MiB]");
            check(targetFileBytes >= 4096, "targetFileBytes >= 4096");
            check(levelBaseBytes >= 4096, "levelBaseBytes >= 4096");
            check(levelMultiplier >= 2, "levelMultiplier >= 2");
            check(l0CompactionTrigger >= 1, "l0CompactionTrigger >= 1");
            check(l0SlowdownTrigger >= l0CompactionTrigger, "l0SlowdownTrigger >= l0CompactionTrigger");
            check(l0StopTrigger >= l0SlowdownTrigger, "l0StopTrigger >= l0SlowdownTrigger");
            check(pendingCompactionBytesStop > 0, "pendingCompactionBytesStop > 0");
            check(compactionThreads >= 1, "compactionThreads >= 1");
            return new LsmOptions(this);
        }

        private static void check(boolean ok, String what) {
            if (!ok) {
                throw new IllegalArgumentException("invalid LSM option: " + what);
            }
        }
    }
}
