package io.ringkv.ring.sim;

import io.ringkv.ring.NodeId;
import io.ringkv.ring.membership.ApplicationState;
import io.ringkv.ring.membership.GenerationStore;
import io.ringkv.ring.membership.GossipSettings;
import io.ringkv.ring.membership.Gossiper;
import io.ringkv.ring.membership.InMemoryGenerationStore;
import io.ringkv.ring.membership.NodeStatus;
import io.ringkv.ring.partition.Member;
import io.ringkv.ring.partition.RingSnapshot;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;

/**
 * A cluster of {@link Gossiper}s (and nothing else) over {@link SimNetwork} and
 * {@link SimScheduler}: for measuring gossip convergence and failure detection. Everything is
 * drawn from one seed. Node i is "g000".."g999"; the first {@code seedCount} nodes are the
 * seeds; node 0 starts with the cluster's ring (version 1, every node a member), the others
 * with a version-0 ring of themselves, so "every node has ring version 1" means the ring spread.
 */
final class GossipSimHarness {
    static final int PARTITIONS = 64;
    static final int REPLICATION_FACTOR = 3;
    /** Virtual time between convergence checks. */
    static final long CHECK_STEP_MILLIS = 50;

    final long seed;
    final SimScheduler scheduler;
    final SimNetwork network;
    final List<NodeId> ids = new ArrayList<>();
    final List<Member> members = new ArrayList<>();
    final GossipSettings settings;
    private final SplittableRandom random;
    private final Gossiper[] gossipers;
    private final GenerationStore[] generations;

    GossipSimHarness(long seed, int nodes, int seedCount, double dropProbability, UnaryOperator<GossipSettings> tune) {
        this.seed = seed;
        this.random = new SplittableRandom(seed);
        this.scheduler = new SimScheduler(SimConfig.EPOCH_MILLIS, Long.MAX_VALUE);
        this.network = new SimNetwork(scheduler, random.split(), 1, 20);
        network.dropProbability(dropProbability);
        for (int i = 0; i < nodes; i++) {
            NodeId id = new NodeId(String.format("g%03d", i));
            ids.add(id);
            members.add(new Member(id, "10.0." + (i / 250) + "." + (i % 250 + 1), 6379, 16379, 1));
        }
        this.settings = tune.apply(GossipSettings.defaults(ids.subList(0, Math.min(seedCount, nodes))));
        this.gossipers = new Gossiper[nodes];
        this.generations = new GenerationStore[nodes];
        for (int i = 0; i < nodes; i++) {
            generations[i] = new InMemoryGenerationStore();
        }
    }

    /** Starts every node. */
    GossipSimHarness startAll() {
        for (int i = 0; i < ids.size(); i++) {
            start(i);
        }
        return this;
    }

    /** Starts (or restarts) node {@code i}: a new incarnation with the next generation. */
    Gossiper start(int i) {
        NodeId id = ids.get(i);
        RingSnapshot ring = i == 0 ? RingSnapshot.initial(members, PARTITIONS, REPLICATION_FACTOR) : selfRing(i);
        Member m = members.get(i);
        Gossiper g = new Gossiper(id, settings, ring,
                Map.of(ApplicationState.STATUS, NodeStatus.NORMAL.text(),
                        ApplicationState.CLUSTER_ADDRESS, m.host() + ":" + m.clusterPort(),
                        ApplicationState.CLIENT_ADDRESS, m.host() + ":" + m.clientPort()),
                generations[i], network.open(id), scheduler, scheduler.clock(), random.split());
        gossipers[i] = g;
        g.start();
        return g;
    }

    private RingSnapshot selfRing(int i) {
        NodeId[] owners = new NodeId[PARTITIONS];
        Arrays.fill(owners, ids.get(i));
        return RingSnapshot.of(0, List.of(members.get(i)), REPLICATION_FACTOR, owners);
    }

    /** Crashes node {@code i}: its gossip stops and its endpoint closes. */
    void crash(int i) {
        gossipers[i].stop();
        network.crash(ids.get(i));
        gossipers[i] = null;
    }

    Gossiper gossiper(int i) {
        return gossipers[i];
    }

    boolean isUp(int i) {
        return gossipers[i] != null;
    }

    long nowMillis() {
        return scheduler.nowMillis();
    }

    /** Runs until {@code done} holds (checked every {@link #CHECK_STEP_MILLIS}) or the deadline; returns whether it holds. */
    boolean runUntil(BooleanSupplier done, long deadlineMillis) {
        while (!done.getAsBoolean()) {
            if (scheduler.nowMillis() >= deadlineMillis) {
                return false;
            }
            scheduler.runUntil(Math.min(deadlineMillis, scheduler.nowMillis() + CHECK_STEP_MILLIS));
        }
        return true;
    }

    /** Rounds (gossip intervals of virtual time) until {@code done} holds, or -1 after {@code roundsMax}. */
    double roundsUntil(BooleanSupplier done, int roundsMax) {
        long start = scheduler.nowMillis();
        long interval = settings.gossipIntervalMillis();
        if (!runUntil(done, start + roundsMax * interval)) {
            return -1;
        }
        return (double) (scheduler.nowMillis() - start) / interval;
    }

    void runFor(long millis) {
        scheduler.runUntil(scheduler.nowMillis() + millis);
    }

    /** Every running node knows every running node at its current generation. */
    boolean membershipConverged() {
        for (Gossiper a : gossipers) {
            if (a == null) {
                continue;
            }
            for (Gossiper b : gossipers) {
                if (b == null || a == b) {
                    continue;
                }
                var s = a.endpointState(b.self());
                if (s.isEmpty() || s.get().generation() != b.generation()) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Every running node holds a ring of version {@code version}, all equal. */
    boolean ringConverged(long version) {
        RingSnapshot first = null;
        for (Gossiper g : gossipers) {
            if (g == null) {
                continue;
            }
            RingSnapshot r = g.ring();
            if (r.version() != version || (first != null && !first.equals(r))) {
                return false;
            }
            first = r;
        }
        return true;
    }

    /** Every running node other than {@code i} judges node {@code i} up (or down). */
    boolean allSee(int i, boolean up) {
        for (int j = 0; j < gossipers.length; j++) {
            if (j != i && gossipers[j] != null && gossipers[j].isAlive(ids.get(i)) != up) {
                return false;
            }
        }
        return true;
    }

    /** Every running node judges every other running node up. */
    boolean allUp() {
        for (int i = 0; i < gossipers.length; i++) {
            if (gossipers[i] != null && !allSee(i, true)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return "gossip simulation seed " + seed + " nodes " + ids.size();
    }
}
