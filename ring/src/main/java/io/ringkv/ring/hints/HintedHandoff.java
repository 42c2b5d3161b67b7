package io.ringkv.ring.hints;

import io.ringkv.common.Clock;
import io.ringkv.common.Pacer;
import io.ringkv.common.Scheduler;
import io.ringkv.ring.NodeId;
import io.ringkv.ring.membership.Membership;
import io.ringkv.ring.partition.RingSnapshot;
import io.ringkv.ring.transport.ConnectionLostException;
import io.ringkv.ring.transport.MessagingService;
import io.ringkv.ring.transport.ReconnectBackoffException;
import io.ringkv.ring.transport.Verb;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands stored hints back to their targets (sans-IO: time, scheduling and messaging are
 * injected). Every {@link HintSettings#hintDeliveryIntervalMillis} it deletes expired hints
 * and starts delivery to each target that membership believes up; {@link #onNodeUp} starts
 * one at once.
 *
 * <p>Delivery to a target sends its hints oldest first as ordinary {@code REPLICA_WRITE}
 * requests (the replica merges, so a hint delivered twice is harmless), with at most
 * {@link HintSettings#hintDeliveryInFlightMax} outstanding, and deletes each hint only after
 * the target acknowledged it. The first failure stops delivery to that target; the remaining
 * hints (including any whose acknowledgement was lost) wait for the next round. All targets
 * share one throttle of {@link HintSettings#hintDeliveryBytesPerSecond}: a leaky bucket with
 * no idle credit, so the bytes sent by time t never exceed rate x elapsed + one hint.
 *
 * <p>A hint whose target is this node itself (possible only after a ring change made this
 * node the replica) goes through the messaging service's local path, which merges it into
 * this node's replica without a socket.
 *
 * <p>Thread-safe; sends happen outside the lock because a local delivery may complete
 * synchronously.
 */
public final class HintedHandoff {
    private static final Logger log = LoggerFactory.getLogger(HintedHandoff.class);
    /** Expired hints deleted per round, so one round stays short; the rest go next round. */
    static final int EXPIRED_PER_ROUND_MAX = 10_000;

    private final NodeId self;
    private final HintStore store;
    private final Membership membership;
    private final MessagingService messaging;
    private final Scheduler scheduler;
    private final Clock clock;
    private final HintSettings settings;
    /** Deliveries in progress, by target. */
    private final Map<NodeId, Delivery> active = new TreeMap<>();
    /** One throttle for every target: {@code hintDeliveryBytesPerSecond}. */
    private final Pacer pacer;
    private Scheduler.Cancellable timer;
    private boolean stopped;
    private long bytesSent;
    private long failures;

    public HintedHandoff(NodeId self, HintStore store, Membership membership, MessagingService messaging, Scheduler scheduler, Clock clock,
            HintSettings settings) {
        this.self = self;
        this.store = store;
        this.membership = membership;
        this.messaging = messaging;
        this.scheduler = scheduler;
        this.clock = clock;
        this.pacer = new Pacer(clock, settings.hintDeliveryBytesPerSecond());
        this.settings = settings;
    }

    /** Starts the periodic rounds (the first after one interval). */
    public synchronized void start() {
        if (timer != null || stopped) {
            throw new IllegalStateException("hinted handoff already started or stopped");
        }
        scheduleRound();
    }

    /** Stops rounds and sending; hints not yet acknowledged stay stored. */
    public synchronized void stop() {
        stopped = true;
        if (timer != null) {
            timer.cancel();
        }
    }

    private void scheduleRound() {
        timer = scheduler.schedule(settings.hintDeliveryIntervalMillis(), () -> {
            runRound();
            synchronized (this) {
                if (!stopped) {
                    scheduleRound();
                }
            }
        });
    }

    /** One round now: deletes expired hints, then starts delivery to every live target. */
    public void runRound() {
        if (isStopped()) {
            return;
        }
        int expired = store.expire(EXPIRED_PER_ROUND_MAX);
        if (expired > 0) {
            log.info("{} hints expired (older than the {} ms hint window)", expired, settings.hintWindowMillis());
        }
        RingSnapshot ring = membership.ring();
        for (NodeId target : store.targets()) {
            if (ring.version() > 0 && ring.member(target) == null) {
                // Out of the ring (it left or was removed; whether its last gossip saying so
                // arrived does not matter): no one will take these. The ring change streamed its
                // data to the new replicas, and repair covers the rest.
                int dropped = store.dropTarget(target, EXPIRED_PER_ROUND_MAX);
                log.info("dropped {} hints for {}, which is no longer in the ring (version {})", dropped, target, ring.version());
                continue;
            }
            deliverTo(target);
        }
    }

    /** Membership saw {@code node} come back: start handing its hints over now. */
    public void onNodeUp(NodeId node) {
        if (store.pending(node).count() > 0) {
            deliverTo(node);
        }
    }

    private void deliverTo(NodeId target) {
        Delivery d;
        synchronized (this) {
            if (stopped || active.containsKey(target) || !membership.isAlive(target)) {
                return;
            }
            d = new Delivery(target);
            active.put(target, d);
        }
        pump(d);
    }

    private synchronized boolean isStopped() {
        return stopped;
    }

    /** Hands out hints up to the in-flight bound; ends the delivery when nothing is left to do. */
    private void pump(Delivery d) {
        List<HintStore.Hint> now = new ArrayList<>();
        synchronized (this) {
            while (!stopped && !d.failed && !d.exhausted && d.inFlight < settings.hintDeliveryInFlightMax()) {
                if (!membership.isAlive(d.target)) {
                    d.failed = true;
                    break;
                }
                HintStore.Hint h = store.next(d.target, d.cursor);
                if (h == null) {
                    d.exhausted = true;
                    break;
                }
                d.cursor = h;
                d.inFlight++;
                long waitMillis = pacer.reserve(h.bytes());
                if (waitMillis == 0) {
                    now.add(h);
                } else {
                    scheduler.schedule(waitMillis, () -> send(d, h));
                }
            }
            if (d.inFlight == 0 && active.get(d.target) == d) {
                active.remove(d.target);
            }
        }
        for (HintStore.Hint h : now) {
            send(d, h);
        }
    }

    private void send(Delivery d, HintStore.Hint h) {
        synchronized (this) {
            if (stopped) {
                d.inFlight--;
                d.failed = true;
                return;
            }
            bytesSent += h.bytes();
        }
        messaging.request(d.target, Verb.REPLICA_WRITE, h.replicaWritePayload(), settings.hintDeliveryTimeoutMillis())
                .whenComplete((reply, err) -> {
                    if (err == null) {
                        membership.reportSuccess(d.target);
                        store.delivered(h);
                    } else {
                        Throwable cause = unwrap(err);
                        if (ReconnectBackoffException.isFreshUnreachable(cause) || cause instanceof ConnectionLostException) {
                            membership.reportUnreachable(d.target);
                        }
                        log.debug("hint delivery to {} failed; retrying next round", d.target, cause);
                    }
                    synchronized (this) {
                        d.inFlight--;
                        if (err != null) {
                            d.failed = true;
                            failures++;
                        }
                    }
                    pump(d);
                });
    }

    private static Throwable unwrap(Throwable t) {
        while (t instanceof CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /** Whether a delivery to {@code target} is in progress. */
    public synchronized boolean isDelivering(NodeId target) {
        return active.containsKey(target);
    }

    /** For {@code INFO ring}: delivery bytes sent, failures, and targets being delivered to. */
    public synchronized Map<String, Long> counters() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("hints_delivery_bytes_sent", bytesSent);
        m.put("hints_delivery_failures", failures);
        m.put("hints_delivering_targets", (long) active.size());
        return m;
    }

    public NodeId self() {
        return self;
    }

    /** One target's delivery in progress. */
    private static final class Delivery {
        final NodeId target;
        /** The last hint handed out; the next one comes after it. */
        HintStore.Hint cursor;
        int inFlight;
        boolean failed;
        boolean exhausted;

        Delivery(NodeId target) {
            this.target = target;
        }
    }
}
