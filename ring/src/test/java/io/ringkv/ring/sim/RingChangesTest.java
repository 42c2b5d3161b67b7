package io.ringkv.ring.sim;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ringkv.ring.NodeId;
import io.ringkv.ring.Record;
import io.ringkv.ring.partition.RingSnapshot;
import io.ringkv.ring.version.Version;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * RING REMOVE and a replacement node, driven through the {@code RingManager} of every node
 * over the simulated network: after a node dies, its partitions end up with N live replicas
 * holding every acknowledged write, streamed from the survivors.
 */
class RingChangesTest {
    private static final int KEYS = 200;
    private static final NodeId N2 = new NodeId("n2");
    private static final NodeId N3 = new NodeId("n3");
    private static final NodeId N6 = new NodeId("n6");

    @Test
    void removingADeadNodeReReplicatesItsPartitionsFromTheSurvivors() {
        try (QuietLogs quiet = QuietLogs.install()) {
            ResilienceCluster c = started();
            ResilienceCluster.Node n1 = c.node(new NodeId("n1"));
            writeKeys(c, n1);
            c.node(N3).crash();
            assertTrue(c.scheduler.runUntil(() -> !n1.membership.isAlive(N3), c.nowMillis() + 10_000), "n3 is judged down");
            assertThrows(IllegalStateException.class, () -> n1.ringManager.remove(N2), "a live node is not removed");

            n1.ringManager.remove(N3);

            assertTrue(c.scheduler.runUntil(() -> settledWithout(c, N3), c.nowMillis() + 60_000), "the ring settles without n3");
            assertEveryKeyOnItsReplicas(c, 4);
        }
    }

    @Test
    void aReplacementNodeTakesExactlyTheDeadNodesPartitionsAndTheirData() {
        try (QuietLogs quiet = QuietLogs.install()) {
            ResilienceCluster c = started();
            ResilienceCluster.Node n1 = c.node(new NodeId("n1"));
            writeKeys(c, n1);
            int[] deadOwned = n1.ring().ownedPartitions(N3);
            c.node(N3).crash();
            assertTrue(c.scheduler.runUntil(() -> !n1.membership.isAlive(N3), c.nowMillis() + 10_000), "n3 is judged down");

            ResilienceCluster.Node n6 = c.addNode(6);
            n6.replaceOnStart = N3;
            n6.start();

            assertTrue(c.scheduler.runUntil(() -> settledWithout(c, N3) && n1.ring().isCurrentMember(N6), c.nowMillis() + 60_000),
                    "the ring settles with n6 in n3's place");
            assertArrayEquals(deadOwned, n1.ring().ownedPartitions(N6));
            assertEveryKeyOnItsReplicas(c, 5);
        }
    }

    private static ResilienceCluster started() {
        ResilienceCluster c = new ResilienceCluster(11, 5, 16, false);
        for (ResilienceCluster.Node n : c.nodes.values()) {
            n.start();
        }
        assertTrue(c.scheduler.runUntil(() -> c.upNodes().stream().allMatch(n -> c.upNodes().stream().allMatch(m -> n.membership.isAlive(m.id))),
                c.nowMillis() + 10_000), "every node sees every node up");
        return c;
    }

    private static void writeKeys(ResilienceCluster c, ResilienceCluster.Node via) {
        List<CompletableFuture<Void>> writes = new ArrayList<>();
        for (int i = 0; i < KEYS; i++) {
            byte[] key = ("k" + i).getBytes(US_ASCII);
            ResilienceCluster.Node coordinator = c.node(via.cluster.coordinatorFor(key));
            writes.add(coordinator.cluster.put(key, Record.string(("v" + i).getBytes(US_ASCII), c.nowMillis(), Record.NO_EXPIRY),
                    ResilienceCluster.QUORUM));
        }
        CompletableFuture<Void> all = CompletableFuture.allOf(writes.toArray(new CompletableFuture[0]));
        assertTrue(c.scheduler.runUntil(all::isDone, c.nowMillis() + 10_000), "the writes finish");
        assertFalse(all.isCompletedExceptionally(), "every write is acknowledged");
    }

    private static boolean settledWithout(ResilienceCluster c, NodeId gone) {
        List<ResilienceCluster.Node> up = c.upNodes();
        RingSnapshot first = up.get(0).ring();
        return !first.isInTransition() && first.member(gone) == null && up.stream().allMatch(n -> n.ring().equals(first));
    }

    /** Every key's N replicas in the final ring are live and hold its acknowledged value. */
    private static void assertEveryKeyOnItsReplicas(ResilienceCluster c, int members) {
        RingSnapshot ring = c.upNodes().get(0).ring();
        for (int i = 0; i < KEYS; i++) {
            byte[] key = ("k" + i).getBytes(US_ASCII);
            List<NodeId> replicas = ring.preferenceList(key);
            assertEquals(3, replicas.size());
            for (NodeId r : replicas) {
                ResilienceCluster.Node node = c.node(r);
                assertTrue(node.up, r + " is up");
                Version w = node.read(key).winner(c.nowMillis());
                assertNotNull(w, "k" + i + " on " + r);
                assertEquals("v" + i, new String(w.record().payload(), US_ASCII), "k" + i + " on " + r);
            }
        }
        assertNull(ring.member(N3));
        assertEquals(members, ring.members().size());
    }
}
