package io.ringkv.ring.sim;

import io.ringkv.common.Scheduler;
import io.ringkv.ring.Consistency;
import io.ringkv.ring.ConsistencyLevel;
import io.ringkv.ring.NodeId;
import io.ringkv.ring.coordinator.ClusterService;
import io.ringkv.ring.coordinator.CoordinatorSettings;
import io.ringkv.ring.hints.HintSettings;
import io.ringkv.ring.hints.HintStore;
import io.ringkv.ring.hints.HintedHandoff;
import io.ringkv.ring.membership.ApplicationState;
import io.ringkv.ring.membership.GossipMembership;
import io.ringkv.ring.membership.GossipSettings;
import io.ringkv.ring.membership.Gossiper;
import io.ringkv.ring.membership.InMemoryGenerationStore;
import io.ringkv.ring.membership.InMemoryRingStore;
import io.ringkv.ring.membership.MembershipListener;
import io.ringkv.ring.membership.NodeStatus;
import io.ringkv.ring.membership.PhiAccrualSettings;
import io.ringkv.ring.membership.RingManager;
import io.ringkv.ring.partition.Member;
import io.ringkv.ring.partition.RingSnapshot;
import io.ringkv.ring.repair.RepairService;
import io.ringkv.ring.repair.RepairSettings;
import io.ringkv.ring.repair.RepairTrees;
import io.ringkv.ring.replica.ReplicaStore;
import io.ringkv.ring.streaming.StreamService;
import io.ringkv.ring.streaming.StreamSettings;
import io.ringkv.ring.version.Siblings;
import io.ringkv.storage.memory.MemoryEngine;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * A simulated cluster whose nodes are wired as production wires a clustered node: gossip
 * membership with phi-accrual failure detection, the {@link RingManager} driving joins and
 * decommissions through streaming, the coordinator with sloppy quorum and a hint store,
 * hinted handoff, Merkle-tree anti-entropy and partition streaming, all over
 * {@link SimNetwork} and {@link SimScheduler}.
 *
 * <p>What survives a crash, as on a real node's disk: the replica engine, the hints engine,
 * the persisted ring and the gossip generation. Everything else is rebuilt on restart, and
 * every task and callback of a crashed incarnation is dropped (see {@link SimNode}).
 *
 * <p>All nodes share the virtual clock (no skew): the workload stamps writes with it, and the
 * checker reasons about timestamps and TTLs on the same clock.
 */
final class ResilienceCluster {
    static final int REPLICATION_FACTOR = 3;
    static final Consistency QUORUM = new Consistency(ConsistencyLevel.QUORUM, ConsistencyLevel.QUORUM);
    static final int LOCK_STRIPES = 16;
    static final int SIBLINGS_MAX = 10_000;
    static final long REQUEST_TIMEOUT_MILLIS = 200;
    static final long GOSSIP_INTERVAL_MILLIS = 100;
    static final long ACCEPTABLE_HEARTBEAT_PAUSE_MILLIS = 300;
    static final long MIN_STD_DEV_MILLIS = 50;
    static final long RING_SETTLE_MILLIS = 300;
    static final long RING_CHECK_INTERVAL_MILLIS = 200;
    static final long LEFT_GRACE_MILLIS = 1_000;
    static final long REPAIR_INTERVAL_MILLIS = 2_000;
    static final long HINT_WINDOW_MILLIS = 120_000;
    static final long HINT_DELIVERY_INTERVAL_MILLIS = 500;
    /** How often each node runs its active expire cycle, and the keys one cycle examines. */
    static final long EXPIRE_CYCLE_INTERVAL_MILLIS = 100;
    static final int EXPIRE_CYCLE_KEYS_MAX = 20;

    final long seed;
    final SplittableRandom random;
    final SimScheduler scheduler;
    final SimNetwork network;
    final int partitionCount;
    final CoordinatorSettings coordinatorSettings;
    final HintSettings hintSettings;
    final RepairSettings repairSettings;
    final StreamSettings streamSettings;
    final RingManager.Settings ringSettings;
    final GossipSettings gossipSettings;
    final RingSnapshot initialRing;
    /** Every node ever created, by id (departed ones included). */
    final Map<NodeId, Node> nodes = new TreeMap<>();
    private final boolean activeExpiry;

