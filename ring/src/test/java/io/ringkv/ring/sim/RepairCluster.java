package io.ringkv.ring.sim;

import io.ringkv.common.WireReader;
import io.ringkv.ring.NodeId;
import io.ringkv.ring.Record;
import io.ringkv.ring.membership.StaticMembership;
import io.ringkv.ring.partition.Member;
import io.ringkv.ring.partition.RingSnapshot;
import io.ringkv.ring.repair.RepairResult;
import io.ringkv.ring.repair.RepairService;
import io.ringkv.ring.repair.RepairSettings;
import io.ringkv.ring.repair.RepairTrees;
import io.ringkv.ring.replica.ReplicaStore;
import io.ringkv.ring.transport.MessagingService;
import io.ringkv.ring.transport.RequestHandler;
import io.ringkv.ring.transport.Verb;
import io.ringkv.ring.version.Siblings;
import io.ringkv.storage.memory.MemoryEngine;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.LongAdder;

/**
 * A small simulated cluster of bare replicas for anti-entropy tests: per node a memory engine,
 * a {@link ReplicaStore}, its {@link RepairTrees} and a {@link RepairService} over the
 * simulated network, plus the REPLICA_WRITE handler repair pushes with (as ClusterService
 * serves it). Every node replicates every partition (replication factor = node count). Tests
 * write to single replicas directly to make them diverge.
 */
final class RepairCluster {
    final SimScheduler scheduler = new SimScheduler(SimConfig.EPOCH_MILLIS, 200_000_000);
    final SimNetwork network;
    final RingSnapshot ring;
    final Map<NodeId, Replica> replicas = new TreeMap<>();
    final RepairSettings settings;

    /** One node's pieces. */
    final class Replica {
        final NodeId id;
        final MemoryEngine engine = new MemoryEngine();
        final ReplicaStore store;
        final RepairTrees trees;
        final StaticMembership membership;
        final CountingMessaging messaging;
        final RepairService repair;

        Replica(NodeId id, SplittableRandom random) {
            this.id = id;
            this.store = new ReplicaStore(engine, ring.partitioner(), scheduler.clock(), random, 64, 16, 64);
            this.trees = new RepairTrees(store, ring.partitioner(), scheduler.clock(), settings);
            this.membership = new StaticMembership(ring, id, scheduler.clock());
            this.messaging = new CountingMessaging(network.open(id));
            messaging.register(Verb.REPLICA_WRITE, (from, p) -> {
                WireReader r = new WireReader(p);
                byte[] key = r.bytes();
                Siblings s = Siblings.decode(r.bytes());
                r.expectEnd();
                store.merge(key, s);
                return CompletableFuture.completedFuture(new byte[0]);
            });
            this.repair = new RepairService(id, membership, messaging, store, trees, scheduler, scheduler.clock(), settings);
        }

        Siblings write(String key, String value, long expireAtMillis) {
            Record r = Record.string(bytes(value), scheduler.nowMillis(), expireAtMillis);
            return store.coordinate(bytes(key), s -> s.update(id, s.clock(), r));
        }

        Siblings write(String key, String value) {
            return write(key, value, Record.NO_EXPIRY);
        }

        Siblings delete(String key) {
            Record r = Record.tombstone(scheduler.nowMillis());
            return store.coordinate(bytes(key), s -> s.update(id, s.clock(), r));
        }

        Siblings read(String key) {
            return store.read(bytes(key));
        }

        /** Every stored set, by storage key (hex-free: the map compares byte content via strings). */
        Map<String, String> contents() {
            Map<String, String> m = new TreeMap<>();
            store.scanStored(null, null, (skey, set) -> {
                m.put(new String(skey, StandardCharsets.ISO_8859_1), set.toString());
                return true;
            });
            return m;
        }
    }

    RepairCluster(int nodes, int partitions, RepairSettings settings, long delayMillis) {
        this.settings = settings;
        this.network = new SimNetwork(scheduler, new SplittableRandom(7), delayMillis, delayMillis);
        List<Member> members = new ArrayList<>();
        for (int i = 1; i <= nodes; i++) {
            members.add(new Member(new NodeId("n" + i), "127.0.0.1", 7000 + i, 17000 + i, 1));
        }
        this.ring = RingSnapshot.initial(members, partitions, nodes);
        for (int i = 0; i < nodes; i++) {
            NodeId id = members.get(i).id();
            replicas.put(id, new Replica(id, new SplittableRandom(i)));
        }
    }

    Replica node(String id) {
        return replicas.get(new NodeId(id));
    }

    /** Builds every node's trees at once (no throttling). */
    void buildTrees() {
        replicas.values().forEach(r -> r.trees.buildAll());
    }

    /** Writes the same key to every replica: one write, then merged everywhere (a healthy write at ALL). */
    void writeEverywhere(String key, String value) {
        Siblings s = replicas.values().iterator().next().write(key, value);
        for (Replica r : replicas.values()) {
            r.store.merge(bytes(key), s);
        }
    }

    <T> T await(CompletableFuture<T> f) {
        scheduler.runUntil(f::isDone, scheduler.nowMillis() + 3_600_000);
        if (!f.isDone()) {
            throw new AssertionError("repair still running after an hour of virtual time");
        }
        return f.join();
    }

    List<RepairResult> repairAll(String node) {
        return await(node(node).repair.repairAll());
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Counts the payload bytes of requests this node sends and of the replies it receives. */
    static final class CountingMessaging implements MessagingService {
        private final MessagingService inner;
        final LongAdder requestBytes = new LongAdder();
        final LongAdder replyBytes = new LongAdder();
        final LongAdder requests = new LongAdder();

        CountingMessaging(MessagingService inner) {
            this.inner = inner;
        }

        @Override
        public NodeId localNode() {
            return inner.localNode();
        }

        @Override
        public void register(Verb verb, RequestHandler handler) {
            inner.register(verb, handler);
        }

        @Override
        public CompletableFuture<byte[]> request(NodeId to, Verb verb, byte[] payload, long timeoutMillis) {
            requests.increment();
            requestBytes.add(payload.length);
            return inner.request(to, verb, payload, timeoutMillis).thenApply(reply -> {
                replyBytes.add(reply.length);
                return reply;
            });
        }

        @Override
        public Map<String, Long> stats() {
            return inner.stats();
        }

        @Override
        public void close() {
            inner.close();
        }

        long bytes() {
            return requestBytes.sum() + replyBytes.sum();
        }
    }
}
