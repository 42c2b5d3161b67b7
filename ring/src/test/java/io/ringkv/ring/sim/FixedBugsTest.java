package io.ringkv.ring.sim;

import static io.ringkv.ring.sim.ScenarioCluster.ALL;
import static io.ringkv.ring.sim.ScenarioCluster.QUORUM;
import static io.ringkv.ring.sim.ScenarioCluster.key;
import static io.ringkv.ring.sim.ScenarioCluster.text;
import static io.ringkv.ring.sim.ScenarioCluster.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ringkv.ring.Change;
import io.ringkv.ring.KeyUpdate;
import io.ringkv.ring.MultiKeyUpdate;
import io.ringkv.ring.NodeId;
import io.ringkv.ring.Record;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Bugs in main code that the simulator found, kept as regression tests: each as a minimal
 * scenario and as a sweep of the random simulation in the mode that exposed it. All are fixed:
 * dots are issued under a per-disk epoch (a node back with an empty disk cannot reissue them),
 * writes are stamped no earlier than the last FLUSHALL, updateAll releases the locks it took
 * when a later one is refused, and a forwarded command whose connection was lost is not
 * re-run elsewhere (the simulator's router follows production's policy here).
 */
class FixedBugsTest {
    private static QuietLogs quiet;

    @BeforeAll
    static void quietLogs() {
        quiet = QuietLogs.install();
    }

    @AfterAll
    static void restoreLogs() {
        quiet.close();
    }

    // ------------------------------------------------------------------ dots reissued after disk loss

    /**
     * A node that comes back with an empty disk (a replaced disk, or any restart with
     * {@code storage.engine: memory}) keeps its node id and so issues dots n1:1, n1:2, ...
     * again. Replicas whose clocks already cover those dots drop the new versions as
     * superseded: here an acknowledged write at ALL is gone immediately, and a read at ALL
     * returns the older value.
     */
    @Test
    void aNodeBackWithAnEmptyDiskDoesNotLoseNewWrites() {
        ScenarioCluster c = new ScenarioCluster(new long[] {0, 0, 0});
        SimNode n1 = c.node("n1"); // three nodes, N = 3: every node replicates every key
        byte[] k = key("k");
        for (int i = 1; i <= 3; i++) {
            c.await(n1.cluster().put(k, value(n1, "v" + i), ALL));
        }
        n1.crash();
        n1.loseDisk();
        n1.start();
        c.settle(1000);
        c.await(n1.cluster().put(k, value(n1, "v4"), ALL)); // acknowledged by all three replicas
        assertEquals("v4", text(c.await(c.node("n2").cluster().get(k, ALL))));
    }

    @Test
    void sweepWithDiskLoss() {
        sweep(c -> c.withDiskLoss(true).withProfile(SimConfig.Profile.CRASHES));
    }

    // ------------------------------------------------------------------ FLUSHALL and clock skew

    /**
     * FLUSHALL stamps the flush with the clock of the node that runs it, and replicas then drop
     * every incoming version stamped earlier. A write coordinated after the flush completed, by
     * a node whose clock is behind, is stamped earlier: the coordinator keeps it, the other
     * replicas drop it while their clocks cover it, and the next read-repairing merge drops it
     * everywhere. Here a write acknowledged at ALL 10 ms after FLUSHALL returned reads as absent.
     */
    @Test
    void aWriteAfterFlushAllSurvivesClockSkew() {
        ScenarioCluster c = new ScenarioCluster(new long[] {50, -50, 0}); // n1 50 ms ahead, n2 50 ms behind
        SimNode n1 = c.node("n1");
        SimNode n2 = c.node("n2");
        byte[] k = key("k");
        c.await(n1.cluster().flushAll());
        c.settle(10);
        c.await(n2.cluster().put(k, value(n2, "after the flush"), ALL));
        assertEquals("after the flush", text(c.await(n2.cluster().get(k, ALL))));
    }

    // ------------------------------------------------------------------ router retries

