package io.ringkv.resp.command;

import io.ringkv.ring.NodeId;
import io.ringkv.ring.hints.HintedHandoff;
import io.ringkv.ring.membership.GossipMembership;
import io.ringkv.ring.membership.RingManager;
import io.ringkv.ring.repair.RepairService;
import io.ringkv.ring.streaming.StreamService;
import java.util.concurrent.CompletableFuture;

/**
 * The self-healing and membership services of a clustered node, for the RING commands and
 * INFO ring. A standalone node (no seeds) has none of them: every field is null.
 */
public record RingServices(GossipMembership gossip, RingManager ringManager, HintedHandoff handoff, RepairService repair,
        StreamService streams, SeedContact contact) {

    /**
     * Finds out which node serves a client address ({@code RING JOIN host:port}) and makes it
     * reachable as a seed: completes with its node id.
     */
    @FunctionalInterface
    public interface SeedContact {
        CompletableFuture<NodeId> contact(String host, int clientPort);
    }

    /** A standalone node's: no gossip, no ring changes, no hints, no repair. */
    public static RingServices none() {
        return new RingServices(null, null, null, null, null, null);
    }

    public boolean clustered() {
        return gossip != null;
    }
}
