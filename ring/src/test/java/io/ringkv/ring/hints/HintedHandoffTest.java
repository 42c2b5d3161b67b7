package io.ringkv.ring.hints;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ringkv.common.Bytes;
import io.ringkv.common.ManualClock;
import io.ringkv.common.Scheduler;
import io.ringkv.ring.NodeId;
import io.ringkv.ring.Record;
import io.ringkv.ring.membership.Membership;
import io.ringkv.ring.partition.Member;
import io.ringkv.ring.partition.RingSnapshot;
import io.ringkv.ring.transport.MessagingService;
import io.ringkv.ring.transport.RequestHandler;
import io.ringkv.ring.transport.RequestTimeoutException;
import io.ringkv.ring.transport.Verb;
import io.ringkv.ring.version.Siblings;
import io.ringkv.storage.memory.MemoryEngine;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** Delivery logic against a hand-driven network and virtual time. */
class HintedHandoffTest {
    static final NodeId SELF = new NodeId("n1");
    static final NodeId TARGET = new NodeId("n2");
    static final long START = 1_700_000_000_000L;

    final ManualClock clock = new ManualClock(START);
    final VirtualScheduler scheduler = new VirtualScheduler(clock);
    final FakeMembership membership = new FakeMembership();
    final FakeMessaging messaging = new FakeMessaging();

    HintStore store(HintSettings settings) {
        return new HintStore(new MemoryEngine(), clock, settings, n -> 0L);
    }

    static HintSettings settings(long bytesPerSecond, int inFlightMax) {
        return new HintSettings(HintSettings.DEFAULT_HINT_WINDOW_MILLIS, HintSettings.DEFAULT_HINT_BYTES_PER_TARGET_MAX, 1_000,
                bytesPerSecond, inFlightMax, 500);
    }

    static Siblings set(String value) {
        return Siblings.empty().update(SELF, Siblings.empty().clock(), Record.string(Bytes.utf8(value), START, Record.NO_EXPIRY));
    }

    static void fill(HintStore store, NodeId target, int n) {
        for (int i = 0; i < n; i++) {
            assertTrue(store.store(target, Bytes.utf8("k" + i), set("v" + i)));
        }
    }

    @Test
    void hintsGoOutOldestFirstAndAreDeletedOnlyAfterTheTargetAcknowledges() {
        HintSettings settings = settings(HintSettings.DEFAULT_HINT_DELIVERY_BYTES_PER_SECOND, 1);
        HintStore store = store(settings);
        fill(store, TARGET, 3);
        List<byte[]> expected = new ArrayList<>();
        for (HintStore.Hint h = store.next(TARGET, null); h != null; h = store.next(TARGET, h)) {
            expected.add(h.replicaWritePayload());
        }
        HintedHandoff handoff = new HintedHandoff(SELF, store, membership, messaging, scheduler, clock, settings);
        handoff.runRound();
        for (int i = 0; i < 3; i++) {
            assertEquals(1, messaging.outstanding.size(), "one in flight at a time");
            Sent s = messaging.outstanding.get(0);
            assertEquals(TARGET, s.to);
            assertEquals(Verb.REPLICA_WRITE, s.verb);
            assertArrayEquals(expected.get(i), s.payload);
            assertEquals(3 - i, store.pending(TARGET).count(), "not deleted before the acknowledgement");
            messaging.ack(0);
            scheduler.runFor(10);
        }
        assertEquals(0, store.pending(TARGET).count());
        assertEquals(3, store.counters().get("hints_delivered"));
        assertEquals(0, handoff.counters().get("hints_delivering_targets"));
    }

