package io.ringkv.ring.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringkv.ring.NodeId;
import io.ringkv.ring.Record;
import io.ringkv.ring.partition.Member;
import io.ringkv.ring.partition.RingSnapshot;
import io.ringkv.ring.partition.RingTransitions;
import io.ringkv.ring.streaming.StreamProgress;
import io.ringkv.ring.streaming.StreamSettings;
import io.ringkv.ring.version.Siblings;
import io.ringkv.ring.version.Version;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Partition streaming on the simulator: joins, leaves, removals with faults, throttling and
 * resumption, checked against the data of the current replicas.
 */
class StreamingSimTest {
    private static final int Q = 32;
    private static final int KEYS = 600;
    private static final long MINUTE_MILLIS = 60_000;

    private static StreamSettings settings(long bytesPerSecond, int inFlight, int pageBytes) {
        return new StreamSettings(bytesPerSecond, inFlight, pageBytes, 1000, 1000, 100, 2000, 10_000);
    }

    /** Four nodes, N = 3, with KEYS keys: values, deletes (tombstones) and expired values. */
    private static RingSnapshot loaded(StreamCluster c) {
        RingSnapshot ring = RingSnapshot.initial(StreamCluster.members(4), Q, 3);
        for (Member m : ring.members()) {
            c.add(m.id());
        }
        for (int i = 0; i < KEYS; i++) {
            String key = "key:" + i;
            c.write(ring, key, c.value("value-" + i + "-" + "x".repeat(i % 50), Record.NO_EXPIRY));
            if (i % 10 == 3) {
                c.write(ring, key, c.tombstone());
            } else if (i % 10 == 7) {
                c.write(ring, key, c.value("short-lived", c.scheduler.nowMillis() + 1));
            }
            c.scheduler.runUntil(c.scheduler.nowMillis() + 1);
        }
        c.scheduler.runUntil(c.scheduler.nowMillis() + 10); // the short-lived values have expired
        return ring;
    }

    /** For every partition {@code node} receives, its data equals that of each current replica still up. */
    private static void assertHoldsReplicaData(StreamCluster c, RingSnapshot transition, NodeId node) {
        int[] received = transition.partitionsToReceive(node);
        assertThat(received).as(c.seedMessage()).isNotEmpty();
        for (int p : received) {
            List<String> mine = c.contents(c.nodes.get(node), p);
            for (NodeId replica : transition.preferenceList(p)) {
                if (c.nodes.get(replica).up) {
                    assertThat(mine).as("%s partition %d vs %s, %s", node, p, replica, c.seedMessage())
                            .isEqualTo(c.contents(c.nodes.get(replica), p));
                }
            }
        }
    }

    @Test
    void joinerStreamsEveryPartitionItGainsAndEndsWithTheReplicasDataTombstonesIncluded() {
        StreamCluster c = new StreamCluster(1, Q, StreamSettings.defaults());
        RingSnapshot ring = loaded(c);
        RingSnapshot joining = RingTransitions.join(ring, StreamCluster.member(5));
        StreamCluster.StreamNode joiner = c.add(new NodeId("n5"));

        CompletableFuture<Void> done = joiner.stream.start(joining);
        assertThat(c.runUntilDone(done, MINUTE_MILLIS)).as(c.seedMessage()).isTrue();

        assertHoldsReplicaData(c, joining, joiner.id);
        StreamProgress progress = joiner.stream.progress();
        assertThat(progress.state()).isEqualTo(StreamProgress.State.DONE);
        assertThat(progress.partitionsDone()).isEqualTo(progress.partitionsTotal()).isEqualTo(joining.partitionsToReceive(joiner.id).length);
        assertThat(progress.keysReceived()).isPositive();
        assertThat(joiner.stream.hasStreamed(joining)).isTrue();
        // Deleted and expired keys travelled as what they are: nothing readable came back.
        int tombstones = 0;
        int expired = 0;
        long now = c.scheduler.nowMillis();
        for (int i = 0; i < KEYS; i++) {
            byte[] key = StreamCluster.key("key:" + i);
            if (!joining.pendingPreferenceList(joining.partitioner().partitionOf(key)).contains(joiner.id)) {
                continue;
            }
            Siblings s = joiner.store.read(key);
            assertThat(s.versions()).as("key:%d", i).isNotEmpty();
            Version w = s.winner(now);
            if (i % 10 == 3) {
                assertThat(w == null || w.record().isTombstone()).as("key:%d deleted", i).isTrue();
                tombstones++;
            } else if (i % 10 == 7) {
                assertThat(w == null || w.record().isTombstone()).as("key:%d expired", i).isTrue();
                expired++;
            } else {
                assertThat(w.record().isTombstone()).isFalse();
            }
        }
        assertThat(tombstones).isPositive();
        assertThat(expired).isPositive();
        assertThat(RingTransitions.readyToCommit(joining, Set.of(joiner.id), c.network::isUp)).isTrue();
    }

