package io.ringkv.ring.membership;

import io.ringkv.common.Clock;
import io.ringkv.common.Scheduler;
import io.ringkv.ring.NodeId;
import io.ringkv.ring.partition.Member;
import io.ringkv.ring.partition.RingSnapshot;
import io.ringkv.ring.transport.MessagingService;
import io.ringkv.ring.transport.Verb;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Membership from config: every node is named in the seed list, so the ring is fixed and the
 * same everywhere. Liveness comes from probing: each peer gets a PING every
 * {@code probeIntervalMillis}; a failed probe or an unreachable request marks it down, any
 * answer marks it up. (Gossip with phi-accrual detection replaces the probing later.)
 */
public final class StaticMembership implements Membership {
    private static final Logger log = LoggerFactory.getLogger(StaticMembership.class);
    private static final byte[] EMPTY = new byte[0];

    private final RingSnapshot ring;
    private final NodeId self;
    private final Map<NodeId, Boolean> alive = new ConcurrentHashMap<>();
    private final Map<NodeId, Long> lastSeenMillis = new ConcurrentHashMap<>();
    /** When each peer now down was first seen down (the hint window counts from it). */
    private final Map<NodeId, Long> downSinceMillis = new ConcurrentHashMap<>();
    private final Clock clock;
    private volatile boolean stopped;

    public StaticMembership(RingSnapshot ring, NodeId self, Clock clock) {
        this.ring = ring;
        this.self = self;
        this.clock = clock;
        for (Member m : ring.members()) {
            // Optimistic at start: a peer is up until a request or probe says otherwise.
            alive.put(m.id(), Boolean.TRUE);
        }
    }

    /** Starts probing every peer; stops when {@link #stop()} is called. */
    public void startProbing(MessagingService messaging, Scheduler scheduler, long probeIntervalMillis, long probeTimeoutMillis) {
        for (Member m : ring.members()) {
            if (!m.id().equals(self)) {
                scheduleProbe(m.id(), messaging, scheduler, probeIntervalMillis, probeTimeoutMillis);
            }
        }
    }

    private void scheduleProbe(NodeId peer, MessagingService messaging, Scheduler scheduler, long intervalMillis, long timeoutMillis) {
        if (stopped) {
            return;
        }
        scheduler.schedule(intervalMillis, () -> {
            if (stopped) {
                return;
            }
            messaging.request(peer, Verb.PING, EMPTY, timeoutMillis).whenComplete((r, e) -> {
                if (e == null) {
                    reportSuccess(peer);
                } else {
                    reportUnreachable(peer);
                }
                scheduleProbe(peer, messaging, scheduler, intervalMillis, timeoutMillis);
            });
        });
    }

    public void stop() {
        stopped = true;
    }

    @Override
    public RingSnapshot ring() {
        return ring;
    }

    @Override
    public boolean isAlive(NodeId node) {
        return node.equals(self) || Boolean.TRUE.equals(alive.get(node));
    }

    @Override
    public void reportSuccess(NodeId node) {
        // Called on every answered request: read before writing, so that the common case (a
        // peer already up, seen within this millisecond) writes nothing. A concurrent
        // reportUnreachable then wins, as if it had come after this success.
        long now = clock.currentTimeMillis();
        Long seen = lastSeenMillis.get(node);
        if (seen == null || seen != now) {
            lastSeenMillis.put(node, now);
        }
        if (alive.get(node) == Boolean.TRUE) {
            return;
        }
        downSinceMillis.remove(node);
        if (alive.put(node, Boolean.TRUE) != Boolean.TRUE) {
            log.info("peer {} is up", node);
        }
    }

    @Override
    public void reportUnreachable(NodeId node) {
        if (node.equals(self)) {
            return;
        }
        downSinceMillis.putIfAbsent(node, clock.currentTimeMillis());
        if (alive.put(node, Boolean.FALSE) != Boolean.FALSE) {
            log.warn("peer {} is down", node);
        }
    }

    /**
     * When a peer now believed down was first seen down, Unix millis; 0 while it is believed up.
     * (The hint store stops hinting a peer down longer than the hint window.)
     */
    public long downSinceMillis(NodeId node) {
        return downSinceMillis.getOrDefault(node, 0L);
    }

    /** When a peer last answered, Unix millis; 0 = never. */
    public long lastSeenMillis(NodeId node) {
        return lastSeenMillis.getOrDefault(node, 0L);
    }
}
