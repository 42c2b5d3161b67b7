package io.ringkv.ring.sim;

import static io.ringkv.ring.sim.RepairCluster.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import io.ringkv.ring.repair.RepairResult;
import io.ringkv.ring.repair.RepairSettings;
import io.ringkv.ring.replica.ReplicaStore;
import io.ringkv.ring.version.Siblings;
import io.ringkv.ring.version.Version;
import io.ringkv.storage.EntryFilter;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Anti-entropy between bare replicas over the simulated network. */
class RepairExchangeTest {
    private static final int PARTITIONS = 16;
    private static final RepairSettings SETTINGS = RepairSettings.defaults().withLeafCount(256).withRepairIntervalMillis(0)
            .withRepairBytesPerSecond(Long.MAX_VALUE / 1_000_000);

    private static RepairCluster loaded(int nodes, int keys) {
        RepairCluster c = new RepairCluster(nodes, PARTITIONS, SETTINGS, 1);
        for (int i = 0; i < keys; i++) {
            c.writeEverywhere("key:" + i, "value-" + i);
        }
        c.buildTrees();
        return c;
    }

    private static long sum(List<RepairResult> results, java.util.function.ToLongFunction<RepairResult> f) {
        return results.stream().mapToLong(f).sum();
    }

    @Test
    void replicasInSyncExchangeOnlyRoots() {
        RepairCluster c = loaded(3, 2000);
        List<RepairResult> results = c.repairAll("n1");
        assertThat(results).hasSize(PARTITIONS).allMatch(r -> r.full() && r.keysDiffering() == 0);
        // Per partition and peer: one REPAIR_TREE request (10 bytes) and a 9-byte reply: the roots.
        assertThat(c.node("n1").messaging.bytes()).isEqualTo(PARTITIONS * 2 * (10 + 9));
    }

    @Test
    void divergentReplicasConvergeToIdenticalSets() {
        RepairCluster c = loaded(3, 2000);
        for (int i = 0; i < 20; i++) {
            c.node("n1").write("key:" + i, "updated-" + i);
            c.node("n2").write("new:" + i, "fresh-" + i);
            c.node("n3").delete("key:" + (100 + i));
            // Concurrent writes to one key on two replicas: siblings once repaired.
            c.node("n2").write("key:" + (200 + i), "left");
            c.node("n3").write("key:" + (200 + i), "right");
        }
        List<RepairResult> results = c.repairAll("n1");

        assertThat(results).allMatch(RepairResult::full);
        assertThat(c.node("n2").contents()).isEqualTo(c.node("n1").contents());
        assertThat(c.node("n3").contents()).isEqualTo(c.node("n1").contents());
        assertThat(c.node("n1").read("key:205").versions()).hasSize(2);
        assertThat(c.node("n3").read("key:105").winner(c.scheduler.nowMillis()).record().isTombstone()).isTrue();
        assertThat(sum(results, RepairResult::keysDiffering)).isGreaterThanOrEqualTo(100);
        // Trees agree too: a second repair finds nothing.
        assertThat(c.repairAll("n2")).allMatch(r -> r.keysDiffering() == 0 && r.full());
    }

    @Test
    void onlyTheDifferingKeysAreListedFetchedAndPushed() {
        RepairCluster c = loaded(2, 5000);
        for (int i = 0; i < 10; i++) {
            c.node("n2").write("key:" + (i * 397), "changed");
        }
        List<RepairResult> results = c.repairAll("n1");

        assertThat(sum(results, RepairResult::keysDiffering)).isEqualTo(10);
        // Each differing key: merged here (n1 learns) and nothing to push back.
        assertThat(sum(results, RepairResult::keysRepaired)).isEqualTo(10);
        // Listing differing leaves compares only a handful of keys per differing key.
        assertThat(sum(results, RepairResult::keysCompared)).isLessThan(10 * 5000 / (PARTITIONS * 256) + 10 * 4 + 10);
        assertThat(c.node("n2").contents()).isEqualTo(c.node("n1").contents());
    }

