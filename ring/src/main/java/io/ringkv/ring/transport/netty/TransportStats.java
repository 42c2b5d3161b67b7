package io.ringkv.ring.transport.netty;

import io.netty.util.concurrent.EventExecutor;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

/**
 * Counters of one messaging service. Rare events and counts touched from any thread are
 * {@link LongAdder}s; the per-message counts of connections are kept per event loop
 * ({@link LoopStats}) so the hot path does no atomic read-modify-write.
 */
final class TransportStats {
    /** Requests to this node itself: each is both sent and received. */
    final LongAdder localRequests = new LongAdder();
    /** Replies that arrived after their request timed out or failed. */
    final LongAdder responsesLate = new LongAdder();
    final LongAdder timeouts = new LongAdder();
    /** Requests that failed other than by timeout (unreachable, overloaded, remote failure...). */
    final LongAdder failures = new LongAdder();
    /** Handshakes that failed authentication, on either side. */
    final LongAdder connectionsRefused = new LongAdder();
    /** Requests written while the connection's outbound buffer was above its high water mark. */
    final LongAdder writesWhileUnwritable = new LongAdder();
    /**
     * One entry per event loop that ever ran a connection of this service: at most the size of
     * the event loop group. Entries are never removed, so counts survive their connections.
     */
    private final Map<EventExecutor, LoopStats> byLoop = new ConcurrentHashMap<>();

    /** The counters {@code loop}'s connections update; called once per connection, not per message. */
    LoopStats forLoop(EventExecutor loop) {
        return byLoop.computeIfAbsent(loop, l -> new LoopStats());
    }

    long requestsSent() {
        return localRequests.sum() + sum(s -> s.requestsSent);
    }

    long requestsReceived() {
        return localRequests.sum() + sum(s -> s.requestsReceived);
    }

    long bytesSent() {
        return sum(s -> s.bytesSent);
    }

    long bytesReceived() {
        return sum(s -> s.bytesReceived);
    }

    long requestFlushes() {
        return sum(s -> s.requestFlushes);
    }

    /** One count summed over every event loop (for INFO: not on the message path). */
    private long sum(Function<LoopStats, LoopCounter> counter) {
        long sum = 0;
        for (LoopStats s : byLoop.values()) {
            sum += counter.apply(s).get();
        }
        return sum;
    }

    /**
     * The per-message counts of the connections of one event loop, written only by that loop's
     * thread (every connection, encoder and decoder runs on the loop its channel is registered
     * with, for the channel's whole life).
     */
    static final class LoopStats {
        /** Requests written to a peer's connection. */
        final LoopCounter requestsSent = new LoopCounter();
        /** Requests from peers handed to a handler. */
        final LoopCounter requestsReceived = new LoopCounter();
        final LoopCounter bytesSent = new LoopCounter();
        final LoopCounter bytesReceived = new LoopCounter();
        /** Flushes of written requests; requests_sent / request_flushes is the batching achieved. */
        final LoopCounter requestFlushes = new LoopCounter();
    }

    /**
     * A count with one writer thread. The writer adds with a plain read and an opaque write (a
     * plain store on common hardware, where a {@link LongAdder}'s CAS is a locked instruction);
     * opaque access keeps the 64-bit value untorn and lets readers on other threads (INFO) see
     * it promptly. Not for counts written by more than one thread: increments would be lost.
     */
    static final class LoopCounter {
        private static final VarHandle VALUE;

        static {
            try {
                VALUE = MethodHandles.lookup().findVarHandle(LoopCounter.class, "value", long.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        private long value;

        /** Writer thread only. */
        void add(long n) {
            VALUE.setOpaque(this, value + n);
        }

        void increment() {
            add(1);
        }

        /** Any thread. */
        long get() {
            return (long) VALUE.getOpaque(this);
        }
    }
}
