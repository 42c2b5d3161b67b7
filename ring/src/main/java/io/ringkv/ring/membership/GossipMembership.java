package io.ringkv.ring.membership;

import io.ringkv.ring.NodeId;
import io.ringkv.ring.partition.RingSnapshot;
import io.ringkv.common.Clock;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.Optional;

/**
 * {@link Membership} learned through gossip: the ring is the gossiped ring, and a peer is alive
 * when gossip knows it, its phi is below the threshold, no request found it unreachable since
 * its last heartbeat, and its status is not left or removed. Replaces {@link StaticMembership}
 * without changing callers.
 *
 * <p>{@link #ring()} and {@link #isAlive} are called from many threads on every request; they
 * read a volatile field and a concurrent map, without locks. Listeners are called on the gossip
 * (scheduler) thread; see {@link MembershipListener}.
 */
public final class GossipMembership implements Membership {
    private final Gossiper gossiper;
    private final Clock clock;
    /** When each peer was last judged down, while it stays down (hint windows count from it). */
    private final Map<NodeId, Long> downSinceMillis = new ConcurrentHashMap<>();

    public GossipMembership(Gossiper gossiper, Clock clock) {
        this.gossiper = Objects.requireNonNull(gossiper, "gossiper");
        this.clock = Objects.requireNonNull(clock, "clock");
        gossiper.addListener(new MembershipListener() {
            @Override
            public void onUp(NodeId node) {
                downSinceMillis.remove(node);
            }

            @Override
            public void onDown(NodeId node) {
                downSinceMillis.putIfAbsent(node, clock.currentTimeMillis());
            }
        });
    }

    /** Since when {@code node} has been judged down, Unix millis; 0 when it is not down. */
    public long downSinceMillis(NodeId node) {
        return isAlive(node) ? 0 : downSinceMillis.getOrDefault(node, 0L);
    }

    public Gossiper gossiper() {
        return gossiper;
    }

    /** Starts gossiping (registers the gossip verbs on first start). */
    public void start() {
        gossiper.start();
    }

    public void stop() {
        gossiper.stop();
    }

    @Override
    public RingSnapshot ring() {
        return gossiper.ring();
    }

    @Override
    public boolean isAlive(NodeId node) {
        return gossiper.isAlive(node);
    }

    /**
     * "up", "down", "joining", "leaving", "left" or "removed". A departed node is "left" or
     * "removed" whatever its liveness; a node gossip never heard of is "down"; a live node shows
     * its status when that is joining or leaving.
     */
    @Override
    public String state(NodeId node) {
        if (node.equals(gossiper.self())) {
            NodeStatus own = gossiper.status(node).orElse(NodeStatus.NORMAL);
            return own == NodeStatus.NORMAL ? "up" : own.text();
        }
        Optional<NodeStatus> status = gossiper.status(node);
        if (status.isPresent() && status.get().isGone()) {
            return status.get().text();
        }
        if (!gossiper.isAlive(node)) {
            return "down";
        }
        if (status.isPresent() && (status.get() == NodeStatus.JOINING || status.get() == NodeStatus.LEAVING)) {
            return status.get().text();
        }
        return "up";
    }

    /** The failure detector's suspicion of {@code node} (for RING NODES); 0 for this node. */
    public double phi(NodeId node) {
        return gossiper.phi(node);
    }

    @Override
    public void reportSuccess(NodeId node) {
        gossiper.reportSuccess(node);
    }

    @Override
    public void reportUnreachable(NodeId node) {
        gossiper.reportUnreachable(node);
    }

    public void addListener(MembershipListener listener) {
        gossiper.addListener(listener);
    }

    public void removeListener(MembershipListener listener) {
        gossiper.removeListener(listener);
    }

    /** See {@link Gossiper#proposeRing}. */
    public void proposeRing(RingSnapshot next) {
        gossiper.proposeRing(next);
    }

    /** See {@link Gossiper#clusterAddress}. */
    public Optional<String> clusterAddress(NodeId node) {
        return gossiper.clusterAddress(node);
    }

    /** See {@link Gossiper#clientAddress}. */
    public Optional<String> clientAddress(NodeId node) {
        return gossiper.clientAddress(node);
    }
}