    @Test
    void aDeleteOnOneReplicaWinsOverTheOldValueInBothDirections() {
        RepairCluster c = loaded(2, 100);
        c.node("n2").delete("key:7");
        c.repairAll("n1");
        for (String n : List.of("n1", "n2")) {
            Version w = c.node(n).read("key:7").winner(c.scheduler.nowMillis());
            assertThat(w.record().isTombstone()).as(n).isTrue();
        }

        c.node("n1").delete("key:8");
        c.repairAll("n1"); // n1 pushes its tombstone
        assertThat(c.node("n2").read("key:8").winner(c.scheduler.nowMillis()).record().isTombstone()).isTrue();
        assertThat(c.node("n2").contents()).isEqualTo(c.node("n1").contents());
    }

    @Test
    void anExpiredValueNeverComesBackFromAReplicaThatHasNotReclaimedIt() {
        RepairCluster c = loaded(2, 100);
        long deadline = c.scheduler.nowMillis() + 1000;
        Siblings s = c.node("n1").write("ttl", "soon-gone", deadline);
        c.node("n2").store.merge(bytes("ttl"), s);
        c.scheduler.runUntil(deadline + 10);
        assertThat(c.node("n1").store.reclaimExpired(bytes("ttl"))).isTrue();
        // And a later write n2 misses, so the sets differ beyond the reclaim.
        c.node("n1").write("other", "x");

        c.repairAll("n1");
        c.repairAll("n2");

        long now = c.scheduler.nowMillis();
        Version onN1 = c.node("n1").read("ttl").versions().get(0);
        assertThat(onN1.record().isTombstone()).isTrue();
        assertThat(c.node("n2").read("ttl").winner(now)).isNull(); // expired there, never live
        // Pushing n2's unreclaimed set at n1 (what repair would do had they differed) keeps the tombstone.
        Siblings merged = c.node("n1").store.merge(bytes("ttl"), c.node("n2").read("ttl"));
        assertThat(merged.versions()).singleElement().satisfies(v -> assertThat(v.record().isTombstone()).isTrue());
        // And the reverse: n1's tombstone replaces n2's expired value.
        Siblings back = c.node("n2").store.merge(bytes("ttl"), merged);
        assertThat(back.versions()).singleElement().satisfies(v -> assertThat(v.record().isTombstone()).isTrue());
    }

    @Test
    void anExpiredValueAndItsReclaimedTombstoneDoNotCountAsADifference() {
        RepairCluster c = loaded(2, 100);
        long deadline = c.scheduler.nowMillis() + 1000;
        Siblings s = c.node("n1").write("ttl", "soon-gone", deadline);
        c.node("n2").store.merge(bytes("ttl"), s);
        c.scheduler.runUntil(deadline + 10);
        c.node("n1").store.reclaimExpired(bytes("ttl"));

        assertThat(c.repairAll("n1")).allMatch(r -> r.keysDiffering() == 0);
    }

    @Test
    void tombstonesAreReapedOnlyAfterAFullRepairAndRepairNeverResurrectsTheValue() {
        RepairCluster c = loaded(3, 200);
        long grace = 3_600_000;
        c.node("n1").delete("key:42");
        int partition = c.ring.partitioner().partitionOf(bytes("key:42"));
        ReplicaStore n1 = c.node("n1").store;
        EntryFilter filter = ReplicaStore.compactionFilter(c.scheduler.clock(), grace, c.ring.partitioner(), n1::lastFullRepairMillis);
        c.scheduler.runUntil(c.scheduler.nowMillis() + 2 * grace);
        assertThat(compact(c.node("n1"), filter)).as("no full repair yet: kept past the grace").isZero();

        RepairResult r = c.await(c.node("n1").repair.repair(partition));
        assertThat(r.full()).isTrue();
        assertThat(n1.lastFullRepairMillis(partition)).isGreaterThan(0);
        for (String n : List.of("n2", "n3")) {
            assertThat(c.node(n).read("key:42").winner(c.scheduler.nowMillis()).record().isTombstone()).isTrue();
        }
        assertThat(compact(c.node("n1"), filter)).as("reaped after the full repair").isEqualTo(1);
        assertThat(c.node("n1").read("key:42").isEmpty()).isTrue();

        // The other replicas still hold the tombstone; repairing with them never brings the value back.
        c.repairAll("n1");
        c.repairAll("n2");
        for (String n : List.of("n1", "n2", "n3")) {
            Version w = c.node(n).read("key:42").winner(c.scheduler.nowMillis());
            assertThat(w == null || w.record().isTombstone()).as(n).isTrue();
        }
    }

