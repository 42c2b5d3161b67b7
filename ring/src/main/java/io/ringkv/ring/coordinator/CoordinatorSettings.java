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
 */
public record CoordinatorSettings(Consistency defaults, long requestTimeoutMillis, double readRepairChance,
        int keyWaitersMax, int scanPartitionsPerCallMax) {
    public CoordinatorSettings {
        if (requestTimeoutMillis < 1 || readRepairChance < 0 || readRepairChance > 1 || keyWaitersMax < 1 || scanPartitionsPerCallMax < 1) {
            throw new IllegalArgumentException("invalid coordinator settings");
        }
    }
}
