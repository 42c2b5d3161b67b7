package io.ringkv.ring.transport.netty;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
import io.netty.util.collection.LongObjectHashMap;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import io.ringkv.ring.NodeId;
import io.ringkv.ring.transport.OverloadedException;
import io.ringkv.ring.transport.ConnectionLostException;
import io.ringkv.ring.transport.PeerUnreachableException;
import io.ringkv.ring.transport.ReconnectBackoffException;
import io.ringkv.ring.transport.RemoteFailureException;
import io.ringkv.ring.transport.RequestTimeoutException;
import io.ringkv.ring.transport.TransportException;
import io.ringkv.ring.transport.Verb;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The outbound side of one peer: its single connection (opened on first use, reopened after a
 * failure subject to a backoff), the requests waiting for it and those awaiting replies.
 *
 * <p>Threading: all state except the in-flight counter and the connected flag is confined to
 * one event loop, which is also the connection's. Callers on other threads hand requests over
 * with {@code execute}; that costs the same task Netty would create for a write from outside.
 * Replies, timeouts and connection events all run on that loop, so completing a request exactly
 * once needs no locking: whoever removes it from {@link #pending} completes it.
 *
 * <p>Timeouts: each request carries a deadline, and one sweep task, scheduled on the loop only
 * while requests are pending, fails those past it every
 * {@link NettyMessagingService#TIMEOUT_SWEEP_MILLIS}. A timer per request would cost a
 * priority-queue insertion and a cancellation on the loop for every message.
 */
final class PeerConnection implements ClientHandler.Owner {
    private static final Logger log = LoggerFactory.getLogger(PeerConnection.class);

    private enum State { IDLE, CONNECTING, READY }

    private final NettyMessagingService service;
    private final NodeId peer;
    private final EventLoop loop;
    private final TransportLimits limits;
    private final TransportStats stats;
    /** This loop's per-message counters: written only here, on the loop. */
    private final TransportStats.LoopStats loopStats;
    /** Requests accepted and not completed: queued, written or awaiting a reply. */
    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile boolean connected;
    /** Set once by {@link #retire()}; read on the loop. */
    private volatile boolean retired;

    // Confined to loop.
    private State state = State.IDLE;
    private Channel channel;
    private ClientHandler attempt;
    private InetSocketAddress address;
    private ScheduledFuture<?> connectDeadline;
    /** Every live request, whether still waiting for the connection or already written. */
    private final LongObjectHashMap<Pending> pending = new LongObjectHashMap<>();
    /** Requests accepted while connecting, sent in order once authenticated. */
    private final ArrayDeque<Pending> waiting = new ArrayDeque<>();
    /** Why the last connect failed; null once a connection succeeded. Drives the backoff. */
    private String lastConnectFailure;
    private long retryNotBeforeNanos;
    /** The peer's unreachability was logged; stay quiet until it becomes reachable again. */
    private boolean reportedUnreachable;
    private boolean flushScheduled;
    private final Runnable flushTask = this::flush;
    /** The scheduled timeout sweep; null while none is (then nothing is pending, or it is running). */
    private ScheduledFuture<?> sweep;
    private final Runnable sweepTask = this::sweepTimeouts;
    /**
     * No pending request has an earlier deadline (it may be earlier than all of them: requests
     * complete without updating it). A sweep before it has nothing to time out, so it skips the
     * scan; deadlines differ by call site, so requests are not in deadline order and a scan
     * looks at every pending one.
     */
    private long earliestDeadlineNanos;

    PeerConnection(NettyMessagingService service, NodeId peer, EventLoop loop) {
        this.service = service;
        this.peer = peer;
        this.loop = loop;
        this.limits = service.limits();
        this.stats = service.transportStats();
        this.loopStats = stats.forLoop(loop);
    }

    /** Any thread: requests accepted and not completed yet. */
    int inFlight() {
        return inFlight.get();
    }

    boolean isConnected() {
        return connected;
    }

    /**
     * Any thread: this peer left the cluster. Fails what is pending, closes the connection, and
     * fails every later request on this object at once, never reconnecting (a caller may still
     * hold it after the service dropped it).
     */
    Future<?> retire() {
        retired = true;
        return shutdown();
    }

    /**
     * Any thread: the peer was heard from (gossip judged it up), so an earlier failed connect
     * is stale evidence. The next request connects at once instead of failing until the backoff
     * ends; otherwise the first requests after a partition heals (hint replay, reads at ALL)
     * fail and mark the peer down again.
     */
    void clearBackoff() {
        try {
            loop.execute(() -> lastConnectFailure = null);
        } catch (RejectedExecutionException e) {
            // The event loop group is shutting down: no request will connect anyway.
        }
    }

    /** Any thread. */
    CompletableFuture<byte[]> request(Verb verb, byte[] payload, long timeoutMillis) {
        int max = limits.inFlightPerPeerMax();
        if (inFlight.incrementAndGet() > max) {
            inFlight.decrementAndGet();
            stats.failures.increment();
            return CompletableFuture.failedFuture(new OverloadedException(max + " requests already in flight to " + peer));
        }
        Pending p = new Pending(service.nextRequestId(), verb, payload, timeoutMillis);
        if (loop.inEventLoop()) {
            submit(p);
        } else {
            try {
                loop.execute(() -> submit(p));
            } catch (RejectedExecutionException e) {
                // The event loop group is shutting down: nothing will ever run this request.
                complete(p, null, new PeerUnreachableException("transport closed", e));
            }
        }
        return p.future;
    }

    private void submit(Pending p) {
        if (service.isClosed()) {
            complete(p, null, new PeerUnreachableException("transport closed"));
            return;
        }
        if (retired) {
            complete(p, null, new PeerUnreachableException(peer + " left the cluster"));
            return;
        }
        if (state == State.IDLE && lastConnectFailure != null && service.clock().nanoTime() - retryNotBeforeNanos < 0) {
            complete(p, null, new ReconnectBackoffException(peer + " unreachable: " + lastConnectFailure));
            return;
        }
        p.deadlineNanos = loop.ticker().nanoTime() + TimeUnit.MILLISECONDS.toNanos(p.timeoutMillis);
        if (pending.isEmpty() || p.deadlineNanos - earliestDeadlineNanos < 0) {
            earliestDeadlineNanos = p.deadlineNanos;
        }
        pending.put(p.id, p);
        armSweep();
        switch (state) {
            case READY -> {
                write(p);
                scheduleFlush();
            }
            case CONNECTING -> waiting.add(p);
            case IDLE -> {
                waiting.add(p);
                connect();
            }
        }
    }

    private void connect() {
        InetSocketAddress target;
        try {
            target = service.addressOf(peer);
        } catch (RuntimeException e) {
            failAll(new PeerUnreachableException("address lookup for " + peer + " failed", e));
            return;
        }
        if (target == null) {
            // Not a connect failure: no backoff, the address may be known by the next request.
            failAll(new PeerUnreachableException("no address known for " + peer));
            return;
        }
        state = State.CONNECTING;
        address = target;
        ClientHandler handler = new ClientHandler(service.handshake(), this, peer, target, stats);
        attempt = handler;
        ChannelFuture connectFuture = service.connect(loop, target, handler);
        Channel ch = connectFuture.channel();
        channel = ch;
        connectFuture.addListener(f -> {
            if (!f.isSuccess()) {
                handler.failed("cannot connect: " + describe(f.cause()));
            }
        });
        ch.closeFuture().addListener(f -> onClosed(handler));
        long deadlineMillis = limits.connectTimeoutMillis();
        connectDeadline = loop.schedule(() -> {
            if (attempt == handler && state == State.CONNECTING) {
                handler.failed("connect and handshake did not finish within " + deadlineMillis + " ms");
                ch.close();
            }
        }, deadlineMillis, TimeUnit.MILLISECONDS);
    }

    /** Loop: the handshake of {@code handler}'s connection succeeded. */
    @Override
    public void onAuthenticated(ClientHandler handler, NodeId server) {
        if (attempt != handler) {
            return; // a stale attempt; its channel is already being closed
        }
        connectDeadline.cancel(false);
        state = State.READY;
        connected = true;
        lastConnectFailure = null;
        reportedUnreachable = false;
        log.info("connected to {} at {}", peer, address);
        for (Pending p; (p = waiting.poll()) != null; ) {
            if (pending.get(p.id) == p) { // not timed out meanwhile
                write(p);
            }
        }
        loopStats.requestFlushes.increment();
        channel.flush();
    }

    /** Loop: the channel of {@code handler} closed, whatever the reason. */
    private void onClosed(ClientHandler handler) {
        if (attempt != handler) {
            return;
        }
        attempt = null;
        channel = null;
        if (connectDeadline != null) {
            connectDeadline.cancel(false);
        }
        boolean wasReady = state == State.READY;
        state = State.IDLE;
        connected = false;
        String reason = handler.closeReason();
        if (wasReady) {
            // A working connection dropped: the next request reconnects at once.
            log.info("disconnected from {} at {}: {}", peer, address, reason);
            // Requests already written may have run there: their outcome is unknown, so they
            // fail differently from those that never left (which callers may safely retry).
            String lost = "connection to " + peer + " at " + address + " lost: " + reason;
            failAll(new PeerUnreachableException(lost), new ConnectionLostException(lost + " (outcome unknown)"));
        } else {
            lastConnectFailure = reason;
            retryNotBeforeNanos = service.clock().nanoTime() + TimeUnit.MILLISECONDS.toNanos(limits.reconnectBackoffMillis());
            if (!reportedUnreachable && !service.isClosed()) {
                reportedUnreachable = true;
                log.info("cannot reach {} at {}: {} (retrying at most every {} ms)", peer, address, reason,
                        limits.reconnectBackoffMillis());
            }
            failAll(new PeerUnreachableException("cannot connect to " + peer + " at " + address + ": " + reason));
        }
    }

    /** Loop: a response or error response from the peer. */
    @Override
    public void onResponse(InboundFrame frame) {
        Pending p = pending.remove(frame.requestId());
        if (p == null) {
            stats.responsesLate.increment(); // it timed out; its caller has moved on
            return;
        }
        if (frame.kind() == WireProtocol.KIND_RESPONSE) {
            complete(p, frame.payload(), null);
        } else {
            complete(p, null, new RemoteFailureException(new String(frame.payload(), StandardCharsets.UTF_8)));
        }
    }

    /** Loop: schedules a sweep unless one is scheduled (or running, which re-arms itself). */
    private void armSweep() {
        if (sweep == null) {
            sweep = loop.schedule(sweepTask, NettyMessagingService.TIMEOUT_SWEEP_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    /** Loop: fails the requests past their deadline; re-arms while any request is pending. */
    private void sweepTimeouts() {
        sweep = null;
        if (pending.isEmpty()) {
            return; // idle: the next request arms a sweep again
        }
        long nowNanos = loop.ticker().nanoTime();
        if (nowNanos - earliestDeadlineNanos >= 0) {
            List<Pending> expired = new ArrayList<>();
            // Now is a lower bound on every deadline still ahead, including those of requests
            // sent from the callbacks below; the scan raises it to the earliest one left.
            long earliest = nowNanos;
            boolean any = false;
            for (Pending p : pending.values()) {
                if (nowNanos - p.deadlineNanos >= 0) {
                    expired.add(p);
                } else if (!any || p.deadlineNanos - earliest < 0) {
                    earliest = p.deadlineNanos;
                    any = true;
                }
            }
            earliestDeadlineNanos = earliest;
            // Completed after the scan: a caller's callback may send requests, changing pending
            // and the earliest deadline.
            for (Pending p : expired) {
                onTimeout(p);
            }
        }
        if (!pending.isEmpty()) {
            armSweep();
        }
    }

    private void onTimeout(Pending p) {
        if (pending.remove(p.id) != p) {
            return; // failed meanwhile: a callback of an earlier timed-out request closed or retired this peer
        }
        stats.timeouts.increment();
        complete(p, null, new RequestTimeoutException("no reply from " + peer + " to " + p.verb + " within "
                + p.timeoutMillis + " ms"));
    }

    private void write(Pending p) {
        if (!channel.isWritable()) {
            // The in-flight bound is the hard limit; past the water mark Netty still buffers.
            stats.writesWhileUnwritable.increment();
        }
        loopStats.requestsSent.increment();
        channel.write(new OutboundFrame(WireProtocol.KIND_REQUEST, p.id, p.verb.code(), p.payload), channel.voidPromise());
        p.payload = null; // the encoder holds it now; keep the pending entry small
        p.written = true;
    }

    /**
     * One flush per event-loop turn: requests handed over in a burst are written as they are
     * taken and flushed by a task that runs after the burst's already-queued tasks.
     */
    private void scheduleFlush() {
        if (!flushScheduled) {
            flushScheduled = true;
            loop.execute(flushTask);
        }
    }

    private void flush() {
        flushScheduled = false;
        if (state == State.READY) {
            loopStats.requestFlushes.increment();
            channel.flush();
        }
    }

    private void failAll(TransportException failure) {
        failAll(failure, failure);
    }

    /** Fails every request: {@code unsent} for those never written, {@code written} for the rest. */
    private void failAll(TransportException unsent, TransportException written) {
        waiting.clear();
        // Copy first: completing a future runs callers' code, which may send new requests.
        List<Pending> all = new ArrayList<>(pending.values());
        pending.clear();
        for (Pending p : all) {
            complete(p, null, p.written ? written : unsent);
        }
    }

    /** Any thread: fails every request and closes the connection; returns when done on the loop. */
    Future<?> shutdown() {
        if (loop.inEventLoop()) {
            shutdownOnLoop();
            return loop.newSucceededFuture(null);
        }
        try {
            return loop.submit(this::shutdownOnLoop);
        } catch (RejectedExecutionException e) {
            // The loop was shut down before the service: its tasks are done and will not run
            // again, so this thread may take over its state.
            shutdownOnLoop();
            return loop.newSucceededFuture(null);
        }
    }

    private void shutdownOnLoop() {
        failAll(new PeerUnreachableException("transport closed"));
        if (sweep != null) {
            // Nothing is pending any more; cancelled now rather than at its next run.
            sweep.cancel(false);
            sweep = null;
        }
        if (channel != null) {
            channel.close();
        }
    }

    private void complete(Pending p, byte[] reply, TransportException failure) {
        inFlight.decrementAndGet();
        if (failure == null) {
            p.future.complete(reply);
        } else {
            if (!(failure instanceof RequestTimeoutException)) {
                stats.failures.increment();
            }
            p.future.completeExceptionally(failure);
        }
    }

    static String describe(Throwable t) {
        String message = t.getMessage();
        return message != null ? message : t.getClass().getSimpleName();
    }

    /** One request; fields other than the future are touched on the loop only. */
    private static final class Pending {
        final long id;
        final Verb verb;
        final long timeoutMillis;
        final CompletableFuture<byte[]> future = new CompletableFuture<>();
        byte[] payload;
        /** In the loop's ticker's time: the request times out at the first sweep at or after it. */
        long deadlineNanos;
        /** Handed to the channel: the peer may have received it. */
        boolean written;

        Pending(long id, Verb verb, byte[] payload, long timeoutMillis) {
            this.id = id;
            this.verb = verb;
            this.payload = payload;
            this.timeoutMillis = timeoutMillis;
        }
    }
}
