package io.ringkv.ring.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ringkv.ring.NodeId;
import io.ringkv.ring.membership.ApplicationState;
import io.ringkv.ring.membership.GossipMembership;
import io.ringkv.ring.membership.GossipSettings;
import io.ringkv.ring.membership.Gossiper;
import io.ringkv.ring.membership.MembershipListener;
import io.ringkv.ring.membership.NodeStatus;
import io.ringkv.ring.partition.RingSnapshot;
import io.ringkv.ring.transport.Verb;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Syn/Ack/Ack2 between a few {@link Gossiper}s over the simulated network. */
class GossipExchangeTest {
    private static QuietLogs quiet;

    @BeforeAll
    static void quiet() {
        quiet = QuietLogs.install();
    }

    @AfterAll
    static void loud() {
        quiet.close();
    }

    private static GossipSimHarness cluster(int nodes, UnaryOperator<GossipSettings> tune) {
        return new GossipSimHarness(42, nodes, 1, 0.0, tune).startAll();
    }

    private static long deadline(GossipSimHarness h, int rounds) {
        return h.nowMillis() + rounds * h.settings.gossipIntervalMillis();
    }

    @Test
    void twoNodesLearnEachOtherAndTheRingThroughSynAckAck2() {
        GossipSimHarness h = cluster(2, s -> s);
        Map<Verb, Integer> seen = new EnumMap<>(Verb.class);
        h.network.tap((to, verb, request, reply) -> seen.merge(verb, 1, Integer::sum));
        assertTrue(h.runUntil(() -> h.membershipConverged() && h.ringConverged(1) && h.allUp(), deadline(h, 10)), h.toString());
        Gossiper a = h.gossiper(0);
        Gossiper b = h.gossiper(1);
        assertEquals(Optional.of("10.0.0.1:16379"), b.clusterAddress(a.self()));
        assertEquals(Optional.of("10.0.0.2:6379"), a.clientAddress(b.self()));
        assertTrue(seen.getOrDefault(Verb.GOSSIP_SYN, 0) > 0 && seen.getOrDefault(Verb.GOSSIP_ACK2, 0) > 0, seen.toString());

        // A state set at one node, and a ring proposed at the other, reach the peer.
        a.setLocalState(ApplicationState.of("HINTS"), "pending=3");
        RingSnapshot next = b.ring().withMembers(h.members.subList(0, 1));
        b.proposeRing(next);
        assertTrue(h.runUntil(() -> a.ring().version() == 2
                && b.applicationState(a.self(), ApplicationState.of("HINTS")).equals(Optional.of("pending=3")), deadline(h, 5)));
        assertEquals(next, a.ring());
    }

    @Test
    void aRestartedNodeReplacesItsOldStateEverywhere() {
        GossipSimHarness h = cluster(3, s -> s);
        h.gossiper(2).setLocalState(ApplicationState.of("STREAMING"), "p7");
        assertTrue(h.runUntil(() -> h.membershipConverged() && h.allUp()
                && h.gossiper(0).applicationState(h.ids.get(2), ApplicationState.of("STREAMING")).isPresent(), deadline(h, 10)));
        long oldGeneration = h.gossiper(2).generation();
        h.crash(2);
        assertTrue(h.runUntil(() -> h.allSee(2, false), deadline(h, 15)), "the crash is detected");
        Gossiper restarted = h.start(2);
        assertTrue(restarted.generation() > oldGeneration);
        assertTrue(h.runUntil(() -> h.membershipConverged() && h.allSee(2, true), deadline(h, 10)), "seen up again");
        for (int i = 0; i < 2; i++) {
            assertEquals(restarted.generation(), h.gossiper(i).endpointState(h.ids.get(2)).orElseThrow().generation());
            assertEquals(Optional.empty(), h.gossiper(i).applicationState(h.ids.get(2), ApplicationState.of("STREAMING")),
                    "the old incarnation's values are gone");
        }
    }

    @Test
    void messagesStayWithinTheBudgetAndTheRestFollowsInLaterRounds() {
        int budget = GossipSettings.GOSSIP_MESSAGE_BYTES_MAX_MIN;
        GossipSimHarness h = new GossipSimHarness(7, 8, 1, 0.0, s -> s.withGossipMessageBytesMax(budget));
        int[] largest = {0};
        h.network.tap((to, verb, request, reply) -> largest[0] = Math.max(largest[0], Math.max(request.length, reply == null ? 0 : reply.length)));
        h.startAll();
        String big = "x".repeat(1000);
        for (int i = 0; i < 8; i++) {
            for (int k = 0; k < 25; k++) {
                h.gossiper(i).setLocalState(ApplicationState.of("BIG" + k), big);
            }
        }
        // 8 nodes x 25 KB of states: no message can carry everything a newcomer lacks.
        assertTrue(h.runUntil(() -> h.membershipConverged() && everyoneHasAllValues(h), deadline(h, 40)), h.toString());
        // The ring (sent on top of the budget) is small here: allow it.
        assertTrue(largest[0] <= budget + 4096, "largest message " + largest[0] + " bytes");
    }

    private static boolean everyoneHasAllValues(GossipSimHarness h) {
        for (int i = 0; i < h.ids.size(); i++) {
            for (NodeId other : h.ids) {
                if (h.gossiper(i).applicationState(other, ApplicationState.of("BIG24")).isEmpty()) {
                    return false;
                }
            }
        }
        return true;
    }

