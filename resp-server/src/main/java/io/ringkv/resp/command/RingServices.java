package io.ringkv.resp.command;

import io.ringkv.ring.hints.HintedHandoff;
import io.ringkv.ring.membership.GossipMembership;
import io.ringkv.ring.membership.RingManager;
import io.ringkv.ring.repair.RepairService;
import io.ringkv.ring.streaming.StreamService;

/**
 * The self-healing and membership services of a clustered node, for the RING commands and
 * INFO ring. A standalone node (no seeds) has none of them: every field is null.
 */
public record RingServices(GossipMembership gossip, RingManager ringManager, HintedHandoff handoff, RepairService repair,
        StreamService streams) {

    /** A standalone node's: no gossip, no ring changes, no hints, no repair. */
    public static RingServices none() {
        return new RingServices(null, null, null, null, null);
    }

    public boolean clustered() {
        return gossip != null;
    }
}