    /**
     * {@code Router.forward} used to re-route a forwarded command on any unreachable peer,
     * including a connection that dropped with the command outstanding: the coordinator may
     * have run it and crashed before replying, so one APPEND was applied twice. Lost
     * connections now fail with {@code ConnectionLostException} and are not re-routed; the
     * simulator's router follows the same policy, and the append is applied once.
     */
    @Test
    void aForwardedCommandRunsAtMostOnce() {
        Map<NodeId, SimNode> nodes = new TreeMap<>();
        Map<Long, Op> ops = new HashMap<>();
        SimRouter[] router = new SimRouter[1];
        HistoryChecker[] checker = new HistoryChecker[1];
        ObservedEngine.Listener listener = new ObservedEngine.Listener() {
            @Override
            public void stored(NodeId node, byte[] storageKey, byte[] before, byte[] after) {
                if (checker[0] != null) { // stores open (and may write bookkeeping) as the nodes start
                    checker[0].stored(node, storageKey, before, after);
                }
            }

            @Override
            public void cleared(NodeId node) {}
        };
        // The router needs the nodes and the nodes start in the cluster's constructor: install it after.
        ScenarioCluster c = new ScenarioCluster(new long[] {0, 0, 0}, 5, listener, n -> {
            if (router[0] != null) {
                router[0].install(n);
            }
        });
        checker[0] = new HistoryChecker(new HistoryLog(false), c.scheduler, k -> c.ring.preferenceList(key(k)), SimConfig.REPLICATION_FACTOR);
        c.network.tap(checker[0]);
        router[0] = new SimRouter(nodes, ops, checker[0], false);
        nodes.putAll(c.nodes);
        nodes.values().forEach(router[0]::install);

        byte[] k = key("k");
        List<NodeId> pref = c.ring.preferenceList(k);
        SimNode coordinator = nodes.get(pref.get(0));
        // The client talks to the second replica: when the coordinator drops, it runs the command itself.
        SimNode entry = nodes.get(pref.get(1));
        Op append = new Op(1, 0, Op.Kind.APPEND, List.of("k"), QUORUM, null, entry.id, checker[0].nextSequence(), c.scheduler.nowMillis());
        ops.put(append.id, append);
        checker[0].started(append);
        // With 5 ms per message: the forward lands at 5, the coordinator's quorum read completes
        // at 15 and it stores the append and sends it to the replicas (they have it at 20); its
        // reply to the entry node would leave at 25. It crashes at 22, in between.
        c.scheduler.schedule(22, coordinator::crash);
        SimRouter.Outcome outcome = c.await(router[0].submit(entry, append));
        // The client is told the outcome is unknown (TIMEOUT), not given a second run.
        assertEquals(Op.Status.FAILED, outcome.status());
        assertTrue(outcome.failure().contains("ConnectionLostException"), outcome.failure());
        Record now = c.await(entry.cluster().get(k, QUORUM));
        assertEquals("u1", new String(now.payload(), StandardCharsets.US_ASCII), "the append ran twice");
        assertEquals(List.of(), checker[0].violations());
    }

    // ------------------------------------------------------------------ key lock leak

    /**
     * {@code ClusterService.updateAll} takes its keys' locks one after the other; when taking a
     * later one fails (the key's queue is full: coordinator-key-waiters-max), the locks already
     * taken are never released. The key stays locked forever: every later write or
     * read-modify-write of it at that coordinator waits and never completes.
     */
    @Test
    void aRefusedMultiKeyUpdateReleasesTheLocksItTook() {
        ScenarioCluster c = new ScenarioCluster(new long[] {0, 0, 0}, 5, 1, ScenarioCluster.NO_LISTENER, n -> {});
        byte[] a = key("{t}a");
        byte[] b = key("{t}b"); // the same partition as a; locked after a (keys are locked in order)
        SimNode coordinator = c.nodes.get(c.ring.preferenceList(a).get(0));
        KeyUpdate<Void> touch = (current, now) -> Change.put(value(coordinator, "x"), null);
        CompletableFuture<Void> holdsB = coordinator.cluster().update(b, touch, QUORUM); // b locked while it reads
        CompletableFuture<Void> waitsForB = coordinator.cluster().update(b, touch, QUORUM); // b's queue now full
        CompletableFuture<Void> both = coordinator.cluster().updateAll(List.of(a, b),
                (current, now) -> new MultiKeyUpdate.Result<>(List.of(Change.<Void>put(value(coordinator, "y"), null),
                        Change.<Void>put(value(coordinator, "y"), null)), null), QUORUM);
        c.settle(1000);
        assertTrue(holdsB.isDone() && waitsForB.isDone() && both.isCompletedExceptionally(), "b's queue was full: refused");
        CompletableFuture<Void> later = coordinator.cluster().put(a, value(coordinator, "z"), QUORUM);
        c.settle(10_000);
        assertTrue(later.isDone(), "a write of a is still waiting for the lock the refused updateAll took");
        assertEquals(0L, coordinator.cluster().counters().get("locked_keys"));
    }

    @Test
    void sweepWithShortKeyQueues() {
        sweep(c -> c.withKeyWaitersMax(1).withProfile(SimConfig.Profile.LOSSY));
    }

    private static void sweep(java.util.function.UnaryOperator<SimConfig> mode) {
        for (int i = 0; i < 100; i++) {
            SimConfig config = mode.apply(SimConfig.fromSeed(SimulationTest.seedAt(0xB06, i), 200));
            Simulation.Result r = Simulation.run(config, false);
            assertTrue(r.acknowledged() > 0);
        }
    }
}