    @Test
    void listenersHearUpDownStateAndRingChanges() {
        GossipSimHarness h = cluster(3, s -> s);
        List<String> events = new ArrayList<>();
        h.gossiper(0).addListener(new MembershipListener() {
            @Override
            public void onUp(NodeId node) {
                events.add("up " + node);
            }

            @Override
            public void onDown(NodeId node) {
                events.add("down " + node);
            }

            @Override
            public void onRingChanged(RingSnapshot previous, RingSnapshot current) {
                events.add("ring " + previous.version() + "->" + current.version());
            }

            @Override
            public void onStateChanged(NodeId node, ApplicationState state, String value) {
                events.add("state " + node + " " + state + "=" + value);
            }
        });
        assertTrue(h.runUntil(() -> h.membershipConverged() && h.allUp(), deadline(h, 10)));
        h.crash(2);
        assertTrue(h.runUntil(() -> h.allSee(2, false), deadline(h, 15)));
        h.gossiper(1).proposeRing(h.gossiper(1).ring().withMembers(h.members.subList(0, 2)));
        assertTrue(h.runUntil(() -> h.gossiper(0).ring().version() == 2, deadline(h, 5)));
        h.runFor(1); // let the event task run
        assertTrue(events.contains("up g001"), events.toString());
        assertTrue(events.contains("up g002"), events.toString());
        assertTrue(events.contains("down g002"), events.toString());
        assertTrue(events.contains("ring 1->2"), events.toString());
        assertTrue(events.contains("state g001 STATUS=normal"), events.toString());
        assertTrue(events.indexOf("up g002") < events.indexOf("down g002"), "in the order they happened");
    }

    @Test
    void aReportedUnreachablePeerIsDownUntilItsNextHeartbeatButSuccessCannotRaiseTheDead() {
        GossipSimHarness h = cluster(2, s -> s);
        assertTrue(h.runUntil(h::allUp, deadline(h, 10)));
        GossipMembership m = new GossipMembership(h.gossiper(0), h.scheduler.clock());
        NodeId peer = h.ids.get(1);
        m.reportUnreachable(peer);
        assertFalse(m.isAlive(peer), "down at once, without waiting for phi");
        assertEquals("down", m.state(peer));
        assertTrue(h.runUntil(() -> m.isAlive(peer), deadline(h, 4)), "its next heartbeat clears the suspicion");

        h.crash(1);
        assertTrue(h.runUntil(() -> !m.isAlive(peer), deadline(h, 15)));
        m.reportSuccess(peer);
        assertFalse(m.isAlive(peer), "phi still says down");
        assertTrue(m.phi(peer) >= h.settings.phi().threshold());
    }

    @Test
    void membershipReportsStatusAndAlwaysCountsItselfAlive() {
        GossipSimHarness h = cluster(3, s -> s);
        assertTrue(h.runUntil(h::allUp, deadline(h, 10)));
        GossipMembership m = new GossipMembership(h.gossiper(0), h.scheduler.clock());
        assertTrue(m.isAlive(h.ids.get(0)));
        assertEquals("up", m.state(h.ids.get(0)));
        assertEquals(0.0, m.phi(h.ids.get(0)));
        h.gossiper(1).setStatus(NodeStatus.LEAVING);
        h.gossiper(2).setStatus(NodeStatus.JOINING);
        assertTrue(h.runUntil(() -> m.state(h.ids.get(1)).equals("leaving") && m.state(h.ids.get(2)).equals("joining"), deadline(h, 5)));
        assertTrue(m.phi(h.ids.get(1)) < 1, "phi " + m.phi(h.ids.get(1)));
        assertEquals("down", m.state(new NodeId("never-heard-of")));
        assertEquals(h.gossiper(0).ring(), m.ring());
    }

    @Test
    void aNodeThatLeftIsForgottenAfterTheRetentionAndNotBroughtBack() {
        long retention = 20_000;
        GossipSimHarness h = cluster(4, s -> s.withRemoved(retention, 30_000));
        assertTrue(h.runUntil(() -> h.membershipConverged() && h.allUp(), deadline(h, 10)));
        NodeId leaver = h.ids.get(3);
        h.gossiper(3).setStatus(NodeStatus.LEFT);
        GossipMembership m = new GossipMembership(h.gossiper(0), h.scheduler.clock());
        assertTrue(h.runUntil(() -> allKnowStatus(h, leaver, NodeStatus.LEFT), deadline(h, 5)));
        assertEquals("left", m.state(leaver));
        assertFalse(m.isAlive(leaver), "a departed node is not alive");
        h.crash(3);
        assertTrue(h.runUntil(() -> noneKnows(h, leaver), deadline(h, 30)), "forgotten after the retention");
        h.runFor(30_000);
        assertTrue(noneKnows(h, leaver), "no peer gossiped it back");
    }

    private static boolean allKnowStatus(GossipSimHarness h, NodeId node, NodeStatus status) {
        for (int i = 0; i < h.ids.size(); i++) {
            if (h.isUp(i) && !h.gossiper(i).status(node).equals(Optional.of(status))) {
                return false;
            }
        }
        return true;
    }

    private static boolean noneKnows(GossipSimHarness h, NodeId node) {
        for (int i = 0; i < h.ids.size(); i++) {
            if (h.isUp(i) && h.gossiper(i).knownNodes().contains(node)) {
                return false;
            }
        }
        return true;
    }
}
