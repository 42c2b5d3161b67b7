package io.ringkv.ring.coordinator;

import io.ringkv.ring.Consistency;

/**
 * The coordinator's tunables, each a named config value.
 *
 * @param requestTimeoutMillis how long a replica request may take before it counts as failed
 * @param readRepairChance probability in [0, 1] that a read asks every live replica (not just
 *     R), so divergent replicas are found and repaired in the background
 * @param keyWaitersMax operations that may queue behind one key's lock
 * @param scanPartitionsPerCallMax partitions one SCAN call may visit before returning a cursor
 * @param sloppyQuorum whether a hint stored on a fallback node (the next healthy node past the
 *     preference list) counts toward W, as in Dynamo; when false, hints are still written for
 *     down replicas but only preference-list acknowledgements count (Cassandra), which keeps
 *     R + W > N meaning read-your-writes. Only has an effect when the coordinator has a hint
 *     store. Default {@value #DEFAULT_SLOPPY_QUORUM}.
 */
public record CoordinatorSettings(Consistency defaults, long requestTimeoutMillis, double readRepairChance,
        int keyWaitersMax, int scanPartitionsPerCallMax, boolean sloppyQuorum) {
    public static final boolean DEFAULT_SLOPPY_QUORUM = true;

    public CoordinatorSettings {
        if (requestTimeoutMillis < 1 || readRepairChance < 0 || readRepairChance > 1 || keyWaitersMax < 1 || scanPartitionsPerCallMax < 1) {
            throw new IllegalArgumentException("invalid coordinator settings");
        }
    }

    /** Settings with the default {@code sloppyQuorum}. */
    public CoordinatorSettings(Consistency defaults, long requestTimeoutMillis, double readRepairChance, int keyWaitersMax,
            int scanPartitionsPerCallMax) {
        this(defaults, requestTimeoutMillis, readRepairChance, keyWaitersMax, scanPartitionsPerCallMax, DEFAULT_SLOPPY_QUORUM);
    }

    /** These settings with {@code sloppyQuorum} set as given. */
    public CoordinatorSettings withSloppyQuorum(boolean on) {
        return new CoordinatorSettings(defaults, requestTimeoutMillis, readRepairChance, keyWaitersMax, scanPartitionsPerCallMax, on);
    }
}