    @Test
    void aFailureStopsDeliveryToThatTargetAndTheNextRoundRetriesWhatIsLeft() {
        HintSettings settings = settings(HintSettings.DEFAULT_HINT_DELIVERY_BYTES_PER_SECOND, 1);
        HintStore store = store(settings);
        fill(store, TARGET, 3);
        HintedHandoff handoff = new HintedHandoff(SELF, store, membership, messaging, scheduler, clock, settings);
        handoff.runRound();
        messaging.ack(0);
        scheduler.runFor(10);
        byte[] second = messaging.outstanding.get(0).payload;
        messaging.fail(0);
        scheduler.runFor(10);
        assertEquals(0, messaging.outstanding.size(), "nothing more sent after a failure");
        assertEquals(2, store.pending(TARGET).count());
        assertEquals(1, handoff.counters().get("hints_delivery_failures"));

        handoff.start();
        scheduler.runFor(1_000); // the next round
        assertEquals(1, messaging.outstanding.size());
        assertArrayEquals(second, messaging.outstanding.get(0).payload, "the failed hint goes again, first");
        messaging.ack(0);
        scheduler.runFor(10);
        messaging.ack(0);
        scheduler.runFor(10);
        assertEquals(0, store.pending(TARGET).count());
        handoff.stop();
    }

    @Test
    void atMostTheInFlightBoundIsOutstandingPerTarget() {
        HintSettings settings = settings(HintSettings.DEFAULT_HINT_DELIVERY_BYTES_PER_SECOND, 4);
        HintStore store = store(settings);
        fill(store, TARGET, 10);
        HintedHandoff handoff = new HintedHandoff(SELF, store, membership, messaging, scheduler, clock, settings);
        handoff.runRound();
        scheduler.runFor(100);
        assertEquals(4, messaging.outstanding.size());
        messaging.ack(2);
        scheduler.runFor(100);
        assertEquals(4, messaging.outstanding.size());
        assertEquals(9, store.pending(TARGET).count());
    }

    @Test
    void deliveryKeepsToTheThrottleInVirtualTime() {
        long bytesPerSecond = 2_000;
        HintSettings settings = settings(bytesPerSecond, 4);
        HintStore store = store(settings);
        fill(store, TARGET, 200);
        long hintBytes = store.next(TARGET, null).bytes();
        long total = store.pending(TARGET).bytes();
        messaging.autoAck = true;
        HintedHandoff handoff = new HintedHandoff(SELF, store, membership, messaging, scheduler, clock, settings);
        handoff.runRound();
        long sentBefore = 0;
        for (int second = 1; second <= 5; second++) {
            scheduler.runFor(1_000);
            long sent = handoff.counters().get("hints_delivery_bytes_sent");
            assertTrue(sent <= bytesPerSecond * second + hintBytes, "over the throttle after " + second + " s: " + sent);
            assertTrue(sent - sentBefore >= bytesPerSecond - 2 * hintBytes, "well under the throttle in second " + second + ": "
                    + (sent - sentBefore));
            sentBefore = sent;
        }
        // Rounds restart delivery after each in-flight window drains; everything goes in time.
        handoff.start();
        scheduler.runFor(total * 1000 / bytesPerSecond + 2_000);
        assertEquals(0, store.pending(TARGET).count());
        assertEquals(total, handoff.counters().get("hints_delivery_bytes_sent"));
        handoff.stop();
    }

    @Test
    void nothingGoesToATargetBelievedDownUntilItIsSeenUp() {
        HintSettings settings = settings(HintSettings.DEFAULT_HINT_DELIVERY_BYTES_PER_SECOND, 4);
        HintStore store = store(settings);
        fill(store, TARGET, 2);
        membership.down.add(TARGET);
        HintedHandoff handoff = new HintedHandoff(SELF, store, membership, messaging, scheduler, clock, settings);
        handoff.runRound();
        assertEquals(0, messaging.outstanding.size());
        membership.down.remove(TARGET);
        handoff.onNodeUp(TARGET);
        scheduler.runFor(10); // the throttle spaces even small hints by at least a millisecond tick
        assertEquals(2, messaging.outstanding.size());
    }

    @Test
    void aRoundDeletesExpiredHintsBeforeDelivering() {
        HintSettings settings = new HintSettings(1_000, HintSettings.DEFAULT_HINT_BYTES_PER_TARGET_MAX, 1_000, 1 << 20, 4, 500);
        HintStore store = store(settings);
        fill(store, TARGET, 2);
        membership.down.add(TARGET);
        HintedHandoff handoff = new HintedHandoff(SELF, store, membership, messaging, scheduler, clock, settings);
        handoff.start();
        scheduler.runFor(3_000);
        assertEquals(2, store.counters().get("hints_expired"));
        assertEquals(0, store.counters().get("hints_pending"));
        handoff.stop();
    }

