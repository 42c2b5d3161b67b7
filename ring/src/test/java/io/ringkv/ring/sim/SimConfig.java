package io.ringkv.ring.sim;

import java.util.SplittableRandom;

/**
 * The shape of one simulated run, derived from its seed (so the seed alone reproduces it):
 * cluster size, partition count, keys, clients, operation count and which faults the
 * nemesis may inject. A few knobs can be forced for a targeted run (the {@code with...} methods).
 *
 * @param nodes physical nodes, 3..7 (replication factor is always 3)
 * @param partitions Q, 16 or 32
 * @param mixedKeys keys that receive every kind of operation
 * @param appendKeys keys that receive only read-modify-write appends and reads (checked for
 *     lost updates); two more, sharing a hash tag, also receive multi-key appends
 * @param clients concurrent clients, each with one operation outstanding at a time
 * @param operations client operations issued in the run (the bound on its length)
 * @param profile which faults the nemesis injects
 * @param delayMaxMillis upper bound of a normal message delay
 * @param clockSkewMaxMillis each node's clock is off the true virtual time by up to this much
 * @param readRepairChance the coordinators' read-repair-chance setting
 * @param diskLoss a crashed node may come back with an empty disk (breaks the no-loss property
 *     for writes held only by that node; see {@code HistoryChecker})
 * @param keyWaitersMax the coordinators' bound on operations queued behind one key's lock
 * @param retryLostForwards the router re-routes a forwarded command when the connection to the
 *     coordinator drops while the command is outstanding, as production's {@code Router}
 *     does; false re-routes only when the coordinator refused the connection (the command
 *     certainly did not run)
 */
record SimConfig(long seed, int nodes, int partitions, int mixedKeys, int appendKeys, int clients, int operations,
        Profile profile, long delayMaxMillis, long clockSkewMaxMillis, double readRepairChance, boolean diskLoss,
        int keyWaitersMax, boolean retryLostForwards) {

    static final int REPLICATION_FACTOR = 3;
    static final long REQUEST_TIMEOUT_MILLIS = 200;
    static final long PROBE_INTERVAL_MILLIS = 100;
    static final long PROBE_TIMEOUT_MILLIS = 200;
    /** The router's forward timeout, by production's formula (2 x request timeout + 1 s). */
    static final long FORWARD_TIMEOUT_MILLIS = 2 * REQUEST_TIMEOUT_MILLIS + 1000;
    /** The longest a slow message takes: past request timeouts, so late replies happen. */
    static final long SLOW_DELAY_MAX_MILLIS = 3 * REQUEST_TIMEOUT_MILLIS;
    static final int SIBLINGS_MAX = 10_000;
    static final int KEY_WAITERS_MAX = 10_000;
    /** Virtual start time: a plausible Unix time, so timestamps look like real ones. */
    static final long EPOCH_MILLIS = 1_700_000_000_000L;

    /** Which faults the nemesis may inject. */
    enum Profile {
        /** No faults: only message delay and reordering. Every operation must succeed. */
        CALM(false, false, false),
        /** Message loss and slow messages. */
        LOSSY(true, false, false),
        /** Partitions that form and heal. */
        PARTITIONS(false, true, false),
        /** Node crashes and restarts. */
        CRASHES(false, false, true),
        /** Everything at once. */
        CHAOS(true, true, true);

        final boolean loss;
        final boolean partitions;
        final boolean crashes;

        Profile(boolean loss, boolean partitions, boolean crashes) {
            this.loss = loss;
            this.partitions = partitions;
            this.crashes = crashes;
        }
    }

    SimConfig {
        if (nodes < REPLICATION_FACTOR || nodes > 7 || mixedKeys < 1 || appendKeys < 1 || clients < 1 || operations < 1 || keyWaitersMax < 1) {
            throw new IllegalArgumentException("bad simulation config");
        }
    }

    /** The run a seed stands for; {@code operations} scales its length. */
    static SimConfig fromSeed(long seed, int operations) {
        SplittableRandom r = new SplittableRandom(seed);
        int nodes = 3 + r.nextInt(5);
        int partitions = r.nextBoolean() ? 16 : 32;
        int mixedKeys = 2 + r.nextInt(4);
        int appendKeys = 1 + r.nextInt(2);
        int clients = 2 + r.nextInt(5);
        Profile[] profiles = {Profile.CALM, Profile.LOSSY, Profile.PARTITIONS, Profile.CRASHES, Profile.CHAOS, Profile.CHAOS};
        Profile profile = profiles[r.nextInt(profiles.length)];
        long delayMax = 1 + r.nextInt(30);
        long skew = r.nextInt(4) == 0 ? 0 : r.nextInt(50);
        double[] chances = {0, 0.1, 1};
        double readRepair = chances[r.nextInt(chances.length)];
        return new SimConfig(seed, nodes, partitions, mixedKeys, appendKeys, clients, operations, profile, delayMax, skew,
                readRepair, false, KEY_WAITERS_MAX, false);
    }

    SimConfig withProfile(Profile p) {
        return new SimConfig(seed, nodes, partitions, mixedKeys, appendKeys, clients, operations, p, delayMaxMillis,
                clockSkewMaxMillis, readRepairChance, diskLoss, keyWaitersMax, retryLostForwards);
    }

    SimConfig withDiskLoss(boolean on) {
        return new SimConfig(seed, nodes, partitions, mixedKeys, appendKeys, clients, operations, profile, delayMaxMillis,
                clockSkewMaxMillis, readRepairChance, on, keyWaitersMax, retryLostForwards);
    }

    SimConfig withRetryLostForwards(boolean on) {
        return new SimConfig(seed, nodes, partitions, mixedKeys, appendKeys, clients, operations, profile, delayMaxMillis,
                clockSkewMaxMillis, readRepairChance, diskLoss, keyWaitersMax, on);
    }

    SimConfig withKeyWaitersMax(int max) {
        return new SimConfig(seed, nodes, partitions, mixedKeys, appendKeys, clients, operations, profile, delayMaxMillis,
                clockSkewMaxMillis, readRepairChance, diskLoss, max, retryLostForwards);
    }

    /** The system properties that make {@code SimulationTest} rerun exactly this run. */
    String rerunFlags() {
        return String.format("-Dsim.seed=0x%016x -Dsim.ops=%d -Dsim.profile=%s%s%s%s", seed, operations, profile,
                diskLoss ? " -Dsim.diskLoss=true" : "", keyWaitersMax != KEY_WAITERS_MAX ? " -Dsim.keyWaitersMax=" + keyWaitersMax : "",
                retryLostForwards ? " -Dsim.retryLostForwards=true" : "");
    }

    @Override
    public String toString() {
        return String.format("nodes=%d Q=%d keys=%d+%d+2 clients=%d ops=%d profile=%s delayMax=%dms skew=%dms readRepair=%s%s%s%s",
                nodes, partitions, mixedKeys, appendKeys, clients, operations, profile, delayMaxMillis, clockSkewMaxMillis,
                readRepairChance, diskLoss ? " diskLoss" : "", keyWaitersMax != KEY_WAITERS_MAX ? " keyWaitersMax=" + keyWaitersMax : "",
                retryLostForwards ? " retryLostForwards" : "");
    }
}