    /** What compaction with {@code filter} would drop, dropped; returns the count. */
    private static int compact(RepairCluster.Replica r, EntryFilter filter) {
        List<byte[]> dead = new java.util.ArrayList<>();
        r.store.scanStored(null, null, (skey, set) -> {
            if (filter.shouldDrop(skey, set.encode())) {
                dead.add(skey);
            }
            return true;
        });
        dead.forEach(r.engine::delete);
        return dead.size();
    }

    @Test
    void aRepairWithAReplicaDownIsPartialAndDoesNotAdvanceTheFullRepairTime() {
        RepairCluster c = loaded(3, 500);
        c.node("n2").write("key:1", "only-on-n2");
        c.network.crash(c.node("n3").id);

        List<RepairResult> results = c.repairAll("n1");

        assertThat(results).allMatch(r -> r.status().equals(RepairResult.PARTIAL) && !r.full()
                && r.peersFailed().equals(List.of(c.node("n3").id)));
        for (int p = 0; p < PARTITIONS; p++) {
            assertThat(c.node("n1").store.lastFullRepairMillis(p)).isZero();
        }
        assertThat(c.node("n1").contents()).isEqualTo(c.node("n2").contents());
    }

    @Test
    void aPartitionWhoseTreeIsStillBuildingIsSkipped() {
        RepairCluster c = new RepairCluster(2, PARTITIONS, SETTINGS, 1);
        c.writeEverywhere("k", "v");
        RepairResult r = c.await(c.node("n1").repair.repair(0));
        assertThat(r.status()).isEqualTo(RepairResult.BUILDING);
        assertThat(c.node("n1").repair.stats()).containsEntry("repair_trees_building", (long) PARTITIONS);
    }

    @Test
    void repairIsPacedToTheByteBudget() {
        RepairSettings slow = SETTINGS.withRepairBytesPerSecond(10_000);
        RepairCluster c = new RepairCluster(2, PARTITIONS, slow, 1);
        for (int i = 0; i < 1000; i++) {
            c.writeEverywhere("key:" + i, "v");
        }
        for (int i = 0; i < 200; i++) {
            c.node("n2").write("key:" + i, "changed-" + i);
        }
        c.buildTrees();
        long start = c.scheduler.nowMillis();
        List<RepairResult> results = c.repairAll("n1");
        long bytes = sum(results, RepairResult::bytesExchanged);
        long elapsed = c.scheduler.nowMillis() - start;

        assertThat(bytes).isGreaterThan(10_000);
        // The last message's bytes may be paid for after it went out.
        assertThat(elapsed).isGreaterThanOrEqualTo(bytes * 1000 / 10_000 - 2000);
        assertThat(c.node("n1").contents()).isEqualTo(c.node("n2").contents());
    }

    @Test
    void periodicRepairWalksThePartitionsAndConvergesTheReplicas() {
        RepairCluster c = new RepairCluster(2, PARTITIONS, SETTINGS.withRepairIntervalMillis(1000), 1);
        for (int i = 0; i < 300; i++) {
            c.writeEverywhere("key:" + i, "v");
            c.node("n" + (1 + i % 2)).write("div:" + i, "x");
        }
        c.replicas.values().forEach(r -> {
            r.trees.start(c.scheduler);
            r.repair.start();
        });
        c.scheduler.runUntil(c.scheduler.nowMillis() + PARTITIONS * 1000 + 5000);

        assertThat(c.node("n1").contents()).isEqualTo(c.node("n2").contents());
        assertThat(c.node("n1").repair.stats().get("repairs_completed")).isGreaterThanOrEqualTo(PARTITIONS);
        c.replicas.values().forEach(r -> {
            r.trees.stop();
            r.repair.stop();
        });
    }
}