    @Test
    void throttleHoldsTheReceiveRateInVirtualTime() {
        long bytesPerSecond = 5_000;
        int inFlight = 2;
        int pageBytes = 500;
        StreamCluster c = new StreamCluster(2, Q, settings(bytesPerSecond, inFlight, pageBytes));
        RingSnapshot ring = loaded(c);
        RingSnapshot joining = RingTransitions.join(ring, StreamCluster.member(5));
        StreamCluster.StreamNode joiner = c.add(new NodeId("n5"));
        long started = c.scheduler.nowMillis();
        CompletableFuture<Void> done = joiner.stream.start(joining);
        // A page may exceed its bound by one entry plus framing; each partition in flight may have one out.
        long burstBytes = inFlight * (pageBytes + 400L);
        long[] worstExcess = {0};
        c.scheduler.afterEach(() -> {
            long elapsed = c.scheduler.nowMillis() - started;
            long allowed = bytesPerSecond * elapsed / 1000 + burstBytes;
            worstExcess[0] = Math.max(worstExcess[0], joiner.stream.progress().bytesReceived() - allowed);
        });
        assertThat(c.runUntilDone(done, 10 * MINUTE_MILLIS)).as(c.seedMessage()).isTrue();
        c.scheduler.afterEach(() -> {});

        long bytes = joiner.stream.progress().bytesReceived();
        long elapsedMillis = c.scheduler.nowMillis() - started;
        assertThat(bytes).isGreaterThan(10 * burstBytes); // long enough for the rate to matter
        assertThat(worstExcess[0]).as("bytes over rate x time + burst").isLessThanOrEqualTo(0);
        // Not slower than the rate allows either (one page of latency per page at most).
        assertThat(elapsedMillis).isLessThan(bytes * 1000 / bytesPerSecond * 3 / 2 + 1000);
        assertThat(joiner.stream.progress().bytesPerSecond()).isBetween(bytesPerSecond / 2, bytesPerSecond + burstBytes);
        assertHoldsReplicaData(c, joining, joiner.id);
    }

    @Test
    void sourceCrashMidStreamSwitchesToAnotherReplicaAndCompletes() {
        StreamCluster c = new StreamCluster(3, Q, settings(10_000, 1, 1_000));
        RingSnapshot ring = loaded(c);
        RingSnapshot joining = RingTransitions.join(ring, StreamCluster.member(5));
        StreamCluster.StreamNode joiner = c.add(new NodeId("n5"));
        CompletableFuture<Void> done = joiner.stream.start(joining);
        c.scheduler.runUntil(() -> joiner.stream.progress().bytesReceived() > 3_000
                && !joiner.stream.progress().currentSources().isEmpty(), c.scheduler.nowMillis() + MINUTE_MILLIS);
        // The source dies before the failure detector notices: requests to it fail until then.
        NodeId source = joiner.stream.progress().currentSources().values().iterator().next();
        c.nodes.get(source).crash();
        c.scheduler.schedule(20_000, () -> c.knownDown.add(source));

        assertThat(c.runUntilDone(done, 10 * MINUTE_MILLIS)).as(c.seedMessage()).isTrue();
        assertThat(joiner.stream.progress().sourceFailures()).isPositive();
        assertHoldsReplicaData(c, joining, joiner.id);
    }

