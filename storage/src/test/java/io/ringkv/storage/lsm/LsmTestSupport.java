package io.ringkv.storage.lsm;

/** Option presets for tests: tiny memtables and files so flushes and compactions happen often. */
final class LsmTestSupport {
    private LsmTestSupport() {}

    static LsmOptions.Builder small() {
        return LsmOptions.builder()
                .fsyncMode(FsyncMode.NO)
                .memtableBytesMax(32 << 10)
                .blockCacheBytes(1 << 20)
                .blockBytes(1024)
                .targetFileBytes(16 << 10)
                .levelBaseBytes(64 << 10)
                .levelMultiplier(4)
                .l0CompactionTrigger(2)
                .l0SlowdownTrigger(6)
                .l0StopTrigger(10);
    }
}
