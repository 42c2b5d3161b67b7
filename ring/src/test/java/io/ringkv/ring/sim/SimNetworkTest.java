package io.ringkv.ring.sim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ringkv.ring.NodeId;
import io.ringkv.ring.transport.RemoteFailureException;
import io.ringkv.ring.transport.RequestTimeoutException;
import io.ringkv.ring.transport.Verb;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

class SimNetworkTest {
    private static final NodeId A = new NodeId("a");
    private static final NodeId B = new NodeId("b");
    private static final byte[] PING = {1};

    private final SimScheduler scheduler = new SimScheduler(0, 10_000);
    private final SimNetwork network = new SimNetwork(scheduler, new SplittableRandom(7), 1, 10);
    private final List<String> handled = new ArrayList<>();

    private SimNetwork.Endpoint open(NodeId node) {
        SimNetwork.Endpoint e = network.open(node);
        e.register(Verb.PING, (from, payload) -> {
            handled.add(from + "->" + node + "@" + scheduler.nowMillis());
            return CompletableFuture.completedFuture(new byte[] {(byte) (payload[0] + 1)});
        });
        e.register(Verb.RANDOM_KEY, (from, payload) -> {
            throw new IllegalStateException("boom");
        });
        return e;
    }

    private static Throwable failure(CompletableFuture<byte[]> f) {
        assertTrue(f.isCompletedExceptionally(), "expected a failure");
        CompletionException e = assertThrows(CompletionException.class, f::join);
        return e.getCause();
    }

    @Test
    void deliversRequestsAndRepliesAfterADelay() {
        SimNetwork.Endpoint a = open(A);
        open(B);
        CompletableFuture<byte[]> f = a.request(B, Verb.PING, PING, 100);
        assertFalse(f.isDone());
        scheduler.runUntil(f::isDone, 100);
        assertArrayEquals(new byte[] {2}, f.join());
        assertEquals(1, handled.size());
        assertTrue(scheduler.nowMillis() >= 2 && scheduler.nowMillis() <= 20, "two delays of 1..10 ms: " + scheduler.nowMillis());
    }

    @Test
    void lostMessagesTimeOut() {
        SimNetwork.Endpoint a = open(A);
        open(B);
        network.dropProbability(1);
        CompletableFuture<byte[]> f = a.request(B, Verb.PING, PING, 50);
        scheduler.runUntil(f::isDone, 1000);
        assertInstanceOf(RequestTimeoutException.class, failure(f));
        assertEquals(50, scheduler.nowMillis(), "times out after exactly its timeout");
        assertTrue(handled.isEmpty());
    }

    @Test
    void partitionsDropMessagesUntilHealed() {
        SimNetwork.Endpoint a = open(A);
        open(B);
        network.partition(List.of(A), List.of(A, B));
        CompletableFuture<byte[]> cut = a.request(B, Verb.PING, PING, 50);
        scheduler.runUntil(100);
        assertInstanceOf(RequestTimeoutException.class, failure(cut));
        network.healAll();
        CompletableFuture<byte[]> healed = a.request(B, Verb.PING, PING, 50);
        scheduler.runUntil(200);
        assertArrayEquals(new byte[] {2}, healed.join());
    }

    @Test
    void aDownPeerRefusesTheConnection() {
        SimNetwork.Endpoint a = open(A);
        open(B);
        network.crash(B);
        CompletableFuture<byte[]> f = a.request(B, Verb.PING, PING, 1000);
        scheduler.runUntil(f::isDone, 1000);
        assertInstanceOf(SimNetwork.ConnectionRefusedException.class, failure(f));
        assertTrue(scheduler.nowMillis() <= 10, "refused quickly, not after the timeout");
    }

    @Test
    void aCrashLosesTheConnectionsOfOutstandingRequests() {
        SimNetwork.Endpoint a = open(A);
        open(B);
        CompletableFuture<byte[]> f = a.request(B, Verb.PING, PING, 1000);
        network.crash(B);
        scheduler.runUntil(f::isDone, 1000);
        assertInstanceOf(io.ringkv.ring.transport.ConnectionLostException.class, failure(f));
    }

    @Test
    void aCrashedRequesterNeverHearsBack() {
        SimNetwork.Endpoint a = open(A);
        open(B);
        CompletableFuture<byte[]> f = a.request(B, Verb.PING, PING, 50);
        network.crash(A);
        scheduler.runUntil(1000);
        assertFalse(f.isDone(), "a dead process's callbacks never run");
        assertEquals(1, handled.size(), "the request was already on the wire and still arrives");
        assertThrows(IllegalStateException.class, () -> a.request(B, Verb.PING, PING, 50));
    }

    @Test
    void aRestartedNodeIsANewEndpoint() {
        open(A);
        SimNetwork.Endpoint b = open(B);
        network.crash(A);
        SimNetwork.Endpoint a2 = open(A);
        CompletableFuture<byte[]> f = b.request(A, Verb.PING, PING, 100);
        scheduler.runUntil(f::isDone, 100);
        assertArrayEquals(new byte[] {2}, f.join());
        assertTrue(a2.isOpen());
    }

    @Test
    void handlerFailuresReachTheCallerAsRemoteFailures() {
        SimNetwork.Endpoint a = open(A);
        open(B);
        CompletableFuture<byte[]> f = a.request(B, Verb.RANDOM_KEY, PING, 100);
        scheduler.runUntil(f::isDone, 100);
        assertInstanceOf(RemoteFailureException.class, failure(f));
        assertEquals("boom", failure(f).getMessage());
    }

    @Test
    void requestsToOneselfRunTheHandlerDirectly() {
        SimNetwork.Endpoint a = open(A);
        CompletableFuture<byte[]> f = a.request(A, Verb.PING, PING, 100);
        assertArrayEquals(new byte[] {2}, f.join());
        assertEquals(0, scheduler.nowMillis());
    }

    @Test
    void aLateReplyIsDiscardedButTheRequestRan() {
        SimNetwork.Endpoint a = open(A);
        open(B);
        network.slowMessages(1, 500);
        CompletableFuture<byte[]> f = a.request(B, Verb.PING, PING, 5);
        scheduler.runUntil(2000);
        assertInstanceOf(RequestTimeoutException.class, failure(f));
        assertEquals(1, handled.size());
    }

    @Test
    void theSameSeedDeliversInTheSameOrder() {
        assertEquals(deliveryOrder(42), deliveryOrder(42));
    }

    private static List<String> deliveryOrder(long seed) {
        SimScheduler s = new SimScheduler(0, 10_000);
        SimNetwork n = new SimNetwork(s, new SplittableRandom(seed), 0, 20);
        List<String> order = new ArrayList<>();
        SimNetwork.Endpoint a = n.open(A);
        n.open(B).register(Verb.PING, (from, p) -> {
            order.add(p[0] + "@" + s.nowMillis());
            return CompletableFuture.completedFuture(p);
        });
        for (int i = 0; i < 20; i++) {
            a.request(B, Verb.PING, new byte[] {(byte) i}, 100);
        }
        s.runUntil(1000);
        return order;
    }
}
