package io.ringkv.ring.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ringkv.ring.Consistency;
import io.ringkv.ring.ConsistencyLevel;
import io.ringkv.ring.NodeId;
import io.ringkv.ring.UnavailableException;
import io.ringkv.ring.hints.HintSettings;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/**
 * Sloppy quorum and hinted handoff end to end in the simulator: production coordinators, hint
 * stores and delivery over the simulated network and virtual time.
 */
class HintedHandoffSimTest {
    static final long DELIVERY_INTERVAL_MILLIS = 500;
    static final Consistency ALL = new Consistency(ConsistencyLevel.QUORUM, ConsistencyLevel.ALL);
    static final Consistency ANY = new Consistency(ConsistencyLevel.QUORUM, ConsistencyLevel.ANY);

    static HintSettings hintSettings(long windowMillis, long bytesPerTargetMax) {
        return new HintSettings(windowMillis, bytesPerTargetMax, DELIVERY_INTERVAL_MILLIS, HintSettings.DEFAULT_HINT_DELIVERY_BYTES_PER_SECOND,
                HintSettings.DEFAULT_HINT_DELIVERY_IN_FLIGHT_MAX, SimConfig.REQUEST_TIMEOUT_MILLIS);
    }

    static HintSettings defaults() {
        return hintSettings(HintSettings.DEFAULT_HINT_WINDOW_MILLIS, HintSettings.DEFAULT_HINT_BYTES_PER_TARGET_MAX);
    }

    /** Keys (k0, k1, ...) whose preference list holds {@code node}, {@code count} of them. */
    static List<String> keysReplicatedOn(HintedCluster c, NodeId node, int count) {
        List<String> keys = new ArrayList<>();
        for (int i = 0; keys.size() < count; i++) {
            if (c.preferenceList("k" + i).contains(node)) {
                keys.add("k" + i);
            }
        }
        return keys;
    }

