package io.ringkv.ring.repair;

/**
 * The anti-entropy tunables, each a named config value (see {@link #defaults()}).
 *
 * @param leafCount leaves per partition tree, a power of two (memory: 8 bytes per leaf per
 *     partition, plus 4 for its change counter)
 * @param treeBuildKeysPerSecond keys per second the start-up build and the periodic rebuild
 *     may scan; a partition whose tree is not built yet is skipped by exchanges
 * @param treeRebuildIntervalMillis how often each partition's tree is rebuilt from storage,
 *     bounding any drift (entries dropped by compaction are not announced to the tree)
 * @param repairIntervalMillis how often one replicated partition (round robin) is repaired
 *     with its replicas; 0 turns periodic repair off (on-demand repair still works)
 * @param repairBytesPerSecond request and reply bytes per second one node's repairs may move
 * @param messageBytesMax soft bound on one repair message (a reply stops adding entries past it)
 * @param requestTimeoutMillis how long one repair request may take before the exchange with
 *     that peer counts as failed
 * @param clockSkewMarginMillis subtracted from a full repair's start time before it is
 *     recorded: tombstones stamped by a coordinator whose clock lags this node's by up to
 *     this much may still have been in flight when the repair started
 */
public record RepairSettings(int leafCount, long treeBuildKeysPerSecond, long treeRebuildIntervalMillis,
        long repairIntervalMillis, long repairBytesPerSecond, int messageBytesMax, long requestTimeoutMillis,
        long clockSkewMarginMillis) {
    public static final int LEAF_COUNT_DEFAULT = 1024;
    public static final long TREE_BUILD_KEYS_PER_SECOND_DEFAULT = 200_000;
    public static final long TREE_REBUILD_INTERVAL_MILLIS_DEFAULT = 24L * 3600 * 1000;
    public static final long REPAIR_INTERVAL_MILLIS_DEFAULT = 30_000;
    public static final long REPAIR_BYTES_PER_SECOND_DEFAULT = 16L * 1024 * 1024;
    public static final int MESSAGE_BYTES_MAX_DEFAULT = 1024 * 1024;
    public static final long REQUEST_TIMEOUT_MILLIS_DEFAULT = 10_000;
    public static final long CLOCK_SKEW_MARGIN_MILLIS_DEFAULT = 60_000;
    /** Smallest message bound: one key and its digest must always fit. */
    public static final int MESSAGE_BYTES_MAX_MIN = 4096;

    public RepairSettings {
        TictacTree.checkLeafCount(leafCount);
        if (treeBuildKeysPerSecond < 1 || treeRebuildIntervalMillis < 1 || repairIntervalMillis < 0 || repairBytesPerSecond < 1
                || messageBytesMax < MESSAGE_BYTES_MAX_MIN || requestTimeoutMillis < 1 || clockSkewMarginMillis < 0) {
            throw new IllegalArgumentException("invalid repair settings: " + this);
        }
    }

    public static RepairSettings defaults() {
        return new RepairSettings(LEAF_COUNT_DEFAULT, TREE_BUILD_KEYS_PER_SECOND_DEFAULT, TREE_REBUILD_INTERVAL_MILLIS_DEFAULT,
                REPAIR_INTERVAL_MILLIS_DEFAULT, REPAIR_BYTES_PER_SECOND_DEFAULT, MESSAGE_BYTES_MAX_DEFAULT,
                REQUEST_TIMEOUT_MILLIS_DEFAULT, CLOCK_SKEW_MARGIN_MILLIS_DEFAULT);
    }

    public RepairSettings withLeafCount(int value) {
        return new RepairSettings(value, treeBuildKeysPerSecond, treeRebuildIntervalMillis, repairIntervalMillis, repairBytesPerSecond,
                messageBytesMax, requestTimeoutMillis, clockSkewMarginMillis);
    }

    public RepairSettings withRepairIntervalMillis(long value) {
        return new RepairSettings(leafCount, treeBuildKeysPerSecond, treeRebuildIntervalMillis, value, repairBytesPerSecond,
                messageBytesMax, requestTimeoutMillis, clockSkewMarginMillis);
    }

    public RepairSettings withRepairBytesPerSecond(long value) {
        return new RepairSettings(leafCount, treeBuildKeysPerSecond, treeRebuildIntervalMillis, repairIntervalMillis, value,
                messageBytesMax, requestTimeoutMillis, clockSkewMarginMillis);
    }

    public RepairSettings withTreeBuildKeysPerSecond(long value) {
        return new RepairSettings(leafCount, value, treeRebuildIntervalMillis, repairIntervalMillis, repairBytesPerSecond,
                messageBytesMax, requestTimeoutMillis, clockSkewMarginMillis);
    }
}