    @Test
    void joinerCrashMidStreamResumesFromPersistedProgressAfterRestart() {
        StreamSettings throttled = settings(10_000, 2, 1_000);
        // A reference run without the crash: what a full stream costs.
        StreamCluster reference = new StreamCluster(4, Q, throttled);
        RingSnapshot refJoining = RingTransitions.join(loaded(reference), StreamCluster.member(5));
        StreamCluster.StreamNode refJoiner = reference.add(new NodeId("n5"));
        assertThat(reference.runUntilDone(refJoiner.stream.start(refJoining), 10 * MINUTE_MILLIS)).isTrue();
        long fullBytes = refJoiner.stream.progress().bytesReceived();

        StreamCluster c = new StreamCluster(4, Q, throttled);
        RingSnapshot joining = RingTransitions.join(loaded(c), StreamCluster.member(5));
        StreamCluster.StreamNode joiner = c.add(new NodeId("n5"));
        joiner.stream.start(joining);
        c.scheduler.runUntil(() -> joiner.stream.progress().bytesReceived() > fullBytes / 2, c.scheduler.nowMillis() + 10 * MINUTE_MILLIS);
        long beforeCrash = joiner.stream.progress().bytesReceived();
        joiner.crash();
        c.scheduler.runUntil(c.scheduler.nowMillis() + 5_000);
        joiner.start();
        CompletableFuture<Void> done = joiner.stream.start(joining);
        assertThat(c.runUntilDone(done, 10 * MINUTE_MILLIS)).as(c.seedMessage()).isTrue();

        long afterRestart = joiner.stream.progress().bytesReceived();
        assertThat(joiner.stream.progress().partitionsDone()).isEqualTo(joining.partitionsToReceive(joiner.id).length);
        // Resumed, not restarted: the second incarnation pulled only what the first had not.
        assertThat(afterRestart).isLessThan(fullBytes - beforeCrash / 2);
        assertThat(beforeCrash + afterRestart).isGreaterThanOrEqualTo(fullBytes);
        assertHoldsReplicaData(c, joining, joiner.id);

        // A new ring version starts over instead of trusting progress made for another one.
        RingSnapshot other = RingTransitions.join(joining.withoutPending(), StreamCluster.member(5));
        assertThat(joiner.stream.hasStreamed(other)).isFalse();
    }

    @Test
    void writesMergedIntoTheJoinerDuringTheStreamAreNotLost() {
        StreamCluster c = new StreamCluster(5, Q, settings(10_000, 2, 1_000));
        RingSnapshot ring = loaded(c);
        RingSnapshot joining = RingTransitions.join(ring, StreamCluster.member(5));
        StreamCluster.StreamNode joiner = c.add(new NodeId("n5"));
        CompletableFuture<Void> done = joiner.stream.start(joining);
        // Writes keep coming while the stream runs, through the ring in transition (dual writes):
        // overwrites of streamed and not-yet-streamed keys, new keys and deletes.
        List<String> written = new ArrayList<>();
        int[] round = {0};
        Runnable[] writer = new Runnable[1];
        writer[0] = () -> {
            int i = round[0]++;
            String key = "key:" + (i * 7 % KEYS);
            c.write(joining, key, i % 5 == 4 ? c.tombstone() : c.value("during-" + i, Record.NO_EXPIRY));
            c.write(joining, "new:" + i, c.value("fresh-" + i, Record.NO_EXPIRY));
            written.add(key);
            written.add("new:" + i);
            if (!done.isDone()) {
                c.scheduler.schedule(37, writer[0]);
            }
        };
        c.scheduler.schedule(5, writer[0]);
        assertThat(c.runUntilDone(done, 10 * MINUTE_MILLIS)).as(c.seedMessage()).isTrue();
        c.scheduler.runUntil(c.scheduler.nowMillis() + 100);

        assertThat(round[0]).isGreaterThan(20);
        assertHoldsReplicaData(c, joining, joiner.id);
        Set<String> checked = new HashSet<>();
        for (String key : written) {
            byte[] k = StreamCluster.key(key);
            int p = joining.partitioner().partitionOf(k);
            if (joining.pendingPreferenceList(p).contains(joiner.id) && checked.add(key)) {
                assertThat(joiner.store.read(k)).as(key).isEqualTo(c.nodes.get(joining.owner(p)).store.read(k));
            }
        }
        assertThat(checked).isNotEmpty();
    }

