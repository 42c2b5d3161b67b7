package io.ringkv.ring.sim;

import io.ringkv.ring.Consistency;
import io.ringkv.ring.ConsistencyLevel;
import io.ringkv.ring.NodeId;
import io.ringkv.ring.Record;
import io.ringkv.ring.coordinator.CoordinatorSettings;
import io.ringkv.ring.partition.Member;
import io.ringkv.ring.partition.RingSnapshot;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * A small simulated cluster for hand-written scenarios: the same nodes, network and virtual
 * time as {@link Simulation}, but driven step by step by a test instead of by random clients,
 * to pin down one interleaving (a reproduction of a bug the random runs found).
 */
final class ScenarioCluster {
    static final Consistency ALL = new Consistency(ConsistencyLevel.ALL, ConsistencyLevel.ALL);
    static final Consistency QUORUM = new Consistency(ConsistencyLevel.QUORUM, ConsistencyLevel.QUORUM);

    final SimScheduler scheduler = new SimScheduler(SimConfig.EPOCH_MILLIS, 1_000_000);
    final SimNetwork network;
    final RingSnapshot ring;
    final Map<NodeId, SimNode> nodes = new TreeMap<>();

    /**
     * @param skewsMillis one clock skew per node (n1, n2, ...)
     * @param delayMillis every message takes exactly this long
     * @param onStart runs on each node start (e.g. a router registering FORWARD)
     */
    ScenarioCluster(long[] skewsMillis, long delayMillis, ObservedEngine.Listener listener, Consumer<SimNode> onStart) {
        this(skewsMillis, delayMillis, SimConfig.KEY_WAITERS_MAX, listener, onStart);
    }

    /** As above, with the coordinators' bound on operations queued behind one key. */
    ScenarioCluster(long[] skewsMillis, long delayMillis, int keyWaitersMax, ObservedEngine.Listener listener, Consumer<SimNode> onStart) {
        this.network = new SimNetwork(scheduler, new SplittableRandom(1), delayMillis, delayMillis);
        List<Member> members = new ArrayList<>();
        for (int i = 1; i <= skewsMillis.length; i++) {
            members.add(new Member(new NodeId("n" + i), "127.0.0.1", 7000 + i, 17000 + i, 1));
        }
        this.ring = RingSnapshot.initial(members, 16, SimConfig.REPLICATION_FACTOR);
        CoordinatorSettings settings = new CoordinatorSettings(QUORUM, SimConfig.REQUEST_TIMEOUT_MILLIS, 0, keyWaitersMax, 16);
        for (int i = 0; i < skewsMillis.length; i++) {
            NodeId id = members.get(i).id();
            nodes.put(id, new SimNode(id, skewsMillis[i], scheduler, network, ring, settings, listener, new SplittableRandom(i), onStart));
        }
        nodes.values().forEach(SimNode::start);
    }

    ScenarioCluster(long[] skewsMillis) {
        this(skewsMillis, 2, NO_LISTENER, n -> {});
    }

    static final ObservedEngine.Listener NO_LISTENER = new ObservedEngine.Listener() {
        @Override
        public void stored(NodeId node, byte[] storageKey, byte[] before, byte[] after) {}

        @Override
        public void cleared(NodeId node) {}
    };

    SimNode node(String id) {
        return nodes.get(new NodeId(id));
    }

    /** Runs the cluster until {@code f} completes (at most ten virtual seconds) and returns its value. */
    <T> T await(CompletableFuture<T> f) {
        scheduler.runUntil(f::isDone, scheduler.nowMillis() + 10_000);
        if (!f.isDone()) {
            throw new AssertionError("still not done after ten virtual seconds");
        }
        return f.join();
    }

    /** Lets {@code millis} of virtual time pass (probes run, messages land). */
    void settle(long millis) {
        scheduler.runUntil(scheduler.nowMillis() + millis);
    }

    static Record value(SimNode coordinator, String text) {
        return Record.string(text.getBytes(StandardCharsets.US_ASCII), coordinator.clock.currentTimeMillis(), Record.NO_EXPIRY);
    }

    static byte[] key(String k) {
        return k.getBytes(StandardCharsets.US_ASCII);
    }

    static String text(Record r) {
        return r == null ? null : new String(r.payload(), StandardCharsets.US_ASCII);
    }
}
