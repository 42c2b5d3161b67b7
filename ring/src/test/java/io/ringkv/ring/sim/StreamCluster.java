package io.ringkv.ring.sim;

import io.ringkv.common.Scheduler;
import io.ringkv.ring.NodeId;
import io.ringkv.ring.Record;
import io.ringkv.ring.partition.Member;
import io.ringkv.ring.partition.RingSnapshot;
import io.ringkv.ring.replica.ReplicaStore;
import io.ringkv.ring.streaming.StreamService;
import io.ringkv.ring.streaming.StreamSettings;
import io.ringkv.ring.version.Siblings;
import io.ringkv.storage.StorageEngine;
import io.ringkv.storage.memory.MemoryEngine;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;

/**
 * A harness for streaming scenarios: nodes made of a replica store over a memory engine that
 * outlives crashes and a {@link StreamService}, on the simulator's network and virtual time
 * (no coordinator: writes are coordinated on one replica's store and merged into the others,
 * as the write path does). Everything is drawn from one seed.
 */
final class StreamCluster {
    static final int LOCK_STRIPES = 16;
    static final int SIBLINGS_MAX = 64;

    final long seed;
    final SimScheduler scheduler = new SimScheduler(SimConfig.EPOCH_MILLIS, 5_000_000);
    final SimNetwork network;
    final SplittableRandom random;
    final StreamSettings settings;
    final Map<NodeId, StreamNode> nodes = new TreeMap<>();
    final int partitionCount;
    /**
     * Nodes the failure detector has marked down: the stream services' liveness view. A crash
     * does not add to it by itself, so a test can let a node die unnoticed (requests to it fail).
     */
    final Set<NodeId> knownDown = new TreeSet<>();

    StreamCluster(long seed, int partitionCount, StreamSettings settings) {
        this.seed = seed;
        this.random = new SplittableRandom(seed);
        this.network = new SimNetwork(scheduler, new SplittableRandom(random.nextLong()), 1, 5);
        this.settings = settings;
        this.partitionCount = partitionCount;
    }

    static Member member(int i) {
        return new Member(new NodeId("n" + i), "127.0.0.1", 7000 + i, 17000 + i, 1);
    }

    static List<Member> members(int count) {
        List<Member> out = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            out.add(member(i));
        }
        return out;
    }

    StreamNode add(NodeId id) {
        StreamNode n = new StreamNode(id);
        nodes.put(id, n);
        n.start();
        return n;
    }

    StreamNode node(String id) {
        return nodes.get(new NodeId(id));
    }

    /**
     * Writes {@code record} to {@code key} as the write path would under {@code ring}: the
     * first live write target coordinates (a new version over what it has), the others merge
     * the result.
     */
    void write(RingSnapshot ring, String key, Record record) {
        byte[] k = key(key);
        List<NodeId> targets = ring.writeTargets(k);
        StreamNode coordinator = null;
        for (NodeId t : targets) {
            if (nodes.get(t).up) {
                coordinator = nodes.get(t);
                break;
            }
        }
        NodeId by = coordinator.id;
        Siblings written = coordinator.store.coordinate(k, s -> s.update(by, s.clock(), record));
        for (NodeId t : targets) {
            StreamNode n = nodes.get(t);
            if (n != coordinator && n.up) {
                n.store.merge(k, written);
            }
        }
    }

    Record value(String text, long expireAtMillis) {
        return Record.string(text.getBytes(StandardCharsets.US_ASCII), scheduler.nowMillis(), expireAtMillis);
    }

    Record tombstone() {
        return Record.tombstone(scheduler.nowMillis());
    }

    static byte[] key(String k) {
        return k.getBytes(StandardCharsets.US_ASCII);
    }

    /** Every stored (key, encoded set) of {@code partition} on {@code node}'s disk, in storage order. */
    List<String> contents(StreamNode node, int partition) {
        ReplicaStore.StreamPage page = node.store.streamPartition(partition, 0, Integer.MAX_VALUE, Integer.MAX_VALUE);
        List<String> out = new ArrayList<>();
        for (ReplicaStore.StreamEntry e : page.entries()) {
            out.add(new String(e.key(), StandardCharsets.ISO_8859_1) + "=" + java.util.HexFormat.of().formatHex(Siblings.decode(e.siblings()).encode()));
        }
        return out;
    }

    /** Runs until {@code f} completes or {@code maxMillis} of virtual time pass. */
    <T> boolean runUntilDone(CompletableFuture<T> f, long maxMillis) {
        return scheduler.runUntil(f::isDone, scheduler.nowMillis() + maxMillis);
    }

    String seedMessage() {
        return "seed " + seed;
    }

    /** One node: a store on a disk that outlives crashes, and a stream service per incarnation. */
    final class StreamNode {
        final NodeId id;
        final StorageEngine engine = new MemoryEngine();
        int incarnation;
        boolean up;
        ReplicaStore store;
        StreamService stream;

        StreamNode(NodeId id) {
            this.id = id;
        }

        void start() {
            incarnation++;
            up = true;
            SimNetwork.Endpoint endpoint = network.open(id);
            store = new ReplicaStore(engine, new io.ringkv.ring.partition.Partitioner(partitionCount), scheduler.clock(),
                    new SplittableRandom(random.nextLong()), LOCK_STRIPES, SIBLINGS_MAX, SIBLINGS_MAX);
            stream = new StreamService(endpoint, store, new io.ringkv.ring.partition.Partitioner(partitionCount), scheduler.clock(),
                    scheduler(), settings, n -> !knownDown.contains(n));
        }

        void crash() {
            up = false;
            network.crash(id);
        }

        /** Tasks of a crashed (or since restarted) incarnation are dropped, as a killed process's. */
        private Scheduler scheduler() {
            int mine = incarnation;
            return scheduler.whileLive(() -> up && incarnation == mine);
        }
    }
}
