package io.ringkv.ring.replica;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringkv.common.ManualClock;
import io.ringkv.ring.NodeId;
import io.ringkv.ring.Record;
import io.ringkv.ring.partition.Partitioner;
import io.ringkv.ring.partition.StorageKeys;
import io.ringkv.ring.version.Siblings;
import io.ringkv.ring.version.Version;
import io.ringkv.ring.version.VersionVector;
import io.ringkv.storage.memory.MemoryEngine;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ReplicaStoreTest {
    private static final NodeId A = new NodeId("a");
    private static final NodeId B = new NodeId("b");
    private final ManualClock clock = new ManualClock(1_000_000);
    private final MemoryEngine engine = new MemoryEngine();
    private final Partitioner partitioner = new Partitioner(16);
    private final ReplicaStore store = new ReplicaStore(engine, partitioner, clock, new SplittableRandom(1), 16, 3, 5);

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private Record value(String v) {
        return Record.string(b(v), clock.currentTimeMillis(), 0);
    }

    private static List<String> values(Siblings s) {
        List<String> out = new ArrayList<>();
        for (Version v : s.versions()) {
            out.add(v.record().isTombstone() ? "<tombstone>" : new String(v.record().payload(), StandardCharsets.UTF_8));
        }
        return out;
    }

    @Test
    void neverWrittenKeyReadsAsAnEmptySet() {
        assertThat(store.read(b("k")).isEmpty()).isTrue();
        assertThat(store.read(b("k")).clock().isEmpty()).isTrue();
    }

    @Test
    void concurrentVersionsFromTwoCoordinatorsAreKeptAsSiblings() {
        store.coordinate(b("k"), s -> s.update(A, s.clock(), value("x")));
        Siblings fromB = Siblings.empty().update(B, VersionVector.empty(), value("y"));
        Siblings merged = store.merge(b("k"), fromB);
        assertThat(values(merged)).containsExactlyInAnyOrder("x", "y");
        assertThat(store.size()).isEqualTo(1);
    }

    @Test
    void aWriteThatSawTheVersionReplacesIt() {
        Siblings first = store.coordinate(b("k"), s -> s.update(A, s.clock(), value("x")));
        Siblings second = first.update(B, first.clock(), value("y"));
        assertThat(values(store.merge(b("k"), second))).containsExactly("y");
        // The older set arriving again (a slow replica, repair) changes nothing.
        assertThat(values(store.merge(b("k"), first))).containsExactly("y");
    }

    @Test
    void keysAreCountedPerPartitionWhileTheyHoldAValue() {
        store.coordinate(b("k1"), s -> s.update(A, s.clock(), value("x")));
        store.coordinate(b("k2"), s -> s.update(A, s.clock(), value("x")));
        assertThat(store.size()).isEqualTo(2);
        assertThat(store.partitionSize(partitioner.partitionOf(b("k1")))).isGreaterThanOrEqualTo(1);
        store.coordinate(b("k1"), s -> s.update(A, s.clock(), Record.tombstone(clock.currentTimeMillis())));
        assertThat(store.size()).isEqualTo(1);
    }

    @Test
    void expiredVersionsBecomeTombstonesUnderTheSameDotSoOldCopiesCannotReturn() {
        Siblings old = store.coordinate(b("k"), s -> s.update(A, s.clock(), value("old")));
        Siblings ttl = store.coordinate(b("k"), s -> s.update(A, s.clock(), Record.string(b("ttl"), clock.currentTimeMillis(), clock.currentTimeMillis() + 100)));
        assertThat(store.keysWithExpiry()).isEqualTo(1);
        clock.advanceMillis(200);
        assertThat(store.activeExpireCycle(100)).isEqualTo(1);
        Siblings after = store.read(b("k"));
        assertThat(values(after)).containsExactly("<tombstone>");
        assertThat(after.versions().get(0).dot()).isEqualTo(ttl.versions().get(0).dot());
        assertThat(store.size()).isZero();
        assertThat(store.keysWithExpiry()).isZero();
        assertThat(values(store.merge(b("k"), old))).containsExactly("<tombstone>");
    }

    @Test
    void flushDropsEverythingAndIgnoresVersionsFromBeforeIt() {
        Siblings before = store.coordinate(b("k"), s -> s.update(A, s.clock(), value("before")));
        clock.advanceMillis(10);
        store.flush(clock.currentTimeMillis());
        assertThat(store.size()).isZero();
        assertThat(store.merge(b("k"), before).versions()).isEmpty();
        Siblings after = Siblings.empty().update(B, VersionVector.empty(), value("after"));
        assertThat(values(store.merge(b("k"), after))).containsExactly("after");
    }

    @Test
    void flushTimeSurvivesReopeningTheEngine() {
        clock.advanceMillis(10);
        store.flush(clock.currentTimeMillis());
        ReplicaStore reopened = new ReplicaStore(engine, partitioner, clock, new SplittableRandom(1), 16, 3, 5);
        assertThat(reopened.flushTimeMillis()).isEqualTo(clock.currentTimeMillis());
        assertThat(reopened.size()).isZero();
    }

    @Test
    void siblingsBeyondTheBoundAreDroppedOldestFirst() {
        for (int i = 0; i < 8; i++) {
            clock.advanceMillis(1);
            NodeId writer = new NodeId("w" + i);
            store.merge(b("k"), Siblings.empty().update(writer, VersionVector.empty(), value("v" + i)));
        }
        assertThat(values(store.read(b("k")))).hasSize(5).contains("v7").doesNotContain("v0");
        assertThat(store.counters().get("siblings_capped")).isPositive();
    }

    @Test
    void partitionScanReturnsOnlyLiveKeysOfThatPartitionMatchingThePattern() {
        for (int i = 0; i < 200; i++) {
            byte[] k = b("key:" + i);
            store.coordinate(k, s -> s.update(A, s.clock(), value("x")));
        }
        store.coordinate(b("key:7"), s -> s.update(A, s.clock(), Record.tombstone(clock.currentTimeMillis())));
        int total = 0;
        for (int p = 0; p < partitioner.partitionCount(); p++) {
            long token = partitioner.firstToken(p);
            while (true) {
                ReplicaStore.PartitionPage page = store.scanPartition(p, token, 5, b("key:*"), null);
                for (byte[] k : page.keys()) {
                    assertThat(partitioner.partitionOf(k)).isEqualTo(p);
                    assertThat(new String(k, StandardCharsets.UTF_8)).isNotEqualTo("key:7");
                }
                total += page.keys().size();
                if (page.done()) {
                    break;
                }
                token = page.nextToken();
            }
        }
        assertThat(total).isEqualTo(199);
        assertThat(store.scanPartition(0, 0, 1000, b("nomatch*"), null).keys()).isEmpty();
    }

    @Test
    void compactionFilterDropsOnlyDeadSetsPastTheGrace() {
        var filter = ReplicaStore.compactionFilter(clock, 1000);
        Siblings live = Siblings.empty().update(A, VersionVector.empty(), value("x"));
        Siblings dead = Siblings.empty().update(A, VersionVector.empty(), Record.tombstone(clock.currentTimeMillis()));
        byte[] key = StorageKeys.encode(b("k"));
        assertThat(filter.shouldDrop(key, live.encode())).isFalse();
        assertThat(filter.shouldDrop(key, dead.encode())).isFalse();
        clock.advanceMillis(2000);
        assertThat(filter.shouldDrop(key, dead.encode())).isTrue();
        assertThat(filter.shouldDrop(key, live.encode())).isFalse();
    }

    @Test
    void dotEpochIsKeptAcrossReopeningAndRenewedByAFlushOrAnEmptyDisk() {
        long epoch = store.dotEpoch();
        assertThat(new ReplicaStore(engine, partitioner, clock, new SplittableRandom(2), 16, 3, 5).dotEpoch()).isEqualTo(epoch);
        store.flush(clock.currentTimeMillis());
        assertThat(store.dotEpoch()).isNotEqualTo(epoch);
        ReplicaStore onEmptyDisk = new ReplicaStore(new MemoryEngine(), partitioner, clock, new SplittableRandom(1), 16, 3, 5);
        assertThat(onEmptyDisk.dotEpoch()).isPositive();
    }

    @Test
    void randomKeyFindsALiveKeyOrNothing() {
        assertThat(store.randomKey()).isNull();
        store.coordinate(b("only"), s -> s.update(A, s.clock(), value("x")));
        assertThat(store.randomKey()).isEqualTo(b("only"));
    }

    @Test
    void compactionFilterKeepsDeadSetsUntilAFullRepairOfTheirPartitionCoversThem() {
        var filter = ReplicaStore.compactionFilter(clock, 1000, partitioner, store::lastFullRepairMillis);
        long deletedAt = clock.currentTimeMillis();
        Siblings dead = Siblings.empty().update(A, VersionVector.empty(), Record.tombstone(deletedAt));
        byte[] key = StorageKeys.encode(b("k"));
        int partition = partitioner.partitionOf(b("k"));
        clock.advanceMillis(5000);
        assertThat(filter.shouldDrop(key, dead.encode())).as("past the grace, never fully repaired").isFalse();

        store.recordFullRepair(partition, deletedAt);
        assertThat(filter.shouldDrop(key, dead.encode())).as("repair started at the deletion itself").isFalse();
        store.recordFullRepair(partition, deletedAt + 1);
        assertThat(filter.shouldDrop(key, dead.encode())).isTrue();
        store.recordFullRepair(partition, 5);
        assertThat(store.lastFullRepairMillis(partition)).as("never moves back").isEqualTo(deletedAt + 1);
        assertThat(new ReplicaStore(engine, partitioner, clock, new SplittableRandom(2), 16, 3, 5).lastFullRepairMillis(partition))
                .as("persisted").isEqualTo(deletedAt + 1);
        assertThat(store.scanPartition(partition, 0, 100, null, null).keys()).as("the meta key is no user key").isEmpty();
    }

    @Test
    void changeListenersSeeEveryStoredChangeWithItsBeforeAndAfter() {
        List<String> seen = new ArrayList<>();
        store.addChangeListener(new ReplicaStore.ChangeListener() {
            @Override
            public void changed(long token, byte[] key, Siblings before, Siblings after) {
                assertThat(token).isEqualTo(Partitioner.token(key));
                seen.add(new String(key, StandardCharsets.UTF_8) + ":" + (before == null ? "-" : values(before)) + "->" + values(after));
            }

            @Override
            public void cleared() {
                seen.add("cleared");
            }
        });
        store.coordinate(b("k"), s -> s.update(A, s.clock(), Record.string(b("v"), clock.currentTimeMillis(), clock.currentTimeMillis() + 10)));
        store.merge(b("k"), store.read(b("k"))); // no change: no call
        clock.advanceMillis(100);
        store.reclaimExpired(b("k"));
        store.flush(clock.currentTimeMillis());
        assertThat(seen).containsExactly("k:-->[v]", "k:[v]->[<tombstone>]", "cleared");
    }

    @Test
    void reclaimingAnExpiredValueNeverHidesANewerConcurrentWrite() {
        // Found by ResilienceSimulationTest: the reclaimed tombstone was stamped at the deadline,
        // later than a newer concurrent write, and won last-write-wins over it.
        byte[] key = "k".getBytes(StandardCharsets.US_ASCII);
        long t0 = clock.currentTimeMillis();
        Siblings expiring = Siblings.empty().update(new NodeId("a"), Siblings.empty().clock(),
                Record.string("old".getBytes(StandardCharsets.US_ASCII), t0, t0 + 1_000));
        Siblings newer = Siblings.empty().update(new NodeId("b"), Siblings.empty().clock(),
                Record.string("new".getBytes(StandardCharsets.US_ASCII), t0 + 100, Record.NO_EXPIRY));
        store.merge(key, expiring);
        store.merge(key, newer);
        clock.setMillis(t0 + 2_000);

        assertThat(store.reclaimExpired(key)).isFalse(); // the key still has a live value
        Version winner = store.read(key).winner(clock.currentTimeMillis());
        assertThat(new String(winner.record().payload(), StandardCharsets.US_ASCII)).isEqualTo("new");
        assertThat(store.read(key).versions()).anySatisfy(v -> {
            assertThat(v.record().isTombstone()).isTrue();
            assertThat(v.record().timestampMillis()).isEqualTo(t0);
        });
    }

    @Test
    void aReplicaWriteOfASetThatSupersedesTheStoredOneStoresTheReceivedBytesAsTheyAre() {
        Siblings first = store.coordinate(b("k"), s -> s.update(A, s.clock(), value("x")));
        Siblings second = first.update(A, first.clock(), value("y"));
        byte[] received = second.encode();
        assertThat(store.mergeEncoded(b("k"), received)).isEqualTo(second);
        assertThat(engine.get(StorageKeys.encode(b("k")))).isSameAs(received);
        // The older set again changes nothing, through either path.
        assertThat(values(store.mergeEncoded(b("k"), first.encode()))).containsExactly("y");
        assertThat(engine.get(StorageKeys.encode(b("k")))).isSameAs(received);
    }

    @Test
    void replicaReadsReturnTheStoredBytesAndConvertBareRecordsFromBeforeTheCluster() {
        assertThat(store.readEncoded(b("none"))).isEqualTo(Siblings.empty().encode());
        Siblings set = store.coordinate(b("k"), s -> s.update(A, s.clock(), value("x")));
        assertThat(store.readEncoded(b("k"))).isEqualTo(set.encode()).isSameAs(engine.get(StorageKeys.encode(b("k"))));
        engine.put(StorageKeys.encode(b("old")), value("legacy").encoded());
        assertThat(store.readEncoded(b("old"))).isEqualTo(store.read(b("old")).encode());
        assertThat(values(store.decode(store.readEncoded(b("old"))))).containsExactly("legacy");
    }
}