    ResilienceCluster(long seed, int initialNodes, int partitionCount, boolean activeExpiry) {
        this.seed = seed;
        this.random = new SplittableRandom(seed);
        this.scheduler = new SimScheduler(SimConfig.EPOCH_MILLIS, 200_000_000);
        this.network = new SimNetwork(scheduler, random.split(), 1, 10);
        this.partitionCount = partitionCount;
        this.activeExpiry = activeExpiry;
        this.coordinatorSettings = new CoordinatorSettings(QUORUM, REQUEST_TIMEOUT_MILLIS, 0.1, 10_000, 16, true);
        this.hintSettings = new HintSettings(HINT_WINDOW_MILLIS, 64L << 20, HINT_DELIVERY_INTERVAL_MILLIS, 1L << 20, 4, 1_000);
        this.repairSettings = new RepairSettings(64, 1_000_000, 10_000, REPAIR_INTERVAL_MILLIS, 16L << 20, 64 * 1024, 1_000, 0);
        this.streamSettings = new StreamSettings(1L << 20, 2, 64 * 1024, 200, 1_000, 100, 2_000, 10_000);
        this.ringSettings = new RingManager.Settings(RING_CHECK_INTERVAL_MILLIS, RING_SETTLE_MILLIS, LEFT_GRACE_MILLIS, true);
        List<Member> members = new ArrayList<>();
        for (int i = 1; i <= initialNodes; i++) {
            members.add(member(i));
        }
        List<NodeId> seeds = new ArrayList<>();
        for (Member m : members) {
            seeds.add(m.id());
        }
        PhiAccrualSettings phi = new PhiAccrualSettings(PhiAccrualSettings.THRESHOLD_DEFAULT, 1000, MIN_STD_DEV_MILLIS,
                ACCEPTABLE_HEARTBEAT_PAUSE_MILLIS, GOSSIP_INTERVAL_MILLIS);
        // Departed nodes are forgotten within the run, so the check sees the gossip state settle.
        this.gossipSettings = GossipSettings.defaults(seeds).withGossipIntervalMillis(GOSSIP_INTERVAL_MILLIS).withPhi(phi)
                .withRemoved(10_000, 20_000);
        this.initialRing = RingSnapshot.initial(members, partitionCount, REPLICATION_FACTOR);
        for (Member m : members) {
            nodes.put(m.id(), new Node(m, initialRing));
        }
    }

    static Member member(int i) {
        return new Member(new NodeId("n" + i), "10.0.0." + i, 6379, 16379, 1);
    }

    /** A fresh node outside the ring: it knows only itself (a version-0 ring) and the seeds. */
    Node addNode(int i) {
        Member m = member(i);
        Node n = new Node(m, RingSnapshot.unjoined(m, partitionCount, REPLICATION_FACTOR));
        nodes.put(m.id(), n);
        return n;
    }

    Node node(NodeId id) {
        return nodes.get(id);
    }

    /** Nodes that are up now. */
    List<Node> upNodes() {
        List<Node> out = new ArrayList<>();
        for (Node n : nodes.values()) {
            if (n.up) {
                out.add(n);
            }
        }
        return out;
    }

    long nowMillis() {
        return scheduler.nowMillis();
    }

    /** Sums a hint counter over every incarnation of every node. */
    long hintCounter(String name) {
        long total = 0;
        for (Node n : nodes.values()) {
            total += n.hintCounter(name);
        }
        return total;
    }

    /** One node: its durable state, and while up, the objects of its current incarnation. */
    final class Node {
        final Member member;
        final NodeId id;
        final MemoryEngine data = new MemoryEngine();
        final MemoryEngine hintsEngine = new MemoryEngine();
        final InMemoryGenerationStore generations = new InMemoryGenerationStore();
        /** The ring from config (the initial ring, or a joiner's version-0 ring of itself). */
        final RingSnapshot configRing;
        /** The persisted ring and leave request: survive crashes. */
        final InMemoryRingStore ringStore = new InMemoryRingStore();
        /** Hint counters of the incarnations that ended. */
        private final Map<String, Long> pastHintCounters = new TreeMap<>();
        int incarnation;
        boolean up;
        /** The node's leave committed and it stopped for good. */
        boolean departed;
        /** The dead node this one replaces on every start (production's {@code replace-node}); null for none. */
        NodeId replaceOnStart;
        int starts;

        SimNetwork.Endpoint endpoint;
        ReplicaStore store;
        Gossiper gossiper;
        GossipMembership membership;
        HintStore hints;
        ClusterService cluster;
        HintedHandoff handoff;
        RepairTrees trees;
        RepairService repair;
        StreamService streams;
        RingManager ringManager;

        Node(Member member, RingSnapshot configRing) {
            this.member = member;
            this.id = member.id();
            this.configRing = configRing;
        }

