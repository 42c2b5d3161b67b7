package io.ringkv.ring.sim;

import io.ringkv.ring.Consistency;
import io.ringkv.ring.ConsistencyLevel;
import io.ringkv.ring.NodeId;
import io.ringkv.ring.coordinator.CoordinatorSettings;
import io.ringkv.ring.partition.Member;
import io.ringkv.ring.partition.RingSnapshot;
import io.ringkv.ring.version.Siblings;
import io.ringkv.ring.version.VersionVector;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * One deterministic run of an N-node RingKV cluster (TigerBeetle's VOPR model): the production
 * coordinator, replica store, version logic and membership of every node, over a simulated
 * network and virtual time, driven by random clients and a fault-injecting nemesis, all
 * derived from one seed. Nothing sleeps and nothing runs on another thread: the run is a pure
 * function of {@link SimConfig}, and a failure names the seed that reproduces it.
 *
 * <p>Phases:
 *
 * <ol>
 *   <li><b>Workload.</b> Clients issue {@code operations} random operations (GET, CAUSAL.GET,
 *       SET, CAUSAL.SET/DEL with the context of an earlier CAUSAL.GET, read-modify-write
 *       appends and deletes; at ONE, QUORUM or ALL) to random live nodes, which route them to
 *       the key's coordinator ({@link SimRouter}). Meanwhile the nemesis, per the run's
 *       {@link SimConfig.Profile}, drops and delays messages, cuts and heals links, and
 *       crashes and restarts nodes. Coordinators that disagree about who is alive coordinate
 *       the same key at once: that is how siblings arise.
 *   <li><b>Drain.</b> No new operations; those in flight finish (every one must, within a
 *       bound).
 *   <li><b>Heal and repair.</b> Links healed, loss off, crashed nodes restarted; once the
 *       nodes see each other again, every key is read at ALL, which read-repairs every
 *       replica to the merge of all.
 *   <li><b>Check.</b> Every replica of a key holds the same sibling set (convergence), and
 *       the {@link HistoryChecker}'s final properties hold; invariants on the way were checked
 *       after every task.
 * </ol>
 */
final class Simulation {
    private static final Consistency ALL = new Consistency(ConsistencyLevel.ALL, ConsistencyLevel.ALL);
    private static final int FINAL_READ_ATTEMPTS = 5;

    /** What a run did: for summaries and the determinism check. */
    record Result(SimConfig config, long fingerprint, String history, long tasks, long virtualMillis, int acknowledged,
            int failed, int unavailable, int writeEvents, int siblingsMax, Map<String, Long> network) {}

    private final SimConfig config;
    private final SimScheduler scheduler;
    private final SimNetwork network;
    private final HistoryLog log;
    private final HistoryChecker checker;
    private final RingSnapshot ring;
    private final Map<NodeId, SimNode> nodes = new TreeMap<>();
    private final List<String> keys = new ArrayList<>();
    private final List<String> appendKeys = new ArrayList<>();
    /** Two append keys sharing a hash tag (one partition), for multi-key read-modify-writes. */
    private final List<String> pairKeys = new ArrayList<>();
    private final Map<Long, Op> opTable = new TreeMap<>();
    private final SimRouter router;
    private final SplittableRandom workloadRandom;
    private final SplittableRandom nemesisRandom;
    private final List<Client> clients = new ArrayList<>();
    /** Operations whose client is connected to each node, to fail them when it crashes. */
    private final Map<NodeId, Map<Long, Op>> openAtEntry = new TreeMap<>();
    private int issued;
    private boolean workloadOver;

    private Simulation(SimConfig config, boolean keepHistory) {
        this.config = config;
        SplittableRandom master = new SplittableRandom(config.seed() ^ 0x9E3779B97F4A7C15L);
        this.scheduler = new SimScheduler(SimConfig.EPOCH_MILLIS, 2_000_000L + config.operations() * 2_000L);
        this.network = new SimNetwork(scheduler, master.split(), 0, config.delayMaxMillis());
        this.workloadRandom = master.split();
        this.nemesisRandom = master.split();
        this.log = new HistoryLog(keepHistory);
        List<Member> members = new ArrayList<>();
        for (int i = 1; i <= config.nodes(); i++) {
            members.add(new Member(new NodeId("n" + i), "127.0.0.1", 7000 + i, 17000 + i, 1));
        }
        this.ring = RingSnapshot.initial(members, config.partitions(), SimConfig.REPLICATION_FACTOR);
        this.checker = new HistoryChecker(log, scheduler, k -> ring.preferenceList(k.getBytes(StandardCharsets.US_ASCII)),
                SimConfig.REPLICATION_FACTOR);
        network.tap(checker);
        this.router = new SimRouter(nodes, opTable, checker, config.retryLostForwards());
        // Key names vary with the seed so that runs exercise different preference lists.
        int salt = workloadRandom.nextInt(1_000_000);
        for (int i = 0; i < config.mixedKeys(); i++) {
            keys.add("k" + i + "." + salt);
        }
        for (int i = 0; i < config.appendKeys(); i++) {
            appendKeys.add("a" + i + "." + salt);
        }
        pairKeys.add("{p." + salt + "}1");
        pairKeys.add("{p." + salt + "}2");
        appendKeys.addAll(pairKeys);
        keys.addAll(appendKeys);
        CoordinatorSettings settings = new CoordinatorSettings(new Consistency(ConsistencyLevel.QUORUM, ConsistencyLevel.QUORUM),
                SimConfig.REQUEST_TIMEOUT_MILLIS, config.readRepairChance(), config.keyWaitersMax(), 16);
        for (Member m : ring.members()) {
            long skew = config.clockSkewMaxMillis() == 0 ? 0
                    : nemesisRandom.nextLong(-config.clockSkewMaxMillis(), config.clockSkewMaxMillis() + 1);
            nodes.put(m.id(), new SimNode(m.id(), skew, scheduler, network, ring, settings, checker, master.split(), router::install));
            openAtEntry.put(m.id(), new LinkedHashMap<>());
        }
        for (int i = 0; i < config.clients(); i++) {
            clients.add(new Client(i));
        }
        scheduler.afterEach(() -> {
            checker.endOfTask();
            if (!checker.violations().isEmpty()) {
                throw failure("invariant violated");
            }
        });
    }

    /** Runs {@code config}; throws a {@link SimulationFailure} naming the seed if any property fails. */
    static Result run(SimConfig config, boolean keepHistory) {
        Simulation sim = new Simulation(config, keepHistory);
        try {
            return sim.execute();
        } catch (SimulationFailure e) {
            throw e;
        } catch (AssertionError | RuntimeException e) {
            // Production code's own assertions and exceptions: still name the seed.
            SimulationFailure failure = sim.failure("unexpected exception: " + e);
            failure.initCause(e);
            throw failure;
        }
    }

    private Result execute() {
        log.add(scheduler.nowMillis(), "config " + config + " keys " + keys);
        for (SimNode n : nodes.values()) {
            n.start();
        }
        for (Client c : clients) {
            scheduler.schedule(workloadRandom.nextInt(10), () -> issue(c));
        }
        SimConfig.Profile p = config.profile();
        if (p.loss || p.partitions || p.crashes) {
            scheduler.schedule(100 + nemesisRandom.nextInt(400), this::nemesis);
        }

        // 1. Workload. Every operation takes at most a forward timeout or so; the bound is loose.
        long workloadDeadline = scheduler.nowMillis() + config.operations() * 5_000L;
        if (!scheduler.runUntil(() -> issued >= config.operations() && allDone(), workloadDeadline)) {
            throw failure("the workload did not finish: " + pendingOps());
        }
        workloadOver = true;
        log.add(scheduler.nowMillis(), "workload over after " + scheduler.executed() + " tasks");

        // 2. Drain: work the coordinators still do for failed operations (queued behind key locks,
        // replication in flight, forwarded commands still on the wire) runs out against the
        // faults still in place.
        scheduler.runUntil(scheduler.nowMillis() + SimConfig.SLOW_DELAY_MAX_MILLIS);
        if (!runUntilQuiet(this::coordinatorsIdle, 20 * SimConfig.FORWARD_TIMEOUT_MILLIS)) {
            violation("coordinators still busy long after the last operation: " + busyCounters());
        }

        // 3. Heal, restart, let membership see everyone, then read-repair every key at ALL.
        network.healAll();
        network.dropProbability(0);
        network.slowMessages(0, config.delayMaxMillis());
        for (SimNode n : nodes.values()) {
            if (!n.isUp()) {
                restart(n);
            }
        }
        log.add(scheduler.nowMillis(), "healed after " + scheduler.executed() + " tasks");
        if (!runUntilQuiet(this::everyoneSeesEveryone, 20 * SimConfig.PROBE_INTERVAL_MILLIS)) {
            violation("after healing, some node still believes a peer is down");
        }
        for (String key : keys) {
            repair(key);
        }
        // Read repair is fire-and-forget: let its writes land (the network is reliable now).
        scheduler.runUntil(scheduler.nowMillis() + 2 * config.delayMaxMillis() + 1);

        // 4. Final properties.
        int siblingsMax = checkConverged();
        checker.checkDrained();
        checkQuiescent();
        int acknowledged = 0;
        int failed = 0;
        int unavailable = 0;
        for (Op op : opTable.values()) {
            switch (op.status) {
                case OK -> acknowledged++;
                case UNAVAILABLE -> unavailable++;
                default -> failed++;
            }
            if (p == SimConfig.Profile.CALM && op.status != Op.Status.OK) {
                violation("op#" + op.id + " failed in a run without faults: " + op.failure);
            }
        }
        if (!checker.violations().isEmpty()) {
            throw failure("final check failed");
        }
        log.add(scheduler.nowMillis(), "done tasks=" + scheduler.executed() + " network=" + network.stats());
        return new Result(config, log.fingerprint(), log.text(), scheduler.executed(), scheduler.nowMillis() - SimConfig.EPOCH_MILLIS,
                acknowledged, failed, unavailable, checker.writeEvents(), siblingsMax, network.stats());
    }

    // ------------------------------------------------------------------ clients

    /** A client: one operation at a time, remembering the contexts its CAUSAL.GETs returned. */
    private final class Client {
        final int id;
        final Map<String, VersionVector> contexts = new TreeMap<>();
        /** A CAUSAL.GET just read this key: a causal write on it often follows. */
        String followUp;

        Client(int id) {
            this.id = id;
        }
    }

    private boolean allDone() {
        for (Map<Long, Op> open : openAtEntry.values()) {
            if (!open.isEmpty()) {
                return false;
            }
        }
        return true;
    }

    private String pendingOps() {
        List<String> out = new ArrayList<>();
        for (Map<Long, Op> open : openAtEntry.values()) {
            for (Op op : open.values()) {
                out.add(op.toString());
            }
        }
        return issued + " of " + config.operations() + " issued; pending " + out;
    }

    private void issue(Client c) {
        if (workloadOver || issued >= config.operations()) {
            return;
        }
        List<SimNode> up = upNodes();
        if (up.isEmpty()) {
            scheduler.schedule(50, () -> issue(c));
            return;
        }
        SimNode entry = up.get(workloadRandom.nextInt(up.size()));
        Op op = nextOp(c, entry);
        issued++;
        opTable.put(op.id, op);
        checker.started(op);
        openAtEntry.get(entry.id).put(op.id, op);
        router.submit(entry, op).whenComplete((outcome, err) -> {
            // Guarded: an exception here would vanish into a future nobody reads.
            try {
                if (err != null) {
                    throw new IllegalStateException("the router failed", err);
                }
                finish(op, outcome);
            } catch (RuntimeException e) {
                violation("simulator error completing op#" + op.id + ": " + e);
            }
        });
    }

    private Op nextOp(Client c, SimNode entry) {
        SplittableRandom r = workloadRandom;
        String key;
        Op.Kind kind;
        if (c.followUp != null && r.nextInt(10) < 7) {
            key = c.followUp;
            kind = r.nextInt(5) == 0 ? Op.Kind.CAUSAL_DELETE : Op.Kind.CAUSAL_PUT;
        } else {
            key = keys.get(r.nextInt(keys.size()));
            if (pairKeys.contains(key)) {
                kind = pick(r, new Op.Kind[] {Op.Kind.APPEND_ALL, Op.Kind.APPEND, Op.Kind.GET, Op.Kind.CAUSAL_GET}, new int[] {4, 2, 2, 2});
            } else if (appendKeys.contains(key)) {
                kind = pick(r, new Op.Kind[] {Op.Kind.APPEND, Op.Kind.GET, Op.Kind.CAUSAL_GET}, new int[] {6, 2, 2});
            } else {
                kind = pick(r, new Op.Kind[] {Op.Kind.GET, Op.Kind.CAUSAL_GET, Op.Kind.PUT, Op.Kind.CAUSAL_PUT, Op.Kind.CAUSAL_DELETE,
                        Op.Kind.APPEND, Op.Kind.DELETE}, new int[] {3, 3, 3, 2, 1, 2, 1});
            }
        }
        c.followUp = null;
        VersionVector context = null;
        if (kind == Op.Kind.CAUSAL_PUT || kind == Op.Kind.CAUSAL_DELETE) {
            // Mostly the latest context this client read; sometimes none (a blind causal write).
            context = r.nextInt(10) == 0 ? VersionVector.empty() : c.contexts.getOrDefault(key, VersionVector.empty());
        }
        ConsistencyLevel q = ConsistencyLevel.QUORUM;
        Consistency cl = switch (kind) {
            case GET, CAUSAL_GET -> new Consistency(pick(r, new ConsistencyLevel[] {q, ConsistencyLevel.ONE, ConsistencyLevel.ALL},
                    new int[] {14, 3, 3}), q);
            case PUT, CAUSAL_PUT, CAUSAL_DELETE -> new Consistency(q, pick(r, new ConsistencyLevel[] {q, ConsistencyLevel.ONE,
                    ConsistencyLevel.ALL}, new int[] {16, 2, 2}));
            case APPEND, DELETE, APPEND_ALL -> new Consistency(r.nextInt(10) == 0 ? ConsistencyLevel.ONE : q, r.nextInt(10) == 0 ? ConsistencyLevel.ALL : q);
        };
        List<String> touched = kind == Op.Kind.APPEND_ALL ? pairKeys : List.of(key);
        return new Op(opTable.size() + 1, c.id, kind, touched, cl, context, entry.id, checker.nextSequence(), scheduler.nowMillis());
    }

    private static <T> T pick(SplittableRandom r, T[] choices, int[] weights) {
        int total = 0;
        for (int w : weights) {
            total += w;
        }
        int x = r.nextInt(total);
        for (int i = 0; i < choices.length; i++) {
            x -= weights[i];
            if (x < 0) {
                return choices[i];
            }
        }
        throw new IllegalStateException("unreachable");
    }

    /** The client learnt the outcome (or lost its connection to the entry node). */
    private void finish(Op op, SimRouter.Outcome outcome) {
        if (op.done()) {
            return;
        }
        openAtEntry.get(op.entry).remove(op.id);
        op.status = outcome.status();
        op.endMillis = scheduler.nowMillis();
        op.failure = outcome.failure();
        op.record = outcome.record();
        op.siblings = outcome.siblings();
        checker.finished(op);
        Client c = clients.get(op.client);
        if (op.status == Op.Status.OK) {
            switch (op.kind) {
                case CAUSAL_GET -> {
                    c.contexts.put(op.key, op.siblings.clock());
                    if (!appendKeys.contains(op.key)) {
                        c.followUp = op.key;
                    }
                }
                case CAUSAL_PUT, CAUSAL_DELETE -> c.contexts.put(op.key, op.siblings.clock());
                default -> {
                    // no client state
                }
            }
        }
        scheduler.schedule(workloadRandom.nextInt(30), () -> issue(c));
    }

    private List<SimNode> upNodes() {
        List<SimNode> up = new ArrayList<>();
        for (SimNode n : nodes.values()) {
            if (n.isUp()) {
                up.add(n);
            }
        }
        return up;
    }

    // ------------------------------------------------------------------ nemesis

    /** One fault action, then the next one later; only during the workload. */
    private void nemesis() {
        if (workloadOver) {
            return;
        }
        SplittableRandom r = nemesisRandom;
        SimConfig.Profile p = config.profile();
        List<String> actions = new ArrayList<>();
        if (p.loss) {
            actions.add("loss");
        }
        if (p.partitions) {
            actions.add("partition");
        }
        if (p.crashes) {
            actions.add("crash");
        }
        switch (actions.get(r.nextInt(actions.size()))) {
            case "loss" -> {
                double[] drops = {0, 0, 0.01, 0.05, 0.2};
                double[] slow = {0, 0.01, 0.05};
                network.dropProbability(drops[r.nextInt(drops.length)]);
                network.slowMessages(slow[r.nextInt(slow.length)], SimConfig.SLOW_DELAY_MAX_MILLIS);
                log.add(scheduler.nowMillis(), "nemesis loss=" + network.dropProbability());
            }
            case "partition" -> {
                if (network.anyCut() && r.nextBoolean()) {
                    network.healAll();
                    log.add(scheduler.nowMillis(), "nemesis heal");
                } else {
                    partition(r);
                }
            }
            default -> {
                List<SimNode> up = upNodes();
                List<SimNode> down = new ArrayList<>(nodes.values());
                down.removeAll(up);
                if (!down.isEmpty() && (up.size() == 1 || r.nextBoolean())) {
                    restart(down.get(r.nextInt(down.size())));
                } else if (up.size() > 1) {
                    crash(up.get(r.nextInt(up.size())));
                }
            }
        }
        scheduler.schedule(50 + r.nextInt(450), this::nemesis);
    }

    private void partition(SplittableRandom r) {
        List<NodeId> all = new ArrayList<>(nodes.keySet());
        List<NodeId> side = new ArrayList<>();
        switch (r.nextInt(3)) {
            case 0 -> side.add(all.get(r.nextInt(all.size()))); // isolate one node
            case 1 -> {
                for (NodeId n : all) {
                    if (r.nextBoolean()) {
                        side.add(n);
                    }
                }
            }
            default -> {
                // A few single links: views of who is alive become asymmetric.
                for (int i = 0; i < 1 + r.nextInt(3); i++) {
                    network.cut(all.get(r.nextInt(all.size())), all.get(r.nextInt(all.size())));
                }
            }
        }
        network.partition(side, all);
        log.add(scheduler.nowMillis(), "nemesis partition " + side);
    }

    private void crash(SimNode n) {
        log.add(scheduler.nowMillis(), "nemesis crash " + n.id);
        checker.nodeCrashed(n.id);
        n.crash();
        // Clients connected to it lose their connection: their operations' outcomes are unknown.
        for (Op op : new ArrayList<>(openAtEntry.get(n.id).values())) {
            finish(op, new SimRouter.Outcome(Op.Status.FAILED, null, null, "connection to " + n.id + " lost"));
        }
    }

    private void restart(SimNode n) {
        if (config.diskLoss() && nemesisRandom.nextInt(3) == 0) {
            checker.diskLost(n.id, new ArrayList<>(nodes.keySet()), (node, key) -> nodes.get(node).read(key));
            n.loseDisk();
            log.add(scheduler.nowMillis(), "nemesis restart " + n.id + " with an empty disk");
        } else {
            log.add(scheduler.nowMillis(), "nemesis restart " + n.id);
        }
        n.start();
    }

    // ------------------------------------------------------------------ final phase

    /** Runs until {@code quiet} holds, checking every few milliseconds; false at the deadline. */
    private boolean runUntilQuiet(java.util.function.BooleanSupplier quiet, long forMillis) {
        long deadline = scheduler.nowMillis() + forMillis;
        while (!quiet.getAsBoolean()) {
            if (scheduler.nowMillis() >= deadline) {
                return false;
            }
            scheduler.runUntil(Math.min(deadline, scheduler.nowMillis() + 10));
        }
        return true;
    }

    private boolean coordinatorsIdle() {
        for (SimNode n : upNodes()) {
            Map<String, Long> c = n.cluster().counters();
            if (c.get("locked_keys") != 0 || c.get("replica_requests_in_flight") != 0) {
                return false;
            }
        }
        return true;
    }

    private String busyCounters() {
        StringBuilder sb = new StringBuilder();
        for (SimNode n : upNodes()) {
            sb.append(n.id).append(n.cluster().counters()).append(' ');
        }
        return sb.toString();
    }

    private boolean everyoneSeesEveryone() {
        for (SimNode n : nodes.values()) {
            for (NodeId peer : nodes.keySet()) {
                if (!n.membership().isAlive(peer)) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Reads {@code key} at ALL through its first replica, retrying a few times. */
    private void repair(String key) {
        byte[] kb = key.getBytes(StandardCharsets.US_ASCII);
        SimNode coordinator = nodes.get(ring.preferenceList(kb).get(0));
        Throwable last = null;
        for (int attempt = 0; attempt < FINAL_READ_ATTEMPTS; attempt++) {
            CompletableFuture<Siblings> f = coordinator.cluster().causalGet(kb, ALL);
            scheduler.runUntil(f::isDone, scheduler.nowMillis() + 2 * SimConfig.REQUEST_TIMEOUT_MILLIS);
            if (f.isDone() && !f.isCompletedExceptionally()) {
                return;
            }
            last = f.isDone() ? f.handle((s, e) -> e).join() : null;
            scheduler.runUntil(scheduler.nowMillis() + 5 * SimConfig.PROBE_INTERVAL_MILLIS);
        }
        violation("after healing, the read at ALL of " + key + " still fails: " + last);
    }

    /** Property (d), and (b)/(e) on the converged sets. Returns the most siblings a key holds. */
    private int checkConverged() {
        int siblingsMax = 0;
        for (String key : keys) {
            List<NodeId> pref = ring.preferenceList(key.getBytes(StandardCharsets.US_ASCII));
            Siblings first = nodes.get(pref.get(0)).read(key);
            for (SimNode n : nodes.values()) {
                Siblings s = n.read(key);
                if (pref.contains(n.id) && !s.equals(first)) {
                    violation("replicas of " + key + " did not converge: " + pref.get(0) + " holds " + first + ", " + n.id + " holds " + s);
                } else if (!pref.contains(n.id) && !s.equals(Siblings.empty())) {
                    violation(n.id + " holds " + key + " without being one of its replicas " + pref + ": " + s);
                }
            }
            siblingsMax = Math.max(siblingsMax, first.size());
            log.add(scheduler.nowMillis(), "final " + key + " " + first.clock() + " " + first.versions());
            checker.checkFinal(key, first);
            if (config.profile() == SimConfig.Profile.CALM && appendKeys.contains(key)) {
                checker.checkAppendsStrict(key, first, scheduler.nowMillis());
            }
        }
        return siblingsMax;
    }

    /** Nothing is left locked or outstanding once the cluster is idle. */
    private void checkQuiescent() {
        for (SimNode n : nodes.values()) {
            Map<String, Long> counters = n.cluster().counters();
            if (counters.get("locked_keys") != 0 || counters.get("replica_requests_in_flight") != 0) {
                violation(n.id + " is idle but reports " + counters);
            }
        }
    }

    // ------------------------------------------------------------------ failures

    private void violation(String text) {
        checker.violations().add(text);
        log.add(scheduler.nowMillis(), "!! " + text);
    }

    private SimulationFailure failure(String what) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("seed=0x%016x (rerun with %s): %s%n", config.seed(), config.rerunFlags(), what));
        sb.append("  mvn -o -pl ring test -Dtest=SimulationTest ").append(config.rerunFlags()).append('\n');
        sb.append("config: ").append(config).append('\n');
        for (String v : checker.violations()) {
            sb.append("  ").append(v).append('\n');
        }
        sb.append("last ").append(HistoryLog.TAIL_LINES).append(" history lines (virtual ms since start):\n").append(log.tail());
        return new SimulationFailure(sb.toString(), log.text());
    }
}
