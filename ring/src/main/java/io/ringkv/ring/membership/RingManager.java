package io.ringkv.ring.membership;

import io.ringkv.common.Clock;
import io.ringkv.common.Scheduler;
import io.ringkv.ring.NodeId;
import io.ringkv.ring.partition.Member;
import io.ringkv.ring.partition.RingSnapshot;
import io.ringkv.ring.partition.RingTransitions;
import io.ringkv.ring.streaming.StreamService;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives ring changes to completion on this node: joining, leaving, removing a dead node and
 * replacing one. Changes are desires kept until the gossiped ring satisfies them, so a proposal
 * lost to a concurrent one (gossip keeps one ring per version) is simply proposed again.
 *
 * <p>A change is two ring versions. The first puts the ring in transition: owners stay, the
 * pending owners are the target. Every node that will gain a replica streams its partitions
 * from current replicas ({@link StreamService}) while coordinators write to both (pending-range
 * writes), then gossips {@link #STREAMED} with the version. When every receiver has reported,
 * any node commits: the commit is a pure function of the ring, so nodes committing at once
 * propose equal rings and gossip sees no conflict. Streaming starts only after the transition
 * ring has been known for {@code ringSettleMillis}, so that coordinators have learned it and
 * write to the pending replicas before the stream passes their keys (Cassandra's RING_DELAY);
 * what still slips through is anti-entropy's to fix.
 *
 * <p>One transition at a time: a change asked for during one waits for it to commit. A
 * receiver that dies mid-transition holds the transition until it returns (its stream
 * resumes) or an operator abandons the change ({@link #abort}).
 *
 * <p>Runs on the gossip scheduler thread (ring-change events and a periodic check); the
 * operator calls ({@link #join}, {@link #leave}, {@link #remove}) come from client threads, so
 * state is guarded by this object's lock, and nothing blocks under it.
 */
public final class RingManager implements MembershipListener {
    private static final Logger log = LoggerFactory.getLogger(RingManager.class);
    /** Gossiped by a node once it has streamed everything it receives in the ring version given. */
    public static final ApplicationState STREAMED = ApplicationState.of("STREAMED");

    /**
     * @param checkIntervalMillis how often the state is re-examined besides on ring changes
     * @param ringSettleMillis how long a transition ring must be known before streaming starts
     * @param leftGraceMillis how long a node that has left keeps gossiping before it stops
     * @param autoJoin whether a node outside the ring joins by itself
     */
    public record Settings(long checkIntervalMillis, long ringSettleMillis, long leftGraceMillis, boolean autoJoin) {
        public Settings {
            if (checkIntervalMillis < 1 || ringSettleMillis < 0 || leftGraceMillis < 0) {
                throw new IllegalArgumentException("bad ring manager settings");
            }
        }
    }

    /**
     * Where the last ring seen is kept, so a restarted node starts from it, not from config,
     * and whether this node was asked to leave: a decommission survives a crash (it resumes on
     * restart), and a node that has left stays out when restarted instead of joining again.
     */
    public interface RingStore {
        Optional<RingSnapshot> load();

        void save(RingSnapshot ring);

        boolean leaveRequested();

        /** Durable before it returns. */
        void requestLeave();
    }

    private final Member me;
    private final GossipMembership membership;
    private final Gossiper gossiper;
    private final StreamService streams;
    private final RingStore ringStore;
    private final Scheduler scheduler;
    private final Clock clock;
    private final Settings settings;
    private final Runnable onLeft;

    private boolean running;
    private boolean wantJoin;
    private boolean wantLeave;
    private NodeId replacing;
    private final Set<NodeId> toRemove = new LinkedHashSet<>();
    private long savedVersion = -1;
    private long transitionVersion = -1;
    private long transitionSeenMillis;
    private long streamingVersion = -1;
    private long cleanedVersion = -1;
    private boolean left;
    private String lastEvent = "none";

    /**
     * @param onLeft called once this node's leave has committed and the grace has passed (the
     *     node then shuts down)
     */
    public RingManager(Member me, GossipMembership membership, StreamService streams, RingStore ringStore, Scheduler scheduler,
            Clock clock, Settings settings, Runnable onLeft) {
        this.me = Objects.requireNonNull(me, "me");
        this.membership = membership;
        this.gossiper = membership.gossiper();
        this.streams = streams;
        this.ringStore = ringStore;
        this.scheduler = scheduler;
        this.clock = clock;
        this.settings = settings;
        this.onLeft = onLeft;
        this.wantLeave = ringStore.leaveRequested();
        this.wantJoin = settings.autoJoin() && !wantLeave;
    }

    /** Starts watching the ring. Call after the gossiper started. */
    public void start() {
        synchronized (this) {
            running = true;
        }
        membership.addListener(this);
        tick();
    }

    public synchronized void stop() {
        running = false;
    }

    private void tick() {
        synchronized (this) {
            if (!running) {
                return;
            }
        }
        try {
            evaluate();
        } catch (RuntimeException e) {
            log.error("ring manager check failed", e);
        }
        scheduler.schedule(settings.checkIntervalMillis(), this::tick);
    }

    @Override
    public void onRingChanged(RingSnapshot previous, RingSnapshot current) {
        evaluate();
    }

    // ------------------------------------------------------------------ operator requests

    /** Joins the ring (a node outside it); a no-op for a member. */
    public synchronized void join() {
        wantJoin = true;
        schedule();
    }

    /**
     * Joins the ring of the cluster {@code seed} belongs to, for a node that is alone in its own
     * ring (started as a one-node cluster): this node's ring is dropped for a version-0 one, so
     * the cluster's ring replaces it, and the node then joins it like any newcomer. Throws when
     * this node's ring has other members.
     */
    public synchronized void joinRingOf(NodeId seed) {
        RingSnapshot ring = membership.ring();
        if (ring.members().size() != 1 || !ring.members().get(0).id().equals(me.id())) {
            throw new IllegalStateException("this node is already in a ring of " + ring.members().size() + " members");
        }
        gossiper.addSeed(seed);
        if (ring.version() > 0) {
            gossiper.abandonRing(RingSnapshot.unjoined(me, ring.partitionCount(), ring.replicationFactor()));
        }
        lastEvent = "joining the ring of " + seed;
        join();
    }

    /**
     * Decommissions this node: its partitions stream to their new owners, then it leaves and
     * stops. Throws when the node is not a member or is the last one.
     */
    public synchronized void leave() {
        RingSnapshot ring = membership.ring();
        if (!ring.isCurrentMember(me.id())) {
            throw new IllegalStateException("this node is not a member of the ring");
        }
        if (ring.currentMembers().size() < 2) {
            throw new IllegalStateException("the last node of a ring cannot leave it");
        }
        ringStore.requestLeave();
        wantLeave = true;
        wantJoin = false;
        schedule();
    }

    /**
     * Takes a dead node out of the ring; surviving replicas re-replicate its partitions.
     * Throws when the node is not a member, is this node, or is believed up.
     */
    public synchronized void remove(NodeId node) {
        RingSnapshot ring = membership.ring();
        if (node.equals(me.id())) {
            throw new IllegalStateException("a node cannot remove itself; use RING LEAVE");
        }
        if (!ring.isCurrentMember(node)) {
            throw new IllegalStateException("no such node in the ring: " + node);
        }
        if (membership.isAlive(node)) {
            throw new IllegalStateException("node " + node + " is up; RING REMOVE takes out dead nodes (run RING LEAVE on it instead)");
        }
        toRemove.add(node);
        schedule();
    }

    /**
     * Abandons the ring change in progress (for one held up by a receiver that died and will
     * not return): the ring goes back to its current owners. Data already streamed stays where
     * it is, and is cleaned up like any partition a node does not replicate. A node that still
     * wants its change (a live joiner, a leaver) proposes it again. Throws when no change is
     * in progress.
     */
    public synchronized void abort() {
        RingSnapshot ring = membership.ring();
        if (!ring.isInTransition()) {
            throw new IllegalStateException("no ring change in progress");
        }
        RingSnapshot back = ring.withoutPending();
        gossiper.proposeRing(back);
        lastEvent = "aborted ring version " + ring.version() + " as version " + back.version();
        log.warn("ring change of version {} aborted by an operator (now version {})", ring.version(), back.version());
    }

    /** This node takes the place of {@code dead}: its partitions, streamed from their other replicas. */
    public synchronized void replace(NodeId dead) {
        replacing = dead;
        wantJoin = true;
        schedule();
    }

    private void schedule() {
        scheduler.schedule(0, this::evaluate);
    }

    // ------------------------------------------------------------------ the state machine

    /** Looks at the ring and takes the next step of whatever change is wanted or under way. */
    void evaluate() {
        Runnable after = null;
        synchronized (this) {
            if (!running || left) {
                return;
            }
            RingSnapshot ring = membership.ring();
            if (ring.version() == 0) {
                return; // no ring learned yet: nothing to decide from
            }
            if (ring.version() != savedVersion) {
                ringStore.save(ring);
                savedVersion = ring.version();
            }
            if (ring.isInTransition()) {
                after = inTransition(ring);
            } else {
                settled(ring);
            }
        }
        if (after != null) {
            after.run();
        }
    }

    private void settled(RingSnapshot ring) {
        transitionVersion = -1;
        NodeId self = me.id();
        if (ring.isCurrentMember(self)) {
            wantJoin = false;
            replacing = null;
            if (wantLeave) {
                propose(RingTransitions.leave(ring, self), NodeStatus.LEAVING, "leaving");
                return;
            }
            toRemove.removeIf(n -> !ring.isCurrentMember(n));
            for (NodeId dead : toRemove) {
                if (!membership.isAlive(dead)) {
                    propose(RingTransitions.remove(ring, dead), null, "removing " + dead);
                    return;
                }
            }
            if (gossiper.status(self).orElse(NodeStatus.NORMAL) != NodeStatus.NORMAL) {
                gossiper.setStatus(NodeStatus.NORMAL);
                lastEvent = "normal at ring version " + ring.version();
            }
            if (cleanedVersion != ring.version()) {
                cleanedVersion = ring.version();
                // Partitions that moved away are deleted once the ring has had time to spread:
                // until then a peer on the old ring may still read them here.
                long version = ring.version();
                scheduler.schedule(settings.ringSettleMillis(), () -> cleanupIfCurrent(version));
            }
            return;
        }
        NodeStatus status = gossiper.status(self).orElse(NodeStatus.NORMAL);
        if (wantLeave || status == NodeStatus.LEAVING) {
            // Our leave committed (or this node left before a restart): say so for a while, then
            // stop. The request stays stored, so a restart does not join the ring again.
            left = true;
            gossiper.setStatus(NodeStatus.LEFT);
            lastEvent = "left at ring version " + ring.version();
            log.info("node {} has left the ring (version {}); stopping in {} ms", self, ring.version(), settings.leftGraceMillis());
            scheduler.schedule(settings.leftGraceMillis(), onLeft);
            return;
        }
        if (replacing != null) {
            if (!ring.isCurrentMember(replacing)) {
                log.warn("cannot replace {}: not a member of ring version {}; joining instead", replacing, ring.version());
                replacing = null;
            } else if (membership.isAlive(replacing)) {
                lastEvent = "waiting: " + replacing + " is up, cannot replace it";
                return;
            } else {
                propose(RingTransitions.replace(ring, replacing, me), NodeStatus.JOINING, "replacing " + replacing);
                return;
            }
        }
        if (wantJoin) {
            propose(RingTransitions.join(ring, me), NodeStatus.JOINING, "joining");
        }
    }

    private Runnable inTransition(RingSnapshot ring) {
        long now = clock.currentTimeMillis();
        if (transitionVersion != ring.version()) {
            transitionVersion = ring.version();
            transitionSeenMillis = now;
        }
        NodeId self = me.id();
        if (ring.isCurrentMember(self) && !ring.isTargetMember(self) && !wantLeave) {
            // The ring is taking this node out (its decommission began in an earlier incarnation,
            // or it is being removed): once that commits, this node has left and must stop, not
            // join again as a newcomer (autoJoin) as if it had never been a member.
            ringStore.requestLeave();
            wantLeave = true;
            wantJoin = false;
            gossiper.setStatus(NodeStatus.LEAVING);
            lastEvent = "leaving (ring version " + ring.version() + " takes this node out)";
        }
        Runnable after = null;
        if (ring.partitionsToReceive(self).length > 0 && !reported(self, ring.version())) {
            if (streams.hasStreamed(ring)) {
                report(ring.version());
            } else if (streamingVersion != ring.version() && now - transitionSeenMillis >= settings.ringSettleMillis()) {
                streamingVersion = ring.version();
                long version = ring.version();
                lastEvent = "streaming for ring version " + version;
                after = () -> streams.start(ring).whenComplete((v, err) -> {
                    if (err == null) {
                        report(version);
                        schedule();
                    } else {
                        synchronized (this) {
                            // Tried again at the next check (the stream resumes where it stopped).
                            streamingVersion = -1;
                        }
                        log.warn("streaming for ring version {} failed: {}", version, err.toString());
                    }
                });
            }
        }
        Set<NodeId> done = new HashSet<>();
        for (var m : ring.members()) {
            if (reported(m.id(), ring.version())) {
                done.add(m.id());
            }
        }
        if (RingTransitions.readyToCommit(ring, done, n -> n.equals(self) || membership.isAlive(n))) {
            RingSnapshot committed = RingTransitions.commit(ring);
            gossiper.proposeRing(committed);
            lastEvent = "committed ring version " + committed.version();
            log.info("ring version {} committed as version {}", ring.version(), committed.version());
        }
        return after;
    }

    private boolean reported(NodeId node, long version) {
        return gossiper.applicationState(node, STREAMED).map(v -> v.equals(Long.toString(version))).orElse(false);
    }

    private void report(long version) {
        gossiper.setLocalState(STREAMED, Long.toString(version));
        synchronized (this) {
            lastEvent = "streamed for ring version " + version;
        }
    }

    private void propose(RingSnapshot next, NodeStatus status, String what) {
        if (status != null) {
            gossiper.setStatus(status);
        }
        gossiper.proposeRing(next);
        lastEvent = what + ": proposed ring version " + next.version();
        log.info("{}: proposed ring version {}", what, next.version());
    }

    private void cleanupIfCurrent(long version) {
        RingSnapshot ring = membership.ring();
        if (ring.version() == version && !ring.isInTransition()) {
            streams.cleanup(ring).whenComplete((deleted, err) -> {
                if (err != null) {
                    log.warn("cleanup after ring version {} failed: {}", version, err.toString());
                } else if (deleted > 0) {
                    log.info("cleanup after ring version {}: deleted {} keys this node no longer replicates", version, deleted);
                }
            });
        }
    }

    // ------------------------------------------------------------------ for operators

    /** What this node is doing about the ring, for INFO ring and {@code bin/ringkv status}. */
    public synchronized Map<String, String> describe() {
        RingSnapshot ring = membership.ring();
        Map<String, String> m = new TreeMap<>();
        List<String> wanted = new ArrayList<>();
        if (wantJoin) {
            wanted.add(replacing == null ? "join" : "replace " + replacing);
        }
        if (wantLeave) {
            wanted.add("leave");
        }
        for (NodeId n : toRemove) {
            wanted.add("remove " + n);
        }
        m.put("ring_in_transition", ring.isInTransition() ? "yes" : "no");
        m.put("ring_pending_changes", wanted.isEmpty() ? "none" : String.join(",", wanted));
        m.put("ring_last_event", lastEvent);
        m.put("partitions_to_receive", Integer.toString(ring.partitionsToReceive(me.id()).length));
        return m;
    }
}
