package io.ringkv.ring.membership;

import io.ringkv.common.Clock;
import io.ringkv.common.Scheduler;
import io.ringkv.ring.NodeId;
import io.ringkv.ring.partition.Member;
import io.ringkv.ring.partition.RingCodec;
import io.ringkv.ring.partition.RingSnapshot;
import io.ringkv.ring.transport.MessagingService;
import io.ringkv.ring.transport.Verb;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cassandra-style gossip, sans IO: every {@code gossipIntervalMillis} the node bumps its own
 * heartbeat, judges every peer with the {@link PhiAccrualFailureDetector}, and starts a
 * three-way exchange with a few random peers:
 *
 * <ol>
 *   <li>GOSSIP_SYN: digests (node, generation, max version) of every known node, and the ring
 *       digest.
 *   <li>Its reply, the ACK: the states the requester lacks (only the values newer than its
 *       digest), digests of what the responder lacks, and the ring if the requester's is older
 *       (or a request for the requester's ring if it is newer).
 *   <li>GOSSIP_ACK2: the states (and ring) the responder asked for.
 * </ol>
 *
 * The three verbs have one handler each; nothing here touches a socket, a thread or the system
 * clock: messaging, scheduling, time and randomness are injected, so the simulator runs the
 * same code. Every observed increase of a node's heartbeat version, first-hand or relayed by a
 * third node, is a heartbeat arrival for the failure detector (as in Cassandra).
 *
 * <p><b>Peers each round</b> (bounded by {@code gossipFanout + 2}): up to {@code gossipFanout}
 * random live peers; with probability unreachable / (live + 1) one unreachable peer (to notice
 * its return); and, if no seed was picked, a random seed when fewer peers are live than there
 * are seeds, or otherwise with probability seeds / (live + unreachable) (so partitioned groups
 * meet again at the seeds).
 *
 * <p><b>Evidence from requests.</b> {@link #reportUnreachable} (a refused or lost connection)
 * marks a peer down at once, without waiting for phi to climb; the suspicion is lifted by the
 * next heartbeat of that peer observed through gossip. {@link #reportSuccess} only lifts a
 * suspicion while phi itself says the peer is up: one answered request cannot keep alive a
 * node whose heartbeats stopped, and phi stays the one judge of liveness.
 *
 * <p><b>Forgetting.</b> A node whose status is left or removed is gossiped for
 * {@code removedRetentionMillis}, then forgotten; for {@code quarantineMillis} afterwards its
 * old generation is refused, so a peer that has not forgotten it yet cannot bring it back.
 *
 * <p><b>Threads.</b> Handlers run on transport threads and rounds on the scheduler's: all
 * gossip state is guarded by this object's lock. Liveness and the ring, read on every client
 * request, are published in concurrent maps and a volatile field and read without locks.
 * Listener events are queued under the lock and delivered by a scheduler task.
 */
public final class Gossiper {
    private static final Logger log = LoggerFactory.getLogger(Gossiper.class);
    private static final byte[] EMPTY = new byte[0];

    private final NodeId self;
    private final GossipSettings settings;
    private final MessagingService messaging;
    private final Scheduler scheduler;
    private final Clock clock;
    private final RandomGenerator random;
    private final Set<NodeId> seeds;
    private final long generation;
    private final PhiAccrualFailureDetector detector;
    private final List<MembershipListener> listeners = new CopyOnWriteArrayList<>();

    // ---- guarded by this
    /** Every known node's state, this node's included; sorted so iteration is deterministic. */
    private final ConcurrentSkipListMap<NodeId, EndpointState> endpoints = new ConcurrentSkipListMap<>();
    /** Peers judged up now (never this node). */
    private final Set<NodeId> live = new TreeSet<>();
    /**
     * Peers a request found unreachable and no heartbeat has vouched for since. Changed only
     * under the lock; concurrent so that {@link #reportSuccess}, called on every answered
     * request, can see without the lock that there is nothing to lift.
     */
    private final Set<NodeId> suspected = ConcurrentHashMap.newKeySet();
    /** Local time at which each node with status left/removed was first seen so. */
    private final Map<NodeId, Long> goneSinceMillis = new HashMap<>();
    /** Forgotten nodes: their last generation and until when it is refused. */
    private final Map<NodeId, Forgotten> quarantine = new HashMap<>();
    private final ArrayDeque<Event> pendingEvents = new ArrayDeque<>();
    private boolean drainScheduled;
    private long localVersion;
    private RingSnapshot ring;
    private byte[] ringBytes;
    private RingDigest ringDigest;
    private boolean running;
    private boolean handlersRegistered;
    private Scheduler.Cancellable nextRound;
    private long rounds;
    private long statesDropped;

    // ---- published for lock-free reads
    private volatile RingSnapshot publishedRing;
    private final Map<NodeId, Boolean> alive = new ConcurrentHashMap<>();

    private record Forgotten(long generation, long untilMillis) {}

    private interface Event {
        void deliver(MembershipListener l);
    }

    /**
     * @param initialRing the ring this node starts with (persisted or from config); a node
     *     that knows no ring yet passes a version-0 ring of itself, which any gossiped ring
     *     replaces
     * @param initialStates this node's application states at startup (addresses, weight...)
     * @param generations gives this incarnation's generation (read once, here)
     */
    public Gossiper(NodeId self, GossipSettings settings, RingSnapshot initialRing, Map<ApplicationState, String> initialStates,
            GenerationStore generations, MessagingService messaging, Scheduler scheduler, Clock clock, RandomGenerator random) {
        this.self = Objects.requireNonNull(self, "self");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.messaging = Objects.requireNonNull(messaging, "messaging");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.random = Objects.requireNonNull(random, "random");
        this.seeds = new TreeSet<>(settings.seeds());
        this.seeds.remove(self);
        this.detector = new PhiAccrualFailureDetector(settings.phi());
        this.generation = generations.next(Math.floorDiv(clock.currentTimeMillis(), 1000));
        TreeMap<ApplicationState, VersionedValue> own = new TreeMap<>();
        for (Map.Entry<ApplicationState, String> e : initialStates.entrySet()) {
            own.put(e.getKey(), new VersionedValue(e.getValue(), ++localVersion));
        }
        endpoints.put(self, new EndpointState(new HeartbeatState(generation, ++localVersion), own));
        installRing(initialRing, RingCodec.encode(initialRing));
    }

    // ------------------------------------------------------------------ lifecycle

    /** Registers the verb handlers (once) and starts the rounds, the first after a random fraction of an interval. */
    public synchronized void start() {
        if (running) {
            return;
        }
        if (!handlersRegistered) {
            messaging.register(Verb.GOSSIP_SYN, this::handleSyn);
            messaging.register(Verb.GOSSIP_ACK2, this::handleAck2);
            handlersRegistered = true;
        }
        running = true;
        // Spread the nodes' rounds over the interval instead of all gossiping at once.
        nextRound = scheduler.schedule(1 + random.nextLong(settings.gossipIntervalMillis()), this::round);
    }

    /** Stops the rounds; incoming gossip is refused from now on. */
    public synchronized void stop() {
        running = false;
        if (nextRound != null) {
            nextRound.cancel();
            nextRound = null;
        }
    }

    public void addListener(MembershipListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    public void removeListener(MembershipListener listener) {
        listeners.remove(listener);
    }

    // ------------------------------------------------------------------ reads

    public NodeId self() {
        return self;
    }

    public GossipSettings settings() {
        return settings;
    }

    /** This incarnation's generation. */
    public long generation() {
        return generation;
    }

    /** The current ring (lock-free). */
    public RingSnapshot ring() {
        return publishedRing;
    }

    /** Whether {@code node} is judged up (lock-free; this node always is). */
    public boolean isAlive(NodeId node) {
        return node.equals(self) || alive.getOrDefault(node, Boolean.FALSE);
    }

    /** What gossip knows of {@code node} (lock-free; an immutable snapshot). */
    public Optional<EndpointState> endpointState(NodeId node) {
        return Optional.ofNullable(endpoints.get(node));
    }

    /** Every node gossip knows, this one included, in id order. */
    public Set<NodeId> knownNodes() {
        return new TreeSet<>(endpoints.keySet());
    }

    /** The value of {@code state} gossiped by {@code node}, if any (lock-free). */
    public Optional<String> applicationState(NodeId node, ApplicationState state) {
        EndpointState s = endpoints.get(node);
        VersionedValue v = s == null ? null : s.get(state);
        return v == null ? Optional.empty() : Optional.of(v.value());
    }

    /** The status {@code node} gossips, if known. */
    public Optional<NodeStatus> status(NodeId node) {
        EndpointState s = endpoints.get(node);
        return Optional.ofNullable(s == null ? null : s.status());
    }

    /**
     * Where {@code node}'s inter-node transport listens, "host:port": its gossiped
     * CLUSTER_ADDRESS, else its ring entry. For the transport's address lookup.
     */
    public Optional<String> clusterAddress(NodeId node) {
        Optional<String> gossiped = applicationState(node, ApplicationState.CLUSTER_ADDRESS);
        if (gossiped.isPresent()) {
            return gossiped;
        }
        Member m = publishedRing.member(node);
        return m == null ? Optional.empty() : Optional.of(m.host() + ":" + m.clusterPort());
    }

    /** Where clients reach {@code node}, "host:port": its gossiped CLIENT_ADDRESS, else its ring entry. */
    public Optional<String> clientAddress(NodeId node) {
        Optional<String> gossiped = applicationState(node, ApplicationState.CLIENT_ADDRESS);
        if (gossiped.isPresent()) {
            return gossiped;
        }
        Member m = publishedRing.member(node);
        return m == null ? Optional.empty() : Optional.of(m.host() + ":" + m.clientPort());
    }

    /** The failure detector's suspicion of {@code node} now (0 for this node and unknown nodes). */
    public synchronized double phi(NodeId node) {
        return node.equals(self) ? 0.0 : detector.phi(node, clock.currentTimeMillis());
    }

    /** Rounds run so far. */
    public synchronized long rounds() {
        return rounds;
    }

    /** Counters for INFO ring. */
    public synchronized Map<String, Long> stats() {
        Map<String, Long> m = new TreeMap<>();
        m.put("gossip_rounds", rounds);
        m.put("gossip_endpoints", (long) endpoints.size());
        m.put("gossip_live", (long) live.size());
        m.put("gossip_generation", generation);
        m.put("gossip_ring_version", ring.version());
        m.put("gossip_states_dropped", statesDropped);
        return m;
    }

    // ------------------------------------------------------------------ local changes

    /** Sets one of this node's application states; peers learn it in the next rounds. */
    public void setLocalState(ApplicationState state, String value) {
        synchronized (this) {
            EndpointState own = endpoints.get(self);
            VersionedValue current = own.get(state);
            if (current != null && current.value().equals(value)) {
                return;
            }
            if (current == null && own.states().size() >= EndpointState.APPLICATION_STATES_MAX) {
                throw new IllegalStateException("this node already gossips " + EndpointState.APPLICATION_STATES_MAX + " application states");
            }
            endpoints.put(self, own.with(state, new VersionedValue(value, ++localVersion)));
            enqueue(l -> l.onStateChanged(self, state, value));
        }
    }

    /** Sets this node's STATUS. */
    public void setStatus(NodeStatus status) {
        setLocalState(ApplicationState.STATUS, status.text());
    }

    /**
     * Replaces the ring with {@code next}, a change made here (a join, a leave, a rebalance);
     * gossip spreads it. Its version must exceed the current ring's.
     */
    public void proposeRing(RingSnapshot next) {
        synchronized (this) {
            if (next.version() <= ring.version()) {
                throw new IllegalArgumentException("proposed ring version " + next.version() + " must exceed the current " + ring.version());
            }
            installRing(next, RingCodec.encode(next));
        }
    }

    /** Adds a node to contact like a seed (an operator named its address: RING JOIN host:port). */
    public synchronized void addSeed(NodeId node) {
        if (!node.equals(self)) {
            seeds.add(node);
        }
    }

    /**
     * Replaces this node's ring, in which it is alone, by {@code versionZero} (a version-0 ring
     * of itself), so that the first ring gossiped by the cluster it is joining replaces it
     * whatever the versions: a one-node ring of version 3 must not win over a cluster's ring of
     * version 2. Throws when the current ring has other members.
     */
    public void abandonRing(RingSnapshot versionZero) {
        synchronized (this) {
            if (ring.members().size() != 1 || !ring.members().get(0).id().equals(self)) {
                throw new IllegalStateException("this node's ring has other members: " + ring.members().size());
            }
            if (versionZero.version() != 0 || versionZero.members().size() != 1 || !versionZero.members().get(0).id().equals(self)) {
                throw new IllegalArgumentException("not a version-0 ring of this node: " + versionZero);
            }
            installRing(versionZero, RingCodec.encode(versionZero));
        }
    }

    // ------------------------------------------------------------------ evidence from requests

    /** A request to {@code node} failed to connect: judge it down until its next heartbeat. */
    public void reportUnreachable(NodeId node) {
        synchronized (this) {
            if (node.equals(self) || !endpoints.containsKey(node) || !suspected.add(node)) {
                return;
            }
            judge(node, clock.currentTimeMillis());
        }
    }

    /** A request to {@code node} was answered: lifts a suspicion, but only phi can say "up". */
    public void reportSuccess(NodeId node) {
        // The common case, a peer not suspected, takes no lock. A suspicion added concurrently
        // by reportUnreachable is not lifted by this success, exactly as if the success had
        // taken the lock first.
        if (!suspected.contains(node)) {
            return;
        }
        synchronized (this) {
            if (suspected.remove(node)) {
                judge(node, clock.currentTimeMillis());
            }
        }
    }

    // ------------------------------------------------------------------ the round

    private void round() {
        List<NodeId> targets;
        byte[] syn;
        synchronized (this) {
            if (!running) {
                return;
            }
            rounds++;
            long now = clock.currentTimeMillis();
            endpoints.put(self, endpoints.get(self).withHeartbeatVersion(++localVersion));
            statusCheck(now);
            targets = pickTargets();
            syn = targets.isEmpty() ? null : GossipMessages.encode(buildSyn());
            nextRound = scheduler.schedule(settings.gossipIntervalMillis(), this::round);
        }
        for (NodeId t : targets) {
            messaging.request(t, Verb.GOSSIP_SYN, syn, settings.gossipIntervalMillis())
                    .whenComplete((reply, err) -> onAck(t, reply, err));
        }
    }

    /** Re-judges every peer, forgets long-gone nodes and expires quarantine entries. */
    private void statusCheck(long now) {
        for (NodeId n : endpoints.keySet()) {
            if (!n.equals(self)) {
                judge(n, now);
            }
        }
        List<NodeId> forget = new ArrayList<>();
        for (Map.Entry<NodeId, Long> e : goneSinceMillis.entrySet()) {
            if (now - e.getValue() >= settings.removedRetentionMillis()) {
                forget.add(e.getKey());
            }
        }
        forget.sort(null);
        for (NodeId n : forget) {
            forget(n, now);
        }
        quarantine.values().removeIf(f -> f.untilMillis() <= now);
    }

    private void forget(NodeId node, long now) {
        EndpointState s = endpoints.remove(node);
        goneSinceMillis.remove(node);
        suspected.remove(node);
        detector.remove(node);
        live.remove(node);
        alive.remove(node);
        if (s != null) {
            if (quarantine.size() >= settings.endpointsMax()) {
                // Bounded: drop the entry that would expire first.
                NodeId first = null;
                for (Map.Entry<NodeId, Forgotten> e : quarantine.entrySet()) {
                    if (first == null || e.getValue().untilMillis() < quarantine.get(first).untilMillis()) {
                        first = e.getKey();
                    }
                }
                quarantine.remove(first);
            }
            quarantine.put(node, new Forgotten(s.generation(), now + settings.quarantineMillis()));
        }
        log.info("forgot {}, gone for {} ms", node, settings.removedRetentionMillis());
        enqueue(l -> l.onForgotten(node));
    }

    private List<NodeId> pickTargets() {
        List<NodeId> liveList = new ArrayList<>();
        List<NodeId> unreachable = new ArrayList<>();
        for (Map.Entry<NodeId, EndpointState> e : endpoints.entrySet()) {
            NodeId n = e.getKey();
            if (n.equals(self)) {
                continue;
            }
            NodeStatus st = e.getValue().status();
            if (st != null && st.isGone()) {
                continue; // a departed node is not gossiped to (its state still spreads)
            }
            (live.contains(n) ? liveList : unreachable).add(n);
        }
        // Seeds and ring members gossip has no state for are unreachable too: otherwise two
        // groups that each found a live seed among themselves would never learn of each other
        // (every node a seed, the seed rule below never fires), and stay split for good.
        Set<NodeId> unknown = new TreeSet<>(seeds);
        for (Member m : ring.members()) {
            unknown.add(m.id());
        }
        for (NodeId n : unknown) {
            if (!n.equals(self) && !endpoints.containsKey(n) && !quarantine.containsKey(n)) {
                unreachable.add(n);
            }
        }
        List<NodeId> targets = new ArrayList<>();
        // Partial Fisher-Yates: the first gossipFanout entries become a random sample.
        for (int i = 0; i < liveList.size() && i < settings.gossipFanout(); i++) {
            int j = i + random.nextInt(liveList.size() - i);
            NodeId pick = liveList.get(j);
            liveList.set(j, liveList.get(i));
            liveList.set(i, pick);
            targets.add(pick);
        }
        int liveCount = live.size();
        if (!unreachable.isEmpty() && random.nextDouble() < (double) unreachable.size() / (liveCount + 1)) {
            targets.add(unreachable.get(random.nextInt(unreachable.size())));
        }
        boolean seedPicked = false;
        for (NodeId t : targets) {
            seedPicked |= seeds.contains(t);
        }
        if (!seeds.isEmpty() && !seedPicked) {
            boolean contact = liveCount < seeds.size()
                    || random.nextDouble() < (double) seeds.size() / (liveCount + unreachable.size());
            if (contact) {
                List<NodeId> seedList = new ArrayList<>(seeds);
                NodeId seed = seedList.get(random.nextInt(seedList.size()));
                if (!targets.contains(seed)) {
                    targets.add(seed);
                }
            }
        }
        return targets;
    }

    /** Digests of every known node from a random starting point, within the message budget. */
    private GossipMessages.Syn buildSyn() {
        List<GossipDigest> digests = new ArrayList<>();
        int budget = settings.gossipMessageBytesMax() - 32;
        for (NodeId n : rotated(endpoints.keySet())) {
            EndpointState s = endpoints.get(n);
            GossipDigest d = new GossipDigest(n, s.generation(), s.maxVersion());
            budget -= GossipMessages.digestSize(d);
            if (budget < 0) {
                break;
            }
            digests.add(d);
        }
        return new GossipMessages.Syn(digests, ringDigest);
    }

    /**
     * The nodes starting at a random one and wrapping around: truncated messages then carry a
     * different part each round instead of starving the same tail.
     */
    private List<NodeId> rotated(Set<NodeId> nodes) {
        List<NodeId> all = new ArrayList<>(nodes);
        if (all.size() < 2) {
            return all;
        }
        int start = random.nextInt(all.size());
        List<NodeId> out = new ArrayList<>(all.size());
        out.addAll(all.subList(start, all.size()));
        out.addAll(all.subList(0, start));
        return out;
    }

    // ------------------------------------------------------------------ SYN -> ACK

    private CompletableFuture<byte[]> handleSyn(NodeId from, byte[] payload) {
        GossipMessages.Syn syn = GossipMessages.decodeSyn(payload);
        byte[] ack;
        synchronized (this) {
            if (!running) {
                return CompletableFuture.failedFuture(new IllegalStateException("gossip is stopped on " + self));
            }
            ack = GossipMessages.encode(buildAck(syn));
        }
        return CompletableFuture.completedFuture(ack);
    }

    private GossipMessages.Ack buildAck(GossipMessages.Syn syn) {
        int[] budget = {settings.gossipMessageBytesMax() - 32};
        List<Map.Entry<NodeId, EndpointState>> states = new ArrayList<>();
        Set<NodeId> mentioned = new HashSet<>();
        List<GossipDigest> wanted = new ArrayList<>();
        boolean full = false;
        for (GossipDigest d : syn.digests()) {
            if (!mentioned.add(d.node())) {
                continue; // a duplicate digest: the first one counts
            }
            EndpointState local = endpoints.get(d.node());
            EndpointState send = null;
            if (local == null) {
                if (!quarantined(d.node(), d.generation())) {
                    wanted.add(new GossipDigest(d.node(), d.generation(), 0));
                }
            } else if (d.generation() > local.generation()) {
                wanted.add(new GossipDigest(d.node(), local.generation(), 0));
            } else if (d.generation() < local.generation()) {
                send = local;
            } else if (d.maxVersion() > local.maxVersion()) {
                wanted.add(new GossipDigest(d.node(), local.generation(), local.maxVersion()));
            } else if (d.maxVersion() < local.maxVersion()) {
                send = local.newerThan(d.maxVersion());
            }
            if (send != null && !full) {
                full = !add(states, d.node(), send, budget);
            }
        }
        // Nodes the requester did not mention: it does not know them (or its digest list was truncated).
        if (!full) {
            for (NodeId n : rotated(endpoints.keySet())) {
                if (!mentioned.contains(n) && !add(states, n, endpoints.get(n), budget)) {
                    break;
                }
            }
        }
        List<GossipDigest> requests = new ArrayList<>();
        for (GossipDigest w : wanted) {
            budget[0] -= GossipMessages.digestSize(w);
            if (budget[0] < 0) {
                break;
            }
            requests.add(w);
        }
        int ringOrder = ringDigest.compareTo(syn.ring());
        return new GossipMessages.Ack(states, requests, ringOrder > 0 ? ringBytes : null, ringOrder < 0);
    }

    /** Adds a state if it fits in what is left of the budget (and takes its size from it). */
    private static boolean add(List<Map.Entry<NodeId, EndpointState>> states, NodeId node, EndpointState s, int[] budget) {
        int size = GossipMessages.stateSize(node, s);
        if (size > budget[0]) {
            return false;
        }
        budget[0] -= size;
        states.add(Map.entry(node, s));
        return true;
    }
    // ------------------------------------------------------------------ ACK -> ACK2

    private void onAck(NodeId from, byte[] reply, Throwable err) {
        if (err != null) {
            // Lost or refused gossip is expected while peers are down; phi judges them, not this.
            log.debug("gossip to {} failed: {}", from, err.toString());
            return;
        }
        GossipMessages.Ack ack;
        try {
            ack = GossipMessages.decodeAck(reply);
        } catch (IllegalArgumentException e) {
            log.warn("malformed gossip ACK from {}: {}", from, e.getMessage());
            return;
        }
        byte[] ack2;
        synchronized (this) {
            if (!running) {
                return;
            }
            long now = clock.currentTimeMillis();
            applyStates(ack.states(), now);
            if (ack.ring() != null) {
                applyRing(from, ack.ring());
            }
            List<Map.Entry<NodeId, EndpointState>> states = new ArrayList<>();
            int[] budget = {settings.gossipMessageBytesMax() - 32};
            for (GossipDigest r : ack.requests()) {
                EndpointState local = endpoints.get(r.node());
                if (local == null || local.generation() < r.generation()
                        || (local.generation() == r.generation() && local.maxVersion() <= r.maxVersion())) {
                    continue; // nothing newer than what the peer has
                }
                EndpointState send = local.generation() > r.generation() ? local : local.newerThan(r.maxVersion());
                if (!add(states, r.node(), send, budget)) {
                    break;
                }
            }
            byte[] ring = ack.ringWanted() ? ringBytes : null;
            ack2 = states.isEmpty() && ring == null ? null : GossipMessages.encode(new GossipMessages.Ack2(states, ring));
        }
        if (ack2 != null) {
            messaging.request(from, Verb.GOSSIP_ACK2, ack2, settings.gossipIntervalMillis()).whenComplete((r, e) -> {
                if (e != null) {
                    log.debug("gossip ACK2 to {} failed: {}", from, e.toString());
                }
            });
        }
    }

    private CompletableFuture<byte[]> handleAck2(NodeId from, byte[] payload) {
        GossipMessages.Ack2 ack2 = GossipMessages.decodeAck2(payload);
        synchronized (this) {
            if (!running) {
                return CompletableFuture.failedFuture(new IllegalStateException("gossip is stopped on " + self));
            }
            applyStates(ack2.states(), clock.currentTimeMillis());
            if (ack2.ring() != null) {
                applyRing(from, ack2.ring());
            }
        }
        return CompletableFuture.completedFuture(EMPTY);
    }

    // ------------------------------------------------------------------ merging

    private void applyStates(List<Map.Entry<NodeId, EndpointState>> states, long now) {
        for (Map.Entry<NodeId, EndpointState> e : states) {
            applyState(e.getKey(), e.getValue(), now);
        }
    }

    /** Merges what a peer said about {@code node}; see {@link EndpointState} for the rule. */
    void applyState(NodeId node, EndpointState remote, long now) {
        if (node.equals(self)) {
            return; // nobody knows this node better than itself
        }
        if (quarantined(node, remote.generation())) {
            return;
        }
        EndpointState local = endpoints.get(node);
        if (local == null && endpoints.size() >= settings.endpointsMax()) {
            if (statesDropped++ == 0) {
                log.warn("more than {} nodes gossiped: ignoring {} and further new nodes", settings.endpointsMax(), node);
            }
            return;
        }
        if (local != null && remote.generation() > local.generation()
                && remote.generation() > Math.floorDiv(now, 1000) + GossipSettings.GENERATION_AHEAD_MAX_SECONDS) {
            log.warn("refusing generation {} of {}: more than a year ahead of this node's clock", remote.generation(), node);
            return;
        }
        EndpointState merged;
        try {
            merged = EndpointState.merge(local, remote);
        } catch (IllegalArgumentException ex) {
            log.warn("refusing state of {}: {}", node, ex.getMessage());
            return;
        }
        if (merged == local) {
            return;
        }
        endpoints.put(node, merged);
        boolean restarted = local != null && merged.generation() > local.generation();
        if (local == null || restarted) {
            // A new rhythm: the old intervals (and the restart gap) say nothing about it.
            detector.remove(node);
            detector.heartbeat(node, now);
            suspected.remove(node);
            if (restarted) {
                log.info("{} restarted (generation {} -> {})", node, local.generation(), merged.generation());
                enqueue(l -> l.onRestarted(node));
            }
        } else if (merged.heartbeat().version() > local.heartbeat().version()) {
            detector.heartbeat(node, now);
            suspected.remove(node);
        }
        for (Map.Entry<ApplicationState, VersionedValue> v : merged.states().entrySet()) {
            VersionedValue before = local == null || restarted ? null : local.get(v.getKey());
            if (before == null || before.version() != v.getValue().version()) {
                ApplicationState name = v.getKey();
                String value = v.getValue().value();
                enqueue(l -> l.onStateChanged(node, name, value));
            }
        }
        NodeStatus status = merged.status();
        if (status != null && status.isGone()) {
            goneSinceMillis.putIfAbsent(node, now);
        } else {
            goneSinceMillis.remove(node);
        }
        judge(node, now);
    }

    private boolean quarantined(NodeId node, long remoteGeneration) {
        Forgotten f = quarantine.get(node);
        return f != null && remoteGeneration <= f.generation();
    }

    /** Recomputes whether {@code node} is up and tells the listeners if that changed. */
    private void judge(NodeId node, long now) {
        EndpointState s = endpoints.get(node);
        NodeStatus status = s == null ? null : s.status();
        boolean up = s != null
                && (status == null || !status.isGone())
                && !suspected.contains(node)
                && detector.isAvailable(node, now);
        boolean changed = up ? live.add(node) : live.remove(node);
        if (s == null) {
            alive.remove(node);
        } else {
            alive.put(node, up);
        }
        if (changed) {
            if (up) {
                log.info("{} is up", node);
                enqueue(l -> l.onUp(node));
            } else {
                if (log.isInfoEnabled()) {
                    log.info("{} is down (phi {}{})", node, String.format("%.1f", detector.phi(node, now)),
                            suspected.contains(node) ? ", unreachable" : "");
                }
                enqueue(l -> l.onDown(node));
            }
        }
    }

    private void applyRing(NodeId from, byte[] bytes) {
        RingSnapshot received;
        try {
            received = RingCodec.decode(bytes);
        } catch (IllegalArgumentException e) {
            log.warn("malformed ring from {}: {}", from, e.getMessage());
            return;
        }
        RingDigest digest = new RingDigest(received.version(), RingCodec.contentHash(bytes));
        if (digest.compareTo(ringDigest) > 0) {
            installRing(received, bytes);
        }
    }

    private void installRing(RingSnapshot next, byte[] encoded) {
        RingSnapshot previous = ring;
        ring = next;
        ringBytes = encoded;
        ringDigest = new RingDigest(next.version(), RingCodec.contentHash(encoded));
        publishedRing = next;
        if (previous != null) {
            log.info("ring version {} -> {}", previous.version(), next.version());
            enqueue(l -> l.onRingChanged(previous, next));
        }
    }

    /** The digest of the current ring. */
    public synchronized RingDigest ringDigest() {
        return ringDigest;
    }

    // ------------------------------------------------------------------ events

    /** Queues an event (under the lock) and makes sure a scheduler task will deliver it. */
    private void enqueue(Event e) {
        if (listeners.isEmpty()) {
            return;
        }
        pendingEvents.add(e);
        if (!drainScheduled) {
            drainScheduled = true;
            scheduler.schedule(0, this::drainEvents);
        }
    }

    private void drainEvents() {
        while (true) {
            Event e;
            synchronized (this) {
                e = pendingEvents.poll();
                if (e == null) {
                    drainScheduled = false;
                    return;
                }
            }
            for (MembershipListener l : listeners) {
                try {
                    e.deliver(l);
                } catch (RuntimeException ex) {
                    log.error("membership listener {} failed", l, ex);
                }
            }
        }
    }
}
