package io.ringkv.ring.transport.netty;

import java.util.concurrent.atomic.LongAdder;

/** Counters of one messaging service, updated from any thread. */
final class TransportStats {
    /** Requests written to a peer's connection or handed to the local handler. */
    final LongAdder requestsSent = new LongAdder();
    /** Requests handed to a handler (from a peer or from this node itself). */
    final LongAdder requestsReceived = new LongAdder();
    /** Replies that arrived after their request timed out or failed. */
    final LongAdder responsesLate = new LongAdder();
    final LongAdder timeouts = new LongAdder();
    /** Requests that failed other than by timeout (unreachable, overloaded, remote failure...). */
    final LongAdder failures = new LongAdder();
    /** Requests accepted and not yet completed (a gauge). */
    final LongAdder inFlight = new LongAdder();
    final LongAdder bytesSent = new LongAdder();
    final LongAdder bytesReceived = new LongAdder();
    /** Handshakes that failed authentication, on either side. */
    final LongAdder connectionsRefused = new LongAdder();
    /** Flushes of written requests; requests_sent / request_flushes is the batching achieved. */
    final LongAdder requestFlushes = new LongAdder();
    /** Requests written while the connection's outbound buffer was above its high water mark. */
    final LongAdder writesWhileUnwritable = new LongAdder();
}