    @Test
    void hintsForANodeNoLongerInTheRingAreDroppedNotDelivered() {
        HintSettings settings = new HintSettings(HintSettings.DEFAULT_HINT_WINDOW_MILLIS, HintSettings.DEFAULT_HINT_BYTES_PER_TARGET_MAX,
                1_000, 1 << 20, 4, 500);
        HintStore store = store(settings);
        fill(store, TARGET, 3);
        // The target left; whether its last gossip saying so arrived does not matter.
        membership.ring = RingSnapshot.initial(List.of(new Member(SELF, "10.0.0.1", 6379, 16379, 1)), 16, 3);
        HintedHandoff handoff = new HintedHandoff(SELF, store, membership, messaging, scheduler, clock, settings);
        handoff.runRound();
        assertEquals(0, messaging.outstanding.size());
        assertEquals(0, store.counters().get("hints_pending"));
        assertEquals(3, store.counters().get("hints_dropped_departed"));
    }

    // ---------------------------------------------------------------- test doubles

    record Sent(NodeId to, Verb verb, byte[] payload, CompletableFuture<byte[]> reply) {}

    /** Records requests; the test answers them (or, with autoAck, each is acknowledged at once). */
    static final class FakeMessaging implements MessagingService {
        final List<Sent> outstanding = new ArrayList<>();
        boolean autoAck;

        @Override
        public NodeId localNode() {
            return SELF;
        }

        @Override
        public void register(Verb verb, RequestHandler handler) {}

        @Override
        public CompletableFuture<byte[]> request(NodeId to, Verb verb, byte[] payload, long timeoutMillis) {
            if (autoAck) {
                return CompletableFuture.completedFuture(new byte[0]);
            }
            Sent s = new Sent(to, verb, payload, new CompletableFuture<>());
            outstanding.add(s);
            return s.reply;
        }

        void ack(int i) {
            outstanding.remove(i).reply.complete(new byte[0]);
        }

        void fail(int i) {
            outstanding.remove(i).reply.completeExceptionally(new RequestTimeoutException("no reply"));
        }

        @Override
        public Map<String, Long> stats() {
            return Map.of();
        }

        @Override
        public void close() {}
    }

    static final class FakeMembership implements Membership {
        final Set<NodeId> down = new HashSet<>();
        /** Both nodes are members: hints for a node out of the ring would be dropped instead. */
        RingSnapshot ring = RingSnapshot.initial(List.of(new Member(SELF, "10.0.0.1", 6379, 16379, 1),
                new Member(TARGET, "10.0.0.2", 6379, 16379, 1)), 16, 3);

        @Override
        public RingSnapshot ring() {
            return ring;
        }

        @Override
        public boolean isAlive(NodeId node) {
            return !down.contains(node);
        }

        @Override
        public void reportSuccess(NodeId node) {}

        @Override
        public void reportUnreachable(NodeId node) {}
    }

    /** Virtual time: tasks run in (due time, submission) order and move the manual clock. */
    static final class VirtualScheduler implements Scheduler {
        record Task(long dueMillis, long sequence, Runnable run) {}

        final ManualClock clock;
        final PriorityQueue<Task> queue = new PriorityQueue<>((a, b) -> a.dueMillis != b.dueMillis
                ? Long.compare(a.dueMillis, b.dueMillis) : Long.compare(a.sequence, b.sequence));
        long sequence;

        VirtualScheduler(ManualClock clock) {
            this.clock = clock;
        }

        @Override
        public Cancellable schedule(long delayMillis, Runnable task) {
            boolean[] cancelled = {false};
            queue.add(new Task(clock.currentTimeMillis() + delayMillis, sequence++, () -> {
                if (!cancelled[0]) {
                    task.run();
                }
            }));
            return () -> cancelled[0] = true;
        }

        void runFor(long millis) {
            long until = clock.currentTimeMillis() + millis;
            while (!queue.isEmpty() && queue.peek().dueMillis <= until) {
                Task t = queue.poll();
                clock.setMillis(Math.max(clock.currentTimeMillis(), t.dueMillis));
                t.run.run();
            }
            clock.setMillis(until);
        }
    }
}