    @Test
    void leaveStreamsToTheNewOwnersThenCleanupDropsWhatMovedAway() {
        StreamCluster c = new StreamCluster(6, Q, settings(50_000, 2, 2_000));
        RingSnapshot ring = loaded(c);
        NodeId leaver = new NodeId("n2");
        RingSnapshot leaving = RingTransitions.leave(ring, leaver);
        Set<NodeId> reported = new HashSet<>();
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (StreamCluster.StreamNode n : c.nodes.values()) {
            all.add(n.stream.start(leaving).thenRun(() -> reported.add(n.id)));
        }
        CompletableFuture<Void> every = CompletableFuture.allOf(all.toArray(new CompletableFuture[0]));
        assertThat(c.runUntilDone(every, 10 * MINUTE_MILLIS)).as(c.seedMessage()).isTrue();
        assertThat(RingTransitions.readyToCommit(leaving, reported, n -> !c.knownDown.contains(n))).isTrue();
        for (Member m : leaving.targetMembers()) {
            if (leaving.partitionsToReceive(m.id()).length > 0) {
                assertHoldsReplicaData(c, leaving, m.id());
            }
        }

        RingSnapshot committed = RingTransitions.commit(leaving);
        StreamCluster.StreamNode survivor = c.nodes.get(committed.members().get(0).id());
        long kept = 0;
        for (int p : committed.replicatedPartitions(survivor.id)) {
            kept += c.contents(survivor, p).size();
        }
        CompletableFuture<Long> cleaned = survivor.stream.cleanup(committed);
        assertThat(c.runUntilDone(cleaned, MINUTE_MILLIS)).isTrue();
        long after = 0;
        for (int p = 0; p < Q; p++) {
            int size = c.contents(survivor, p).size();
            after += size;
            if (!committed.preferenceList(p).contains(survivor.id)) {
                assertThat(size).as("partition %d moved away", p).isZero();
            }
        }
        assertThat(after).isEqualTo(kept);
        CompletableFuture<Long> leaverCleaned = c.nodes.get(leaver).stream.cleanup(committed);
        assertThat(c.runUntilDone(leaverCleaned, MINUTE_MILLIS)).isTrue();
        assertThat(leaverCleaned.join()).isPositive();
        assertThat(c.nodes.get(leaver).store.size()).isZero();
    }

    @Test
    void removeReReplicatesADeadNodesDataFromTheSurvivors() {
        StreamCluster c = new StreamCluster(7, Q, settings(50_000, 2, 2_000));
        RingSnapshot ring = loaded(c);
        NodeId dead = new NodeId("n3");
        c.nodes.get(dead).crash();
        c.knownDown.add(dead);
        RingSnapshot removing = RingTransitions.remove(ring, dead);
        Set<NodeId> reported = new HashSet<>();
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (StreamCluster.StreamNode n : c.nodes.values()) {
            if (n.up) {
                all.add(n.stream.start(removing).thenRun(() -> reported.add(n.id)));
            }
        }
        assertThat(c.runUntilDone(CompletableFuture.allOf(all.toArray(new CompletableFuture[0])), 10 * MINUTE_MILLIS))
                .as(c.seedMessage()).isTrue();
        assertThat(RingTransitions.readyToCommit(removing, reported, n -> !c.knownDown.contains(n))).isTrue();
        RingSnapshot committed = removing.commitPending();
        // Every partition has N live replicas holding the same data again.
        for (int p = 0; p < Q; p++) {
            List<NodeId> replicas = committed.preferenceList(p);
            assertThat(replicas).hasSize(3).doesNotContain(dead);
            List<String> first = c.contents(c.nodes.get(replicas.get(0)), p);
            assertThat(first).isNotEmpty();
            for (NodeId r : replicas) {
                assertThat(c.contents(c.nodes.get(r), p)).as("partition %d on %s", p, r).isEqualTo(first);
            }
        }
    }

    @Test
    void replacementTakesTheDeadNodesReplicas() {
        StreamCluster c = new StreamCluster(8, Q, settings(50_000, 2, 2_000));
        RingSnapshot ring = loaded(c);
        NodeId dead = new NodeId("n4");
        c.nodes.get(dead).crash();
        c.knownDown.add(dead);
        RingSnapshot replacing = RingTransitions.replace(ring, dead, StreamCluster.member(9));
        StreamCluster.StreamNode replacement = c.add(new NodeId("n9"));
        assertThat(c.runUntilDone(replacement.stream.start(replacing), 10 * MINUTE_MILLIS)).as(c.seedMessage()).isTrue();
        assertThat(replacing.partitionsToReceive(replacement.id)).isEqualTo(ring.replicatedPartitions(dead));
        assertHoldsReplicaData(c, replacing, replacement.id);
    }
}
