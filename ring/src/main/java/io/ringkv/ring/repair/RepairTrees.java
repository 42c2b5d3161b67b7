package io.ringkv.ring.repair;

import io.ringkv.common.Clock;
import io.ringkv.common.Scheduler;
import io.ringkv.ring.partition.Partitioner;
import io.ringkv.ring.partition.StorageKeys;
import io.ringkv.ring.replica.ReplicaStore;
import io.ringkv.ring.version.Siblings;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * This node's anti-entropy trees, one {@link TictacTree} per partition, kept in step with the
 * {@link ReplicaStore} as a {@link ReplicaStore.ChangeListener}: every stored change XORs the
 * key's old and new contributions into its leaf (O(1), under the key's lock, no allocation
 * beyond the digest walk).
 *
 * <p><b>Building.</b> Trees live in memory only (not persisted: a build scans the engine
 * once, which is what persisting would have to verify anyway after a crash). At start-up
 * every partition is built by a throttled scan ({@code treeBuildKeysPerSecond}) in batches of
 * at most {@link #BUILD_BATCH_KEYS_MAX} keys; until its first build completes a partition is
 * "building" and exchanges skip it. Every {@code treeRebuildIntervalMillis} a partition is
 * rebuilt into a fresh tree while the old one keeps serving, then swapped in, which bounds the
 * drift from changes no listener sees (compaction dropping reaped sets).
 *
 * <p>A batch runs {@link ReplicaStore#quiesced quiesced}: no change is in progress while it
 * reads its keys, so the tree being built holds exactly the state of every key up to the
 * batch's last key (the cursor). Changes to keys up to the cursor are applied to it as to the
 * live tree; changes beyond it are left to the batch that will read them. Writers therefore
 * stall for one batch (about a millisecond) at a time.
 *
 * <p><b>Self-healing.</b> An exchange lists the keys of the leaves it compares; the leaf
 * hashes recomputed from that listing replace the tree's when no change touched those leaves
 * meanwhile ({@link #leafMarks}, {@link #resync}): drift is repaired where it shows.
 *
 * <p>Thread-safe: each partition's state is guarded by its own monitor, always taken after
 * key locks (never the other way round).
 */
public final class RepairTrees implements ReplicaStore.ChangeListener {
    /** Keys one build batch reads while writers wait. */
    static final int BUILD_BATCH_KEYS_MAX = 1024;
    /** The throttled build runs this often, each time with a tenth of a second's key budget. */
    static final long BUILD_TICK_MILLIS = 100;

    private final ReplicaStore store;
    private final Partitioner partitioner;
    private final Clock clock;
    private final RepairSettings settings;
    private final Part[] parts;
    private final LongAdder keysScanned = new LongAdder();
    private final LongAdder treesCompleted = new LongAdder();
    private final LongAdder leavesResynced = new LongAdder();
    private int nextBuildPartition;
    private volatile boolean stopped;

    /** One partition's trees; every field guarded by the object's monitor. */
    private static final class Part {
        /** The tree exchanges use; null until the first build completes. */
        TictacTree live;
        long builtAtMillis;
        /** The tree under construction (first build or rebuild), or null. */
        TictacTree building;
        /** The last storage key read into {@link #building}; null before the first batch. */
        byte[] cursor;
    }

    /** Registers itself as a change listener of {@code store}; call {@link #start} (or {@link #buildStep}) to build. */
    public RepairTrees(ReplicaStore store, Partitioner partitioner, Clock clock, RepairSettings settings) {
        this.store = store;
        this.partitioner = partitioner;
        this.clock = clock;
        this.settings = settings;
        this.parts = new Part[partitioner.partitionCount()];
        for (int i = 0; i < parts.length; i++) {
            parts[i] = new Part();
        }
        store.addChangeListener(this);
    }

    public int leafCount() {
        return settings.leafCount();
    }

    public Partitioner partitioner() {
        return partitioner;
    }

    public int leafOf(long token) {
        return TictacTree.leafOf(token, partitioner.partitionCount(), settings.leafCount());
    }

    @Override
    public void changed(long token, byte[] key, Siblings before, Siblings after) {
        Part part = parts[partitioner.partitionOfToken(token)];
        long keyHash = TictacTree.keyHash(key);
        long delta = contribution(keyHash, before) ^ contribution(keyHash, after);
        int leaf = leafOf(token);
        synchronized (part) {
            if (part.live != null) {
                part.live.apply(leaf, delta);
            }
            if (part.building != null && part.cursor != null && compare(token, key, part.cursor) <= 0) {
                part.building.apply(leaf, delta);
            }
        }
    }

    private static long contribution(long keyHash, Siblings set) {
        if (set == null || (set.isEmpty() && set.clock().isEmpty())) {
            return 0;
        }
        return TictacTree.contribution(keyHash, TictacTree.versionDigest(set));
    }

    /** Orders (token, key) as the storage key token||key would be ordered, without building it. */
    private static int compare(long token, byte[] key, byte[] storageKey) {
        int c = Long.compareUnsigned(token, StorageKeys.token(storageKey));
        if (c != 0) {
            return c;
        }
        return Arrays.compareUnsigned(key, 0, key.length, storageKey, StorageKeys.TOKEN_BYTES, storageKey.length);
    }

    @Override
    public void cleared() {
        // Called with every key lock held, so no build batch is running: the engine is empty,
        // and so is every tree, which is therefore built.
        long now = clock.currentTimeMillis();
        for (Part part : parts) {
            synchronized (part) {
                part.live = new TictacTree(settings.leafCount());
                part.builtAtMillis = now;
                part.building = null;
                part.cursor = null;
            }
        }
    }

    /** Whether {@code partition}'s tree is built, so exchanges may use it. */
    public boolean isBuilt(int partition) {
        Part part = parts[partition];
        synchronized (part) {
            return part.live != null;
        }
    }

    /** The root hash, or null when the tree is not built. */
    public Long root(int partition) {
        Part part = parts[partition];
        synchronized (part) {
            return part.live == null ? null : part.live.root();
        }
    }

    /** Every branch hash, or null when the tree is not built. */
    public long[] branches(int partition) {
        Part part = parts[partition];
        synchronized (part) {
            if (part.live == null) {
                return null;
            }
            long[] out = new long[part.live.branchCount()];
            for (int i = 0; i < out.length; i++) {
                out[i] = part.live.branch(i);
            }
            return out;
        }
    }

    /** The leaf hashes of the given branches, branch after branch; null when not built. */
    public long[] leavesOf(int partition, int[] branches) {
        Part part = parts[partition];
        synchronized (part) {
            if (part.live == null) {
                return null;
            }
            int per = part.live.leavesPerBranch();
            long[] out = new long[branches.length * per];
            for (int b = 0; b < branches.length; b++) {
                for (int i = 0; i < per; i++) {
                    out[b * per + i] = part.live.leaf(branches[b] * per + i);
                }
            }
            return out;
        }
    }

    public int branchCount() {
        return settings.leafCount() >>> (Integer.numberOfTrailingZeros(settings.leafCount()) / 2);
    }

    public int leavesPerBranch() {
        return 1 << (Integer.numberOfTrailingZeros(settings.leafCount()) / 2);
    }

    /** The storage-key range [from, to) of a leaf; {@code to} is null for the last leaf of the last partition. */
    public byte[][] leafRange(int partition, int leaf) {
        int q = partitioner.partitionCount();
        long first = partitioner.firstToken(partition);
        byte[] from = StorageKeys.tokenStart(TictacTree.leafFirstToken(first, q, leaf, settings.leafCount()));
        byte[] to;
        if (leaf + 1 < settings.leafCount()) {
            to = StorageKeys.tokenStart(TictacTree.leafFirstToken(first, q, leaf + 1, settings.leafCount()));
        } else {
            to = StorageKeys.partitionEnd(partitioner, partition);
        }
        return new byte[][] {from, to};
    }

    /**
     * The change counters of some leaves, read before scanning them; hand them to
     * {@link #resync} with the hashes the scan computed. Null when the tree is not built.
     */
    public int[] leafMarks(int partition, int[] leaves) {
        Part part = parts[partition];
        synchronized (part) {
            if (part.live == null) {
                return null;
            }
            int[] marks = new int[leaves.length];
            for (int i = 0; i < leaves.length; i++) {
                marks[i] = part.live.leafChanges(leaves[i]);
            }
            return marks;
        }
    }

    /**
     * Installs leaf hashes recomputed from a scan begun after {@link #leafMarks}, for every
     * leaf no change touched since (checked quiesced, so a change stored during the scan but
     * not yet announced cannot slip through). Returns the leaves whose hash was wrong.
     */
    public int resync(int partition, int[] leaves, int[] marks, long[] hashes) {
        Part part = parts[partition];
        int[] fixed = {0};
        store.quiesced(() -> {
            synchronized (part) {
                if (part.live == null) {
                    return;
                }
                for (int i = 0; i < leaves.length; i++) {
                    if (part.live.leafChanges(leaves[i]) == marks[i] && part.live.leaf(leaves[i]) != hashes[i]) {
                        part.live.setLeaf(leaves[i], hashes[i]);
                        fixed[0]++;
                    }
                }
            }
        });
        leavesResynced.add(fixed[0]);
        return fixed[0];
    }

    /**
     * Does up to {@code keysMax} keys of building work: the next unbuilt partition first, then
     * rebuilds that are due. Returns the keys read; 0 when there is nothing to do.
     */
    public int buildStep(int keysMax) {
        return buildStep(keysMax, true);
    }

    private int buildStep(int keysMax, boolean rebuilds) {
        int done = 0;
        while (done < keysMax) {
            int p = nextPartitionToBuild(rebuilds);
            if (p < 0) {
                break;
            }
            done += buildBatch(p, Math.min(BUILD_BATCH_KEYS_MAX, keysMax - done));
        }
        return done;
    }

    /** Builds every tree not built yet, without throttling (tests; an idle start-up). */
    public void buildAll() {
        while (buildStep(Integer.MAX_VALUE, false) > 0) {
            // each step reads at least one key or finishes a partition
        }
    }

    /** The partition being built, else the first unbuilt one, else the stalest due for a rebuild; -1 if none. */
    private synchronized int nextPartitionToBuild(boolean rebuilds) {
        long now = clock.currentTimeMillis();
        for (int i = 0; i < parts.length; i++) {
            int p = (nextBuildPartition + i) % parts.length;
            Part part = parts[p];
            synchronized (part) {
                boolean due = rebuilds && now - part.builtAtMillis >= settings.treeRebuildIntervalMillis();
                if (part.building != null || part.live == null || due) {
                    nextBuildPartition = p;
                    return p;
                }
            }
        }
        return -1;
    }

    /**
     * Reads up to {@code keysMax} keys of {@code partition} into its tree under construction,
     * quiesced; swaps the tree in when the partition is done. Returns keys read, at least 1 so
     * that an empty partition counts as work done.
     */
    private int buildBatch(int partition, int keysMax) {
        Part part = parts[partition];
        int[] read = {0};
        byte[] end = StorageKeys.partitionEnd(partitioner, partition);
        store.quiesced(() -> {
            synchronized (part) {
                if (part.building == null) {
                    part.building = new TictacTree(settings.leafCount());
                    part.cursor = null;
                }
                TictacTree tree = part.building;
                byte[] from = part.cursor == null ? StorageKeys.tokenStart(partitioner.firstToken(partition)) : successor(part.cursor);
                boolean[] more = {false};
                store.scanStored(from, end, (skey, set) -> {
                    if (read[0] == keysMax) {
                        more[0] = true;
                        return false;
                    }
                    long token = StorageKeys.token(skey);
                    long keyHash = TictacTree.keyHash(Arrays.copyOfRange(skey, StorageKeys.TOKEN_BYTES, skey.length));
                    tree.apply(leafOf(token), contribution(keyHash, set));
                    part.cursor = skey;
                    read[0]++;
                    return true;
                });
                if (!more[0]) {
                    part.live = tree;
                    part.builtAtMillis = clock.currentTimeMillis();
                    part.building = null;
                    part.cursor = null;
                    treesCompleted.increment();
                }
            }
        });
        keysScanned.add(read[0]);
        return Math.max(1, read[0]);
    }

    /** The smallest storage key after {@code key}. */
    private static byte[] successor(byte[] key) {
        return Arrays.copyOf(key, key.length + 1);
    }

    /** Starts the throttled build and rebuild loop on {@code scheduler}. */
    public void start(Scheduler scheduler) {
        long budget = Math.max(1, settings.treeBuildKeysPerSecond() * BUILD_TICK_MILLIS / 1000);
        scheduler.schedule(0, new Runnable() {
            @Override
            public void run() {
                if (stopped) {
                    return;
                }
                buildStep((int) Math.min(Integer.MAX_VALUE, budget));
                scheduler.schedule(BUILD_TICK_MILLIS, this);
            }
        });
    }

    public void stop() {
        stopped = true;
    }

    /** For INFO ring: trees built and building, keys scanned by builds, leaves healed by exchanges. */
    public Map<String, Long> stats() {
        long built = 0;
        long building = 0;
        for (Part part : parts) {
            synchronized (part) {
                if (part.live != null) {
                    built++;
                } else {
                    building++;
                }
            }
        }
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("repair_trees_built", built);
        m.put("repair_trees_building", building);
        m.put("repair_tree_keys_scanned", keysScanned.sum());
        m.put("repair_tree_builds_completed", treesCompleted.sum());
        m.put("repair_tree_leaves_resynced", leavesResynced.sum());
        return m;
    }

    /** One key of a leaf listing: the user key, its token and its version digest. */
    public record KeyDigest(byte[] key, long token, long digest) {}

    /**
     * Lists the keys of some leaves (ascending) from storage, without locks, starting after
     * storage key {@code after} (null = from the first leaf's start), stopping once the listed
     * keys and digests reach {@code bytesMax}. Returns the entries and, if it stopped early, the
     * storage key to resume after.
     */
    public LeafListing listLeaves(int partition, int[] leaves, byte[] after, int bytesMax) {
        List<KeyDigest> out = new ArrayList<>();
        int[] bytes = {0};
        byte[][] last = {null};
        boolean[] stopped = {false};
        for (int leaf : leaves) {
            byte[][] range = leafRange(partition, leaf);
            if (after != null && range[1] != null && Arrays.compareUnsigned(after, range[1]) >= 0) {
                continue;
            }
            byte[] from = after != null && Arrays.compareUnsigned(after, range[0]) >= 0 ? successor(after) : range[0];
            store.scanStored(from, range[1], (skey, set) -> {
                if (bytes[0] >= bytesMax) {
                    stopped[0] = true;
                    return false;
                }
                if (set.isEmpty() && set.clock().isEmpty()) {
                    return true; // holds nothing; the tree counts it as absent too
                }
                byte[] key = Arrays.copyOfRange(skey, StorageKeys.TOKEN_BYTES, skey.length);
                out.add(new KeyDigest(key, StorageKeys.token(skey), TictacTree.versionDigest(set)));
                // What the entry costs on the wire: length prefix, key, digest.
                bytes[0] += key.length + 2 + 8;
                last[0] = skey;
                return true;
            });
            if (stopped[0]) {
                break;
            }
        }
        return new LeafListing(out, stopped[0] ? last[0] : null);
    }

    /** A leaf listing and where to resume it (null when complete). */
    public record LeafListing(List<KeyDigest> entries, byte[] resumeAfter) {}

    /** The hash a leaf holding exactly {@code entries} (all of that leaf) has. */
    public static long leafHash(List<KeyDigest> entries) {
        long h = 0;
        for (KeyDigest e : entries) {
            h ^= TictacTree.contribution(TictacTree.keyHash(e.key()), e.digest());
        }
        return h;
    }

}