    static Throwable failure(CompletableFuture<?> f) {
        try {
            f.get();
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("expected a failure");
    }

    @Test
    void writesMissedByACrashedReplicaLandAsHintsOnFallbacksAndDrainToItWhenItReturns() {
        HintedCluster c = new HintedCluster(5, true, defaults());
        HintedCluster.Node n3 = c.node("n3");
        HintedCluster.Node n1 = c.node("n1");
        n3.crash();
        c.settle(1_000); // probes mark n3 down everywhere
        List<String> keys = keysReplicatedOn(c, n3.id, 40);
        for (String k : keys) {
            c.put(n1, k, "v-" + k, HintedCluster.QUORUM).join();
        }
        c.settle(100);
        assertEquals(keys.size(), c.sum("hints_pending"), "one hint per write n3 missed");
        assertEquals(keys.size(), c.sumCluster("hints_sent_to_fallbacks"));
        assertEquals(0, c.sumCluster("hints_kept_by_coordinator"), "five nodes: a fallback always exists");
        for (HintedCluster.Node n : c.nodes.values()) {
            if (n.up) {
                assertEquals(n.hints.counters().get("hints_pending"), n.hints.pending(n3.id).count(), "hints only for n3");
            }
        }
        for (String k : keys) {
            assertNull(n3.localValue(k));
        }

        n3.start();
        c.settle(5 * DELIVERY_INTERVAL_MILLIS);
        assertEquals(0, c.sum("hints_pending"), "hints drained");
        assertEquals(keys.size(), c.sum("hints_delivered"));
        for (String k : keys) {
            assertEquals("v-" + k, n3.localValue(k), "n3 holds the acknowledged write of " + k);
        }
    }

    @Test
    void withTwoReplicasDownQuorumWritesSucceedOnFallbacksOnlyUnderSloppyQuorum() {
        for (boolean sloppy : new boolean[] {true, false}) {
            HintedCluster c = new HintedCluster(5, sloppy, defaults());
            String key = "k0";
            List<NodeId> pref = c.preferenceList(key);
            HintedCluster.Node survivor = c.nodes.get(pref.get(0));
            c.nodes.get(pref.get(1)).crash();
            c.nodes.get(pref.get(2)).crash();
            c.settle(1_000);
            CompletableFuture<Void> w = c.put(survivor, key, "v", HintedCluster.QUORUM);
            if (sloppy) {
                w.join();
                assertEquals(2, c.sum("hints_pending"), "one hint per down replica, on distinct fallbacks");
                c.nodes.get(pref.get(1)).start();
                c.nodes.get(pref.get(2)).start();
                c.settle(5 * DELIVERY_INTERVAL_MILLIS);
                assertEquals(0, c.sum("hints_pending"));
                assertEquals("v", c.nodes.get(pref.get(1)).localValue(key));
                assertEquals("v", c.nodes.get(pref.get(2)).localValue(key));
            } else {
                assertInstanceOf(UnavailableException.class, failure(w));
                assertEquals(0, c.sum("hints_pending"), "nothing written when unavailable");
                // ANY is met by hints: they are written, and delivered later.
                c.put(survivor, key, "any", ANY).join();
                c.settle(100);
                assertEquals(2, c.sum("hints_pending"));
            }
        }
    }

    @Test
    void withNoNodePastTheListTheCoordinatorKeepsTheHintWhichDoesNotCountTowardAll() {
        HintedCluster c = new HintedCluster(3, true, defaults());
        HintedCluster.Node n1 = c.node("n1");
        HintedCluster.Node n3 = c.node("n3");
        n3.crash();
        c.settle(1_000);
        assertInstanceOf(UnavailableException.class, failure(c.put(n1, "a", "x", ALL)), "no fallback can stand in for n3");
        c.put(n1, "a", "1", HintedCluster.QUORUM).join();
        c.settle(100);
        assertEquals(1, c.sumCluster("hints_kept_by_coordinator"));
        assertEquals(1, c.sum("hints_pending"));
        n3.start();
        c.settle(5 * DELIVERY_INTERVAL_MILLIS);
        assertEquals(0, c.sum("hints_pending"));
        assertEquals("1", n3.localValue("a"));
    }

    @Test
    void aReplicaBelievedUpThatTimesOutGetsAHintFromTheCoordinator() {
        HintedCluster c = new HintedCluster(5, true, defaults());
        String key = "k0";
        List<NodeId> pref = c.preferenceList(key);
        HintedCluster.Node coordinator = c.nodes.get(pref.get(0));
        NodeId cutOff = pref.get(2);
        c.network.cut(coordinator.id, cutOff); // the write to it is lost; it stays up for the others
        c.put(coordinator, key, "v", HintedCluster.QUORUM).join();
        c.settle(2 * SimConfig.REQUEST_TIMEOUT_MILLIS);
        assertEquals(1, coordinator.hints.pending(cutOff).count());
        c.network.healAll();
        c.settle(5 * DELIVERY_INTERVAL_MILLIS);
        assertEquals(0, c.sum("hints_pending"));
        assertEquals("v", c.nodes.get(cutOff).localValue(key));
    }

    @Test
    void writesToAReplicaDownLongerThanTheHintWindowAreNotHinted() {
        long windowMillis = 2_000;
        HintedCluster c = new HintedCluster(5, true, hintSettings(windowMillis, HintSettings.DEFAULT_HINT_BYTES_PER_TARGET_MAX));
        HintedCluster.Node n1 = c.node("n1");
        HintedCluster.Node n3 = c.node("n3");
        n3.crash();
        c.settle(500);
        List<String> keys = keysReplicatedOn(c, n3.id, 20);
        List<String> early = keys.subList(0, 10);
        List<String> late = keys.subList(10, 20);
        for (String k : early) {
            c.put(n1, k, "early", HintedCluster.QUORUM).join();
        }
        c.settle(100);
        assertEquals(early.size(), c.sum("hints_pending"));
        c.settle(windowMillis + 500); // n3 now down longer than the window; early hints expire
        for (String k : late) {
            c.put(n1, k, "late", HintedCluster.QUORUM).join(); // still acknowledged by two replicas
        }
        c.settle(DELIVERY_INTERVAL_MILLIS);
        assertEquals(0, c.sum("hints_pending"));
        assertEquals(early.size(), c.sum("hints_expired"));
        assertEquals(late.size(), c.sum("hints_dropped_over_window"));
        n3.start();
        c.settle(5 * DELIVERY_INTERVAL_MILLIS);
        for (String k : keys) {
            assertNull(n3.localValue(k), "past the window, " + k + " must come back by repair, not hints");
        }
    }

    @Test
    void overTheByteBoundHintsAreDroppedAndCountedWhileWritesCarryOn() {
        // Room for about five hints per target on each node.
        HintedCluster c = new HintedCluster(5, true, hintSettings(HintSettings.DEFAULT_HINT_WINDOW_MILLIS, 5 * 110));
        HintedCluster.Node n1 = c.node("n1");
        HintedCluster.Node n3 = c.node("n3");
        n3.crash();
        c.settle(1_000);
        List<String> keys = keysReplicatedOn(c, n3.id, 60);
        for (String k : keys) {
            c.put(n1, k, "v", HintedCluster.QUORUM).join();
        }
        c.settle(100);
        long pending = c.sum("hints_pending");
        long dropped = c.sum("hints_dropped_over_bytes");
        assertTrue(dropped > 0, "some hints dropped");
        assertEquals(keys.size(), pending + dropped, "every missed write was hinted or counted as dropped");
        for (HintedCluster.Node n : c.nodes.values()) {
            if (n.up) {
                assertTrue(n.hints.pending(n3.id).bytes() <= 5 * 110, n + " keeps to the bound");
            }
        }
        n3.start();
        c.settle(5 * DELIVERY_INTERVAL_MILLIS);
        assertEquals(0, c.sum("hints_pending"));
        long delivered = keys.stream().filter(k -> "v".equals(n3.localValue(k))).count();
        assertEquals(pending, delivered, "exactly the stored hints reached n3");
    }
}
