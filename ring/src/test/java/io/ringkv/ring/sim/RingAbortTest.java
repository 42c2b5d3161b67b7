package io.ringkv.ring.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ringkv.ring.NodeId;
import io.ringkv.ring.partition.RingSnapshot;
import org.junit.jupiter.api.Test;

/**
 * A join whose joiner dies before streaming holds the ring in transition (every other change
 * waits for it); {@code RingManager.abort} (RING ABORT) takes the ring back to its current
 * owners, without the dead joiner, on every node.
 */
class RingAbortTest {
    private static final NodeId N1 = new NodeId("n1");
    private static final NodeId N5 = new NodeId("n5");

    @Test
    void abortingAJoinWhoseJoinerDiedSettlesTheRingWithoutIt() {
        try (QuietLogs quiet = QuietLogs.install()) {
            ResilienceCluster c = new ResilienceCluster(7, 4, 16, false);
            for (ResilienceCluster.Node n : c.nodes.values()) {
                n.start();
            }
            ResilienceCluster.Node n1 = c.node(N1);
            assertThrows(IllegalStateException.class, n1.ringManager::abort, "nothing to abort yet");
            ResilienceCluster.Node joiner = c.addNode(5);
            joiner.start();
            assertTrue(c.scheduler.runUntil(() -> n1.ring().isInTransition(), c.nowMillis() + 10_000), "the join is proposed");
            joiner.crash(); // before the ring has settled, so before it streamed anything
            long stuckVersion = n1.ring().version();
            c.scheduler.runUntil(c.nowMillis() + 5_000);
            assertTrue(n1.ring().isInTransition(), "a dead receiver holds the transition");
            assertEquals(stuckVersion, n1.ring().version());

            n1.ringManager.abort();

            assertTrue(c.scheduler.runUntil(() -> c.upNodes().stream().allMatch(n -> !n.ring().isInTransition()
                    && n.ring().version() == stuckVersion + 1), c.nowMillis() + 10_000), "every node has the aborted ring");
            RingSnapshot ring = n1.ring();
            assertFalse(ring.isInTransition());
            assertNull(ring.member(N5));
            assertEquals(4, ring.members().size());
        }
    }
}
