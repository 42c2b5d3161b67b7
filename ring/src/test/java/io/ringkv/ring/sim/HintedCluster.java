package io.ringkv.ring.sim;

import io.ringkv.common.Clock;
import io.ringkv.common.Scheduler;
import io.ringkv.ring.Consistency;
import io.ringkv.ring.ConsistencyLevel;
import io.ringkv.ring.NodeId;
import io.ringkv.ring.Record;
import io.ringkv.ring.coordinator.ClusterService;
import io.ringkv.ring.coordinator.CoordinatorSettings;
import io.ringkv.ring.hints.HintSettings;
import io.ringkv.ring.hints.HintStore;
import io.ringkv.ring.hints.HintedHandoff;
import io.ringkv.ring.membership.StaticMembership;
import io.ringkv.ring.partition.Member;
import io.ringkv.ring.partition.RingSnapshot;
import io.ringkv.ring.partition.StorageKeys;
import io.ringkv.ring.replica.ReplicaStore;
import io.ringkv.ring.version.Siblings;
import io.ringkv.storage.StorageEngine;
import io.ringkv.storage.memory.MemoryEngine;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * A simulated cluster whose nodes run hinted handoff: each node has a replica engine and a
 * separate hints engine, both surviving crashes, and on each start builds the production
 * objects a real node wires (static membership with probing, {@link HintStore},
 * {@link ClusterService} with the hint store, a started {@link HintedHandoff}). Driven step by
 * step by a test, over the same network and virtual time as {@link Simulation}.
 */
final class HintedCluster {
    static final Consistency QUORUM = new Consistency(ConsistencyLevel.QUORUM, ConsistencyLevel.QUORUM);
    static final int PARTITIONS = 16;

    final SimScheduler scheduler = new SimScheduler(SimConfig.EPOCH_MILLIS, 50_000_000);
    final SimNetwork network;
    final RingSnapshot ring;
    final CoordinatorSettings settings;
    final HintSettings hintSettings;
    final Map<NodeId, Node> nodes = new TreeMap<>();

    HintedCluster(int size, boolean sloppyQuorum, HintSettings hintSettings) {
        this.network = new SimNetwork(scheduler, new SplittableRandom(7), 1, 5);
        List<Member> members = new ArrayList<>();
        for (int i = 1; i <= size; i++) {
            members.add(new Member(new NodeId("n" + i), "127.0.0.1", 7000 + i, 17000 + i, 1));
        }
        this.ring = RingSnapshot.initial(members, PARTITIONS, SimConfig.REPLICATION_FACTOR);
        this.settings = new CoordinatorSettings(QUORUM, SimConfig.REQUEST_TIMEOUT_MILLIS, 0, SimConfig.KEY_WAITERS_MAX, 16, sloppyQuorum);
        this.hintSettings = hintSettings;
        for (Member m : members) {
            nodes.put(m.id(), new Node(m.id()));
        }
        nodes.values().forEach(Node::start);
    }

    Node node(String id) {
        return nodes.get(new NodeId(id));
    }

    /** Runs until {@code f} completes (at most ten virtual seconds) and returns it. */
    <T> CompletableFuture<T> await(CompletableFuture<T> f) {
        scheduler.runUntil(f::isDone, scheduler.nowMillis() + 10_000);
        if (!f.isDone()) {
            throw new AssertionError("still not done after ten virtual seconds");
        }
        return f;
    }

    void settle(long millis) {
        scheduler.runUntil(scheduler.nowMillis() + millis);
    }

    /** Writes {@code value} at {@code cl} through the key's coordinator as {@code via} sees it. */
    CompletableFuture<Void> put(Node via, String key, String value, Consistency cl) {
        byte[] k = key.getBytes(StandardCharsets.US_ASCII);
        Node coordinator = nodes.get(via.cluster.coordinatorFor(k));
        Record r = Record.string(value.getBytes(StandardCharsets.US_ASCII), coordinator.clock.currentTimeMillis(), Record.NO_EXPIRY);
        return await(coordinator.cluster.put(k, r, cl));
    }

    List<NodeId> preferenceList(String key) {
        return ring.preferenceList(key.getBytes(StandardCharsets.US_ASCII));
    }

    /** A counter summed over the nodes that are up. */
    long sum(String counter) {
        long total = 0;
        for (Node n : nodes.values()) {
            if (n.up) {
                total += n.hints.counters().getOrDefault(counter, 0L);
            }
        }
        return total;
    }

    long sumCluster(String counter) {
        long total = 0;
        for (Node n : nodes.values()) {
            if (n.up) {
                total += n.cluster.counters().getOrDefault(counter, 0L);
            }
        }
        return total;
    }

    /** One node: durable engines and, while up, the objects of its current incarnation. */
    final class Node {
        final NodeId id;
        final Clock clock;
        final StorageEngine data = new MemoryEngine();
        final StorageEngine hintsEngine = new MemoryEngine();
        int incarnation;
        boolean up;
        StaticMembership membership;
        HintStore hints;
        ClusterService cluster;
        HintedHandoff handoff;

        Node(NodeId id) {
            this.id = id;
            this.clock = new Clock() {
                @Override
                public long currentTimeMillis() {
                    return scheduler.nowMillis();
                }

                @Override
                public long nanoTime() {
                    return scheduler.nowMillis() * 1_000_000L;
                }
            };
        }

        void start() {
            incarnation++;
            up = true;
            SimNetwork.Endpoint endpoint = network.open(id);
            SplittableRandom random = new SplittableRandom(id.hashCode() * 31L + incarnation);
            ReplicaStore store = new ReplicaStore(data, ring.partitioner(), clock, random.split(), 16, SimConfig.SIBLINGS_MAX, SimConfig.SIBLINGS_MAX);
            membership = new StaticMembership(ring, id, clock);
            StaticMembership m = membership;
            hints = new HintStore(hintsEngine, clock, hintSettings, m::downSinceMillis);
            cluster = new ClusterService(id, membership, endpoint, store, clock, random.split(), settings, hints);
            handoff = new HintedHandoff(id, hints, membership, endpoint, scheduler(), clock, hintSettings);
            handoff.start();
            membership.startProbing(endpoint, scheduler(), SimConfig.PROBE_INTERVAL_MILLIS, SimConfig.PROBE_TIMEOUT_MILLIS);
        }

        void crash() {
            up = false;
            membership.stop();
            handoff.stop();
            network.crash(id);
        }

        /** Tasks of a crashed or replaced incarnation are dropped when they come due. */
        private Scheduler scheduler() {
            int mine = incarnation;
            return scheduler.whileLive(() -> up && incarnation == mine);
        }

        /** The value GET would see in this node's own replica (up or down), or null. */
        String localValue(String key) {
            byte[] raw = data.get(StorageKeys.encode(key.getBytes(StandardCharsets.US_ASCII)));
            if (raw == null) {
                return null;
            }
            var w = Siblings.decode(raw).winner(clock.currentTimeMillis());
            return w == null ? null : new String(w.record().payload(), StandardCharsets.US_ASCII);
        }

        @Override
        public String toString() {
            return id + (up ? "" : " (down)");
        }
    }
}