        /** Builds and starts an incarnation in production's order. */
        void start() {
            if (up || departed) {
                throw new IllegalStateException(id + " cannot start: " + (up ? "up" : "departed"));
            }
            incarnation++;
            starts++;
            up = true;
            Scheduler sched = scheduler();
            var clock = scheduler.clock();
            SplittableRandom r = random.split();
            endpoint = network.open(id);
            RingSnapshot ring = ringStore.load().orElse(configRing);
            store = new ReplicaStore(data, ring.partitioner(), clock, r.split(), LOCK_STRIPES, SIBLINGS_MAX, SIBLINGS_MAX);
            Map<ApplicationState, String> states = new LinkedHashMap<>();
            states.put(ApplicationState.STATUS, NodeStatus.NORMAL.text());
            states.put(ApplicationState.CLUSTER_ADDRESS, member.host() + ":" + member.clusterPort());
            states.put(ApplicationState.CLIENT_ADDRESS, member.host() + ":" + member.clientPort());
            gossiper = new Gossiper(id, gossipSettings, ring, states, generations, endpoint, sched, clock, r.split());
            membership = new GossipMembership(gossiper, clock);
            GossipMembership m = membership;
            hints = new HintStore(hintsEngine, clock, hintSettings, m::downSinceMillis);
            cluster = new ClusterService(id, membership, endpoint, store, clock, r.split(), coordinatorSettings, hints);
            handoff = new HintedHandoff(id, hints, membership, endpoint, sched, clock, hintSettings);
            HintedHandoff h = handoff;
            membership.addListener(new MembershipListener() {
                @Override
                public void onUp(NodeId node) {
                    h.onNodeUp(node);
                }
            });
            trees = new RepairTrees(store, ring.partitioner(), clock, repairSettings);
            repair = new RepairService(id, membership, endpoint, store, trees, sched, clock, repairSettings);
            streams = new StreamService(endpoint, store, ring.partitioner(), clock, sched, streamSettings, m::isAlive);
            int mine = incarnation;
            ringManager = new RingManager(member, membership, streams, ringStore, sched, clock, ringSettings, () -> {
                if (up && incarnation == mine) {
                    departed = true;
                    stop();
                }
            });
            gossiper.start();
            handoff.start();
            trees.start(sched);
            repair.start();
            if (replaceOnStart != null) {
                // Before start, as NodeBootstrap does: a restarted replacement that has a ring
                // already would otherwise decide to join on its first check.
                ringManager.replace(replaceOnStart);
            }
            ringManager.start();
            if (activeExpiry) {
                ReplicaStore s = store;
                sched.schedule(EXPIRE_CYCLE_INTERVAL_MILLIS, new Runnable() {
                    @Override
                    public void run() {
                        s.activeExpireCycle(EXPIRE_CYCLE_KEYS_MAX);
                        sched.schedule(EXPIRE_CYCLE_INTERVAL_MILLIS, this);
                    }
                });
            }
        }

        /** Kills the process: nothing but the durable state survives. */
        void crash() {
            stop();
        }

        private void stop() {
            if (!up) {
                throw new IllegalStateException(id + " is not up");
            }
            for (Map.Entry<String, Long> e : hints.counters().entrySet()) {
                pastHintCounters.merge(e.getKey(), e.getValue(), Long::sum);
            }
            up = false;
            ringManager.stop();
            repair.stop();
            trees.stop();
            handoff.stop();
            streams.stop();
            gossiper.stop();
            network.crash(id);
        }

        long hintCounter(String name) {
            long total = pastHintCounters.getOrDefault(name, 0L);
            if (up && !name.equals("hints_pending")) {
                total += hints.counters().getOrDefault(name, 0L);
            }
            return total;
        }

        /** Hints stored here now, for any target (read from the durable engine, up or down). */
        long hintsPending() {
            long n = 0;
            try (var it = hintsEngine.iterator(null, null)) {
                for (; it.valid(); it.next()) {
                    n++;
                }
            }
            return n;
        }

        /** The key's sibling set on this node's disk, up or down. */
        Siblings read(byte[] key) {
            byte[] raw = data.get(io.ringkv.ring.partition.StorageKeys.encode(key));
            return raw == null ? Siblings.empty() : Siblings.decode(raw);
        }

        RingSnapshot ring() {
            return up ? membership.ring() : ringStore.load().orElse(configRing);
        }

        /** Tasks of a crashed or replaced incarnation are dropped when they come due. */
        private Scheduler scheduler() {
            int mine = incarnation;
            return scheduler.whileLive(() -> up && incarnation == mine);
        }

        @Override
        public String toString() {
            return id + (up ? "" : departed ? " (left)" : " (down)");
        }
    }
}
