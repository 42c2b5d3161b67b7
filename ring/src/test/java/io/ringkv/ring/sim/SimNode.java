package io.ringkv.ring.sim;

import io.ringkv.common.Clock;
import io.ringkv.common.Scheduler;
import io.ringkv.ring.NodeId;
import io.ringkv.ring.coordinator.ClusterService;
import io.ringkv.ring.coordinator.CoordinatorSettings;
import io.ringkv.ring.membership.StaticMembership;
import io.ringkv.ring.partition.RingSnapshot;
import io.ringkv.ring.partition.StorageKeys;
import io.ringkv.ring.replica.ReplicaStore;
import io.ringkv.ring.version.Siblings;
import io.ringkv.storage.StorageEngine;
import io.ringkv.storage.memory.MemoryEngine;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * One simulated node: the production objects a real node wires together (replica store,
 * static membership with liveness probing, coordinator), over the simulated network, the
 * virtual clock (offset by this node's skew) and a storage engine that outlives crashes.
 *
 * <p>A crash closes the node's endpoint and drops the incarnation: every task it scheduled and
 * every reply to it is discarded, so none of its code runs again (its futures stay incomplete,
 * as a killed process's would). A restart builds new objects over the same engine: durable
 * storage, nothing else survives. A disk loss replaces the engine with an empty one.
 */
final class SimNode {
    private static final int LOCK_STRIPES = 16;

    final NodeId id;
    final Clock clock;
    private final SimScheduler scheduler;
    private final SimNetwork network;
    private final RingSnapshot ring;
    private final CoordinatorSettings settings;
    private final ObservedEngine.Listener listener;
    private final SplittableRandom random;
    /** Runs on every start, after the coordinator is built (the router registers its verb). */
    private final Consumer<SimNode> onStart;

    private StorageEngine engine;
    private int incarnation;
    private boolean up;
    private SimNetwork.Endpoint endpoint;
    private StaticMembership membership;
    private ClusterService cluster;

    SimNode(NodeId id, long clockSkewMillis, SimScheduler scheduler, SimNetwork network, RingSnapshot ring, CoordinatorSettings settings,
            ObservedEngine.Listener listener, SplittableRandom random, Consumer<SimNode> onStart) {
        this.id = id;
        this.clock = new SkewedClock(scheduler, clockSkewMillis);
        this.scheduler = scheduler;
        this.network = network;
        this.ring = ring;
        this.settings = settings;
        this.listener = listener;
        this.random = random;
        this.onStart = onStart;
        this.engine = new ObservedEngine(id, new MemoryEngine(), listener);
    }

    boolean isUp() {
        return up;
    }

    ClusterService cluster() {
        requireUp();
        return cluster;
    }

    StaticMembership membership() {
        requireUp();
        return membership;
    }

    SimNetwork.Endpoint endpoint() {
        requireUp();
        return endpoint;
    }

    /** The key's sibling set on this node's disk, up or down; empty when never written. */
    Siblings read(String key) {
        byte[] raw = engine.get(StorageKeys.encode(key.getBytes(StandardCharsets.US_ASCII)));
        return raw == null ? Siblings.empty() : Siblings.decode(raw);
    }

    private void requireUp() {
        if (!up) {
            throw new IllegalStateException(id + " is down");
        }
    }

    void start() {
        if (up) {
            throw new IllegalStateException(id + " is already up");
        }
        incarnation++;
        up = true;
        endpoint = network.open(id);
        ReplicaStore store = new ReplicaStore(engine, ring.partitioner(), clock, new SplittableRandom(random.nextLong()), LOCK_STRIPES,
                SimConfig.SIBLINGS_MAX, SimConfig.SIBLINGS_MAX);
        membership = new StaticMembership(ring, id, clock);
        cluster = new ClusterService(id, membership, endpoint, store, clock, new SplittableRandom(random.nextLong()), settings);
        membership.startProbing(endpoint, scheduler(), SimConfig.PROBE_INTERVAL_MILLIS, SimConfig.PROBE_TIMEOUT_MILLIS);
        onStart.accept(this);
    }

    void crash() {
        requireUp();
        up = false;
        membership.stop();
        network.crash(id);
        endpoint = null;
        membership = null;
        cluster = null;
    }

    /** Replaces the disk with an empty one; only while down. */
    void loseDisk() {
        if (up) {
            throw new IllegalStateException(id + " is up");
        }
        engine = new ObservedEngine(id, new MemoryEngine(), listener);
    }

    /**
     * The scheduler this incarnation's code runs on: tasks of a crashed (or since restarted)
     * incarnation are dropped when they come due.
     */
    private Scheduler scheduler() {
        int mine = incarnation;
        return scheduler.whileLive(() -> up && incarnation == mine);
    }

    /** Virtual time seen through this node's skewed wall clock. */
    private static final class SkewedClock implements Clock {
        private final SimScheduler scheduler;
        private final long skewMillis;

        SkewedClock(SimScheduler scheduler, long skewMillis) {
            this.scheduler = scheduler;
            this.skewMillis = skewMillis;
        }

        @Override
        public long currentTimeMillis() {
            return scheduler.nowMillis() + skewMillis;
        }

        @Override
        public long nanoTime() {
            // Monotonic time carries no skew: only its differences mean anything.
            return scheduler.nowMillis() * 1_000_000L;
        }
    }

    @Override
    public String toString() {
        return id + (up ? "" : " (down)");
    }
}
