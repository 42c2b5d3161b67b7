package io.ringkv.ring.membership;

import io.ringkv.ring.NodeId;
import java.util.List;

/**
 * Tuning of the {@link Gossiper}. Every bound is named here with its default.
 *
 * @param seeds nodes contacted when nothing else is known, and now and then afterwards so that
 *     partitioned halves of a cluster find each other again (Cassandra's rule)
 * @param gossipIntervalMillis one gossip round: heartbeat bump, status check, SYN to peers.
 *     Also the timeout of a gossip request (a late ACK is useless: the next round supersedes it)
 * @param gossipFanout live peers contacted per round; at most one unreachable peer and one
 *     seed may be added, so a round sends at most {@code gossipFanout + 2} SYNs
 * @param gossipMessageBytesMax budget of the digests and states in one message; what does not
 *     fit goes in a later round (an encoded ring, when one must travel, is sent on top: it is
 *     bounded by {@code RingCodec.ENCODED_BYTES_MAX})
 * @param endpointsMax most nodes tracked; states of further nodes are ignored
 * @param removedRetentionMillis how long a node whose status is left or removed is remembered
 *     (and its departure gossiped) before it is forgotten
 * @param quarantineMillis after a node is forgotten, how long its old state is refused when a
 *     peer that has not forgotten it yet gossips it back
 * @param phi the failure detector's settings
 */
public record GossipSettings(List<NodeId> seeds, long gossipIntervalMillis, int gossipFanout, int gossipMessageBytesMax,
        int endpointsMax, long removedRetentionMillis, long quarantineMillis, PhiAccrualSettings phi) {

    public static final long GOSSIP_INTERVAL_MILLIS_DEFAULT = 1000;
    /** Two live peers a round: membership news reaches n nodes in about log2(n) + ln(n) rounds even with loss. */
    public static final int GOSSIP_FANOUT_DEFAULT = 2;
    public static final int GOSSIP_FANOUT_MAX = 16;
    /** Digests of 1024 nodes take ~80 KiB; a quarter MiB leaves room for the states of a joining node's first rounds. */
    public static final int GOSSIP_MESSAGE_BYTES_MAX_DEFAULT = 256 * 1024;
    /** Smallest useful budget: one full endpoint state (32 values of 1 KiB) plus headroom. */
    public static final int GOSSIP_MESSAGE_BYTES_MAX_MIN = 40 * 1024;
    public static final int ENDPOINTS_MAX_DEFAULT = 1024;
    /** Cassandra's 3 days. */
    public static final long REMOVED_RETENTION_MILLIS_DEFAULT = 3L * 24 * 3600 * 1000;
    /** Cassandra's quarantine (2 x ring delay). */
    public static final long QUARANTINE_MILLIS_DEFAULT = 60_000;
    /** A generation this far ahead of the local clock is refused (a corrupt or hostile state). */
    public static final long GENERATION_AHEAD_MAX_SECONDS = 365L * 24 * 3600;

    public GossipSettings {
        seeds = List.copyOf(seeds);
        if (gossipIntervalMillis < 1) {
            throw new IllegalArgumentException("gossipIntervalMillis must be positive: " + gossipIntervalMillis);
        }
        if (gossipFanout < 1 || gossipFanout > GOSSIP_FANOUT_MAX) {
            throw new IllegalArgumentException("gossipFanout must be 1.." + GOSSIP_FANOUT_MAX + ": " + gossipFanout);
        }
        if (gossipMessageBytesMax < GOSSIP_MESSAGE_BYTES_MAX_MIN) {
            throw new IllegalArgumentException("gossipMessageBytesMax must be at least " + GOSSIP_MESSAGE_BYTES_MAX_MIN + ": " + gossipMessageBytesMax);
        }
        if (endpointsMax < 1) {
            throw new IllegalArgumentException("endpointsMax must be positive: " + endpointsMax);
        }
        if (removedRetentionMillis < 0 || quarantineMillis < 0) {
            throw new IllegalArgumentException("retention and quarantine must not be negative: " + removedRetentionMillis + ", " + quarantineMillis);
        }
        if (phi == null) {
            throw new IllegalArgumentException("phi settings are required");
        }
    }

    public static GossipSettings defaults(List<NodeId> seeds) {
        return new GossipSettings(seeds, GOSSIP_INTERVAL_MILLIS_DEFAULT, GOSSIP_FANOUT_DEFAULT, GOSSIP_MESSAGE_BYTES_MAX_DEFAULT,
                ENDPOINTS_MAX_DEFAULT, REMOVED_RETENTION_MILLIS_DEFAULT, QUARANTINE_MILLIS_DEFAULT, PhiAccrualSettings.defaults());
    }

    public GossipSettings withGossipIntervalMillis(long v) {
        return new GossipSettings(seeds, v, gossipFanout, gossipMessageBytesMax, endpointsMax, removedRetentionMillis, quarantineMillis, phi);
    }

    public GossipSettings withGossipFanout(int v) {
        return new GossipSettings(seeds, gossipIntervalMillis, v, gossipMessageBytesMax, endpointsMax, removedRetentionMillis, quarantineMillis, phi);
    }

    public GossipSettings withGossipMessageBytesMax(int v) {
        return new GossipSettings(seeds, gossipIntervalMillis, gossipFanout, v, endpointsMax, removedRetentionMillis, quarantineMillis, phi);
    }

    public GossipSettings withRemoved(long retentionMillis, long quarantine) {
        return new GossipSettings(seeds, gossipIntervalMillis, gossipFanout, gossipMessageBytesMax, endpointsMax, retentionMillis, quarantine, phi);
    }

    public GossipSettings withPhi(PhiAccrualSettings v) {
        return new GossipSettings(seeds, gossipIntervalMillis, gossipFanout, gossipMessageBytesMax, endpointsMax, removedRetentionMillis, quarantineMillis, v);
    }
}
