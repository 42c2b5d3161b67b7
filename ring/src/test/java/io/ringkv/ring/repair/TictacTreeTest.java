package io.ringkv.ring.repair;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringkv.common.ManualClock;
import io.ringkv.ring.NodeId;
import io.ringkv.ring.Record;
import io.ringkv.ring.partition.Partitioner;
import io.ringkv.ring.partition.StorageKeys;
import io.ringkv.ring.replica.ReplicaStore;
import io.ringkv.ring.version.Siblings;
import io.ringkv.ring.version.Version;
import io.ringkv.storage.memory.MemoryEngine;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class TictacTreeTest {
    private static final int PARTITIONS = 8;
    private static final RepairSettings SETTINGS = RepairSettings.defaults().withLeafCount(64);
    private static final NodeId[] WRITERS = {new NodeId("a"), new NodeId("b"), new NodeId("c")};

    private final Partitioner partitioner = new Partitioner(PARTITIONS);
    private final ManualClock clock = new ManualClock(1_000_000);

    private ReplicaStore newStore(MemoryEngine engine) {
        return new ReplicaStore(engine, partitioner, clock, new SplittableRandom(1), 16, 16, 64);
    }

    private static byte[] key(int i) {
        return ("key:" + i).getBytes(StandardCharsets.UTF_8);
    }

    /** Random writes, deletes, expiring writes, reclaims and merged concurrent versions. */
    private void randomOps(ReplicaStore store, Random random, int ops, Runnable between) {
        for (int i = 0; i < ops; i++) {
            byte[] k = key(random.nextInt(300));
            NodeId w = WRITERS[random.nextInt(WRITERS.length)];
            long now = clock.currentTimeMillis();
            byte[] value = key(i);
            int ttl = 1 + random.nextInt(50);
            switch (random.nextInt(5)) {
                case 0 -> store.coordinate(k, s -> s.update(w, s.clock(), Record.string(value, now, Record.NO_EXPIRY)));
                case 1 -> store.coordinate(k, s -> s.update(w, s.clock(), Record.tombstone(now)));
                case 2 -> store.coordinate(k, s -> s.update(w, s.clock(), Record.string(value, now, now + ttl)));
                case 3 -> store.reclaimExpired(k);
                default -> {
                    // A concurrent write from a replica that had seen nothing: a sibling.
                    Siblings other = Siblings.empty().update(new NodeId("x" + random.nextInt(3)), Siblings.empty().clock(),
                            Record.string(value, now, Record.NO_EXPIRY));
                    store.merge(k, other);
                }
            }
            clock.advanceMillis(random.nextInt(20));
            between.run();
        }
    }

    private static void assertSameTrees(RepairTrees a, RepairTrees b) {
        for (int p = 0; p < PARTITIONS; p++) {
            assertThat(a.root(p)).as("root of %d", p).isEqualTo(b.root(p));
            int[] all = new int[a.branchCount()];
            for (int i = 0; i < all.length; i++) {
                all[i] = i;
            }
            assertThat(a.leavesOf(p, all)).isEqualTo(b.leavesOf(p, all));
        }
    }

    @Test
    void incrementallyMaintainedTreesEqualTreesRebuiltFromScratch() {
        for (long seed = 1; seed <= 20; seed++) {
            ReplicaStore store = newStore(new MemoryEngine());
            RepairTrees incremental = new RepairTrees(store, partitioner, clock, SETTINGS);
            incremental.buildAll();
            // A second tree set built a few keys at a time while the writes go on.
            RepairTrees builtDuringWrites = new RepairTrees(store, partitioner, clock, SETTINGS);
            randomOps(store, new Random(seed), 2000, () -> builtDuringWrites.buildStep(3));
            builtDuringWrites.buildAll();

            RepairTrees fresh = new RepairTrees(store, partitioner, clock, SETTINGS);
            fresh.buildAll();
            assertSameTrees(incremental, fresh);
            assertSameTrees(builtDuringWrites, fresh);
            assertThat(fresh.root(0)).isNotZero();
        }
    }

    @Test
    void theTreeDependsOnTheFinalSetsNotOnTheOrderTheyArrived() {
        ReplicaStore source = newStore(new MemoryEngine());
        randomOps(source, new Random(3), 1500, () -> {});
        List<byte[][]> entries = new ArrayList<>();
        source.scanStored(null, null, (skey, set) -> {
            entries.add(new byte[][] {StorageKeys.userKey(skey), set.encode()});
            return true;
        });

        List<RepairTrees> trees = new ArrayList<>();
        for (long seed = 1; seed <= 3; seed++) {
            ReplicaStore copy = newStore(new MemoryEngine());
            RepairTrees t = new RepairTrees(copy, partitioner, clock, SETTINGS);
            t.buildAll();
            List<byte[][]> shuffled = new ArrayList<>(entries);
            Collections.shuffle(shuffled, new Random(seed));
            for (byte[][] e : shuffled) {
                copy.merge(e[0], Siblings.decode(e[1]));
            }
            trees.add(t);
        }
        assertSameTrees(trees.get(0), trees.get(1));
        assertSameTrees(trees.get(0), trees.get(2));
    }

    @Test
    void anExpiredValueAndTheTombstoneItIsReclaimedAsDigestAlike() {
        Siblings live = Siblings.empty().update(WRITERS[0], Siblings.empty().clock(), Record.string(key(1), 10, 500));
        Version v = live.versions().get(0);
        Siblings reclaimed = Siblings.of(live.clock(), List.of(new Version(v.dot(), Record.tombstone(10))));
        assertThat(TictacTree.versionDigest(reclaimed)).isEqualTo(TictacTree.versionDigest(live));

        Siblings otherValueSameDot = Siblings.of(live.clock(), List.of(new Version(v.dot(), Record.string(key(2), 10, 500))));
        assertThat(TictacTree.versionDigest(otherValueSameDot)).as("value bytes do not enter").isEqualTo(TictacTree.versionDigest(live));

        // An expiring value digests by its write time (what its reclaimed tombstone keeps), not its deadline.
        Siblings otherStamp = Siblings.empty().update(WRITERS[0], Siblings.empty().clock(), Record.string(key(1), 11, 500));
        assertThat(TictacTree.versionDigest(otherStamp)).isNotEqualTo(TictacTree.versionDigest(live));
        Siblings otherDot = Siblings.empty().update(WRITERS[1], Siblings.empty().clock(), Record.string(key(1), 10, 500));
        assertThat(TictacTree.versionDigest(otherDot)).isNotEqualTo(TictacTree.versionDigest(live));
        Siblings newerClock = live.update(WRITERS[1], Siblings.empty().clock(), Record.tombstone(20));
        assertThat(TictacTree.versionDigest(newerClock)).isNotEqualTo(TictacTree.versionDigest(live));
    }

    @Test
    void aLeafIsTheTokenRangeItsKeysFallIn() {
        RepairTrees trees = new RepairTrees(newStore(new MemoryEngine()), partitioner, clock, SETTINGS);
        Random random = new Random(5);
        for (int i = 0; i < 10_000; i++) {
            long token = random.nextLong();
            int p = partitioner.partitionOfToken(token);
            int leaf = trees.leafOf(token);
            byte[][] range = trees.leafRange(p, leaf);
            byte[] skey = StorageKeys.tokenStart(token);
            assertThat(java.util.Arrays.compareUnsigned(skey, range[0])).isGreaterThanOrEqualTo(0);
            if (range[1] != null) {
                assertThat(java.util.Arrays.compareUnsigned(skey, range[1])).isLessThan(0);
            }
        }
    }

    @Test
    void aLeafThatDriftedFromStorageIsHealedWhenAnExchangeListsIt() {
        MemoryEngine engine = new MemoryEngine();
        ReplicaStore store = newStore(engine);
        RepairTrees trees = new RepairTrees(store, partitioner, clock, SETTINGS);
        trees.buildAll();
        randomOps(store, new Random(9), 500, () -> {});
        // Compaction drops a set behind the listener's back.
        byte[] victim = key(7);
        store.coordinate(victim, s -> s.update(WRITERS[0], s.clock(), Record.tombstone(clock.currentTimeMillis())));
        long token = Partitioner.token(victim);
        engine.delete(StorageKeys.encode(token, victim));
        int p = partitioner.partitionOfToken(token);
        int[] leaves = {trees.leafOf(token)};

        int[] marks = trees.leafMarks(p, leaves);
        List<RepairTrees.KeyDigest> listing = trees.listLeaves(p, leaves, null, Integer.MAX_VALUE).entries();
        assertThat(trees.resync(p, leaves, marks, new long[] {RepairTrees.leafHash(listing)})).isEqualTo(1);

        RepairTrees fresh = new RepairTrees(store, partitioner, clock, SETTINGS);
        fresh.buildAll();
        assertSameTrees(trees, fresh);
    }

    @Test
    void flushEmptiesEveryTreeAndLeavesThemBuilt() {
        ReplicaStore store = newStore(new MemoryEngine());
        RepairTrees trees = new RepairTrees(store, partitioner, clock, SETTINGS);
        randomOps(store, new Random(2), 200, () -> trees.buildStep(5));
        store.flush(clock.currentTimeMillis());
        for (int p = 0; p < PARTITIONS; p++) {
            assertThat(trees.isBuilt(p)).isTrue();
            assertThat(trees.root(p)).isZero();
        }
        assertThat(trees.buildStep(1000)).isZero();
    }
}
