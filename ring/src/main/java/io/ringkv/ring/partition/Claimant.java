package io.ringkv.ring.partition;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * The claim algorithm: decides which member owns each partition, given the weights and (after
 * a membership change) the previous owners. It works on member indices (members sorted by id)
 * so it is a pure function of its integer inputs: every node computes the same owners.
 *
 * <p>Goals, in order: (1) each member owns exactly its weighted target (largest-remainder
 * rounding of {@code Q * weight / totalWeight}); (2) after a change, only the partitions that
 * must move do (those of departed members and a donor's excess over its new target); (3) no
 * member owns two partitions closer than {@code n = min(N, members)} apart, so every window
 * of n consecutive partitions has n distinct owners (Riak's target_n_val) and each member
 * replicates about {@code N * owned} partitions.
 *
 * <p>Steps: (1) unowned partitions are handed out in ring order, earliest-deadline-first over
 * the members still under target (a weighted stride schedule, so a fresh ring comes out as an
 * interleaved stripe); (2) members still under target take partitions from members over
 * target, each pick being the partition furthest (up to its ideal stride) from the taker's
 * own; (3) owner swaps that move nothing extra remove spacing violations; (4) when spacing
 * cannot be kept (a node leaving a small cluster), swaps with a small budget of extra moves
 * even out the replica load.
 *
 * <p>Cost is O(Q^2) for Q partitions (about 1 ms for Q = 256; a leave from 5 nodes at
 * Q = 4096 takes about a second), which suits Q up to a few thousand: the default is 256 and
 * Q is fixed at cluster creation.
 */
final class Claimant {
    static final int UNOWNED = -1;

    /** Bound on full repair passes; each pass that changes anything strictly lowers violations. */
    private static final int REPAIR_PASSES_MAX = 16;
    /** How many candidate places for an under-loaded member's next partition are tried. */
    private static final int BALANCE_PLACES_TRIED = 12;

    private final int partitionCount;
    private final int memberCount;
    /** Minimum distance between two partitions of one member: min(N, members). */
    private final int spacing;
    private final int replicationFactor;
    private final int[] previous;
    private final int[] owners;
    private final int[] counts;
    private final int[] targets;
    /** Per taker, lazily: ring distance from each partition to that member's nearest one. */
    private final int[][] distanceToOwn;

    private Claimant(int[] previousOwners, int[] weights, int replicationFactor) {
        this.partitionCount = previousOwners.length;
        this.memberCount = weights.length;
        this.spacing = Math.min(replicationFactor, memberCount);
        this.replicationFactor = replicationFactor;
        this.previous = previousOwners.clone();
        this.owners = previousOwners.clone();
        this.counts = new int[memberCount];
        for (int owner : owners) {
            if (owner != UNOWNED) {
                counts[owner]++;
            }
        }
        this.targets = targets(weights, partitionCount, counts);
        this.distanceToOwn = new int[memberCount][];
    }

    /**
     * The owners after claiming. {@code previousOwners[p]} is a member index or
     * {@link #UNOWNED} (a fresh ring, or a partition whose owner left); its length is Q.
     */
    static int[] claim(int[] previousOwners, int[] weights, int replicationFactor) {
        if (weights.length == 0 || previousOwners.length == 0 || replicationFactor < 1) {
            throw new IllegalArgumentException("need members, partitions and N >= 1");
        }
        for (int owner : previousOwners) {
            if (owner < UNOWNED || owner >= weights.length) {
                throw new IllegalArgumentException("owner index out of range: " + owner);
            }
        }
        Claimant claimant = new Claimant(previousOwners, weights, replicationFactor);
        claimant.assignUnowned();
        claimant.takeFromDonors();
        claimant.repairSpacing();
        claimant.balanceReplicas();
        return claimant.owners;
    }

    /**
     * Largest-remainder apportionment of {@code partitionCount} by weight. Ties on the remainder
     * go first to members already holding more partitions (so a change moves less), then to the
     * lower index (so the result is deterministic).
     */
    static int[] targets(int[] weights, int partitionCount, int[] currentCounts) {
        long totalWeight = 0;
        for (int w : weights) {
            totalWeight += w;
        }
        int[] result = new int[weights.length];
        long[] remainders = new long[weights.length];
        int assigned = 0;
        for (int i = 0; i < weights.length; i++) {
            long scaled = (long) partitionCount * weights[i];
            result[i] = (int) (scaled / totalWeight);
            remainders[i] = scaled % totalWeight;
            assigned += result[i];
        }
        Integer[] order = new Integer[weights.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> {
            if (remainders[a] != remainders[b]) {
                return Long.compare(remainders[b], remainders[a]);
            }
            if (currentCounts[a] != currentCounts[b]) {
                return Integer.compare(currentCounts[b], currentCounts[a]);
            }
            return Integer.compare(a, b);
        });
        for (int k = 0; k < partitionCount - assigned; k++) {
            result[order[k]]++;
        }
        return result;
    }

    /**
     * Hands out unowned partitions in ring order. Each goes to the eligible member (no own
     * partition within the spacing) whose next ideal slot comes first: member i's j-th slot is
     * at fraction (j + 1/2) / demand_i of the way through, which interleaves members in
     * proportion to their demand.
     */
    private void assignUnowned() {
        int[] demand = new int[memberCount];
        int[] given = new int[memberCount];
        for (int i = 0; i < memberCount; i++) {
            demand[i] = Math.max(0, targets[i] - counts[i]);
        }
        for (int p = 0; p < partitionCount; p++) {
            if (owners[p] != UNOWNED) {
                continue;
            }
            int best = -1;
            boolean bestEligible = false;
            int bestDistance = -1;
            for (int i = 0; i < memberCount; i++) {
                if (given[i] >= demand[i]) {
                    continue;
                }
                int distance = nearestOwn(i, p, spacing);
                boolean eligible = distance >= spacing;
                if (best < 0 || isBetterUnownedPick(eligible, distance, given[i], demand[i],
                        bestEligible, bestDistance, given[best], demand[best])) {
                    best = i;
                    bestEligible = eligible;
                    bestDistance = distance;
                }
            }
            // Demand sums to at least the unowned count, so some member always has room.
            assign(p, best);
            given[best]++;
        }
    }

    private static boolean isBetterUnownedPick(boolean eligible, int distance, int given, int demand,
                                               boolean bestEligible, int bestDistance, int bestGiven, int bestDemand) {
        if (eligible != bestEligible) {
            return eligible;
        }
        if (!eligible && distance != bestDistance) {
            return distance > bestDistance; // a near miss harms fewer windows than a neighbour
        }
        // Earlier deadline: (given + 1/2) / demand, compared without division.
        long mine = (2L * given + 1) * bestDemand;
        long theirs = (2L * bestGiven + 1) * demand;
        return mine < theirs; // ties keep the lower index, met first
    }

    /**
     * Members still under target take partitions from members over target, one partition at a
     * time, the most-starved taker (relative to its target) first.
     */
    private void takeFromDonors() {
        while (true) {
            int taker = -1;
            for (int i = 0; i < memberCount; i++) {
                if (counts[i] < targets[i] && (taker < 0
                        || (long) (targets[i] - counts[i]) * targets[taker] > (long) (targets[taker] - counts[taker]) * targets[i])) {
                    taker = i;
                }
            }
            if (taker < 0) {
                return;
            }
            assign(bestDonorPartition(taker), taker);
        }
    }

    /**
     * The donor partition the taker should take: one that keeps the taker's spacing if any,
     * then the furthest from the taker's own partitions up to its ideal stride Q / target (past
     * that, spreading further only breaks the stride pattern), then from the donor with the
     * largest excess, then the lowest index.
     */
    private int bestDonorPartition(int taker) {
        int[] distances = distancesFor(taker);
        int stride = Math.max(1, partitionCount / targets[taker]);
        int best = -1;
        int bestScore = -1;
        int bestExcess = -1;
        for (int p = 0; p < partitionCount; p++) {
            int donor = owners[p];
            if (donor == taker || counts[donor] <= targets[donor]) {
                continue;
            }
            int distance = distances[p];
            // Eligible picks (distance >= spacing) all outrank ineligible ones.
            int score = distance >= spacing ? partitionCount + Math.min(distance, stride) : distance;
            int excess = counts[donor] - targets[donor];
            if (score > bestScore || (score == bestScore && excess > bestExcess)) {
                best = p;
                bestScore = score;
                bestExcess = excess;
            }
        }
        // The donors' excess equals the takers' remaining deficit, so a donor partition exists.
        return best;
    }

    /**
     * Swaps owners of two partitions when that lowers the count of same-owner pairs closer than
     * the spacing, without moving more partitions than the claim already moves.
     */
    private void repairSpacing() {
        if (spacing < 2) {
            return;
        }
        for (int pass = 0; pass < REPAIR_PASSES_MAX; pass++) {
            boolean changed = false;
            for (int p = 0; p < partitionCount; p++) {
                if (nearestOwn(owners[p], p, spacing) >= spacing) {
                    continue;
                }
                int bestPartner = -1;
                int bestGain = 0;
                for (int q = 0; q < partitionCount; q++) {
                    if (owners[q] == owners[p] || movedAfterSwap(p, q) > movedNow(p, q)) {
                        continue;
                    }
                    int gain = swapGain(p, q);
                    if (gain > bestGain) {
                        bestGain = gain;
                        bestPartner = q;
                    }
                }
                if (bestPartner >= 0) {
                    swap(p, bestPartner);
                    changed = true;
                }
            }
            if (!changed) {
                return;
            }
        }
    }

    /**
     * Swaps owners to even out replica load when spacing could not be kept everywhere (a node
     * leaving a small cluster leaves gaps that only some neighbours can fill). A member's
     * replica load should be N times what it owns; the objective is the sum of squared
     * differences. Swaps between partitions that move anyway are free; others spend a budget
     * of extra moves, a quarter of the moves the change needs (at least the spacing), and only
     * while some member is off by more than N replicas.
     *
     * <p>Trying every pair of partitions costs Q^2 evaluations per swap, too slow for Q in the
     * thousands, so each swap is found in two stages: for the most under-loaded member, the
     * few partitions where one more of its own would help most; then, for each of those, which
     * of its partitions to give in exchange.
     */
    private void balanceReplicas() {
        if (memberCount <= replicationFactor || spacing < 2) {
            return; // every member is in every preference list, or no list has two members
        }
        ReplicaLoad load = new ReplicaLoad();
        if (load.imbalance() == 0) {
            return;
        }
        int moved = 0;
        for (int p = 0; p < partitionCount; p++) {
            if (owners[p] != previous[p]) {
                moved++;
            }
        }
        int extraMovesLeft = Math.max(spacing, moved / 4);
        int swapsMax = partitionCount / 4 + spacing;
        for (int swaps = 0; swaps < swapsMax && load.imbalance() > 0; swaps++) {
            // A skew of up to N replicas (one owned partition's worth) is not worth extra moves.
            int affordable = load.deviationMax() > replicationFactor ? extraMovesLeft : 0;
            int[] swap = bestBalancingSwap(load, affordable);
            if (swap == null) {
                return;
            }
            extraMovesLeft -= swapCost(swap[0], swap[1]);
            load.applySwap(swap[0], swap[1]);
        }
    }

    /** The best improving swap {p, q} costing at most {@code affordable} extra moves, or null. */
    private int[] bestBalancingSwap(ReplicaLoad load, int affordable) {
        for (int taker : load.underLoadedMembers()) {
            int[] places = new int[BALANCE_PLACES_TRIED];
            long[] placeDeltas = new long[BALANCE_PLACES_TRIED];
            int placesFound = 0;
            for (int q = 0; q < partitionCount; q++) {
                if (owners[q] == taker) {
                    continue;
                }
                long delta = load.reassignDelta(q, taker);
                // Insertion into the short list of the lowest deltas (ties keep the lower index).
                int at = placesFound;
                while (at > 0 && placeDeltas[at - 1] > delta) {
                    at--;
                }
                if (at < BALANCE_PLACES_TRIED) {
                    int kept = Math.min(placesFound, BALANCE_PLACES_TRIED - 1);
                    System.arraycopy(places, at, places, at + 1, kept - at);
                    System.arraycopy(placeDeltas, at, placeDeltas, at + 1, kept - at);
                    places[at] = q;
                    placeDeltas[at] = delta;
                    placesFound = kept + 1;
                }
            }
            int bestP = -1;
            int bestQ = -1;
            long bestImprovement = 0;
            int bestCost = 0;
            for (int k = 0; k < placesFound; k++) {
                int q = places[k];
                for (int p = 0; p < partitionCount; p++) {
                    if (owners[p] != taker) {
                        continue;
                    }
                    int cost = swapCost(p, q);
                    if (cost > affordable) {
                        continue;
                    }
                    long improvement = -load.swapDelta(p, q);
                    // Improvement per (cost + 1), compared without division: free swaps first.
                    if (improvement > 0 && (bestP < 0 || improvement * (bestCost + 1) > bestImprovement * (cost + 1))) {
                        bestP = p;
                        bestQ = q;
                        bestImprovement = improvement;
                        bestCost = cost;
                    }
                }
            }
            if (bestP >= 0) {
                return new int[] {bestP, bestQ};
            }
        }
        return null;
    }

    /** Extra partitions that would move (relative to the previous owners) if p and q swapped. */
    private int swapCost(int p, int q) {
        return Math.max(0, movedAfterSwap(p, q) - movedNow(p, q));
    }

    /**
     * Each member's replica count (partitions whose preference list holds it), kept up to date
     * across swaps. Swap deltas only recompute the preference lists whose walk passes a
     * swapped partition.
     */
    private final class ReplicaLoad {
        private final int[][] preferences = new int[partitionCount][];
        private final int[] walkLengths = new int[partitionCount];
        private final int[] replicas = new int[memberCount];
        private final int[] delta = new int[memberCount];
        private int walkLengthMax;

        ReplicaLoad() {
            for (int s = 0; s < partitionCount; s++) {
                preferences[s] = preference(s, true);
                for (int m : preferences[s]) {
                    replicas[m]++;
                }
            }
            walkLengthMax = Arrays.stream(walkLengths).max().orElse(1);
        }

        long deviationMax() {
            long max = 0;
            for (int m = 0; m < memberCount; m++) {
                max = Math.max(max, Math.abs(replicas[m] - (long) replicationFactor * counts[m]));
            }
            return max;
        }

        long imbalance() {
            long sum = 0;
            for (int m = 0; m < memberCount; m++) {
                long d = replicas[m] - (long) replicationFactor * counts[m];
                sum += d * d;
            }
            return sum;
        }

        /** Members whose load is below N times what they own, most under-loaded first. */
        List<Integer> underLoadedMembers() {
            List<Integer> under = new ArrayList<>();
            for (int m = 0; m < memberCount; m++) {
                if (replicas[m] < (long) replicationFactor * counts[m]) {
                    under.add(m);
                }
            }
            under.sort(Comparator.comparingLong((Integer m) -> replicas[m] - (long) replicationFactor * counts[m])
                    .thenComparingInt(m -> m));
            return under;
        }

        /**
         * Change in {@link #imbalance()} if partition x alone went to {@code member}, measured
         * against the current targets (half of a swap, to rank places).
         */
        long reassignDelta(int x, int member) {
            int old = owners[x];
            owners[x] = member;
            try {
                forEachAffected(x, x, this::accumulate);
            } finally {
                owners[x] = old;
            }
            return settle();
        }

        /** Change in {@link #imbalance()} if the owners of p and q were swapped. */
        long swapDelta(int p, int q) {
            swap(p, q);
            try {
                forEachAffected(p, q, this::accumulate);
            } finally {
                swap(p, q);
            }
            return settle();
        }

        private void accumulate(int s) {
            for (int m : preferences[s]) {
                delta[m]--;
            }
            for (int m : preference(s, false)) {
                delta[m]++;
            }
        }

        /** Turns the accumulated per-member deltas into an imbalance change, and clears them. */
        private long settle() {
            long change = 0;
            for (int m = 0; m < memberCount; m++) {
                if (delta[m] != 0) {
                    long target = (long) replicationFactor * counts[m];
                    long before = replicas[m] - target;
                    long after = before + delta[m];
                    change += after * after - before * before;
                    delta[m] = 0;
                }
            }
            return change;
        }

        void applySwap(int p, int q) {
            swap(p, q);
            forEachAffected(p, q, s -> {
                for (int m : preferences[s]) {
                    replicas[m]--;
                }
                preferences[s] = preference(s, true);
                for (int m : preferences[s]) {
                    replicas[m]++;
                }
            });
            walkLengthMax = Arrays.stream(walkLengths).max().orElse(1);
        }

        /**
         * Runs {@code action} once for every start whose walk (before the swap) reached p or q:
         * no other preference list can change.
         */
        private void forEachAffected(int p, int q, java.util.function.IntConsumer action) {
            int reach = Math.min(walkLengthMax, partitionCount);
            for (int back = 0; back < reach; back++) {
                int s = Math.floorMod(p - back, partitionCount);
                if (walkLengths[s] > back) {
                    action.accept(s);
                }
            }
            for (int back = 0; back < reach; back++) {
                int s = Math.floorMod(q - back, partitionCount);
                int fromP = Math.floorMod(p - s, partitionCount);
                boolean seenFromP = fromP < reach && walkLengths[s] > fromP;
                if (walkLengths[s] > back && !seenFromP) {
                    action.accept(s);
                }
            }
        }

        /** The first {@code spacing} distinct owners from s, optionally recording the walk length. */
        private int[] preference(int s, boolean record) {
            int[] found = new int[spacing];
            int size = 0;
            int step = 0;
            while (size < spacing && step < partitionCount) {
                int owner = owners[(s + step) % partitionCount];
                step++;
                boolean seen = false;
                for (int k = 0; k < size; k++) {
                    seen |= found[k] == owner;
                }
                if (!seen) {
                    found[size++] = owner;
                }
            }
            if (record) {
                walkLengths[s] = step;
            }
            return size == spacing ? found : Arrays.copyOf(found, size);
        }
    }

    private int movedNow(int p, int q) {
        return (owners[p] != previous[p] ? 1 : 0) + (owners[q] != previous[q] ? 1 : 0);
    }

    private int movedAfterSwap(int p, int q) {
        return (owners[q] != previous[p] ? 1 : 0) + (owners[p] != previous[q] ? 1 : 0);
    }

    /** How many close same-owner pairs the swap of p and q removes (negative: adds). */
    private int swapGain(int p, int q) {
        int before = closeSameOwner(p) + closeSameOwner(q);
        swap(p, q);
        int after = closeSameOwner(p) + closeSameOwner(q);
        swap(p, q);
        return before - after;
    }

    private void swap(int p, int q) {
        int ownerP = owners[p];
        owners[p] = owners[q];
        owners[q] = ownerP;
        distanceToOwn[owners[p]] = null;
        distanceToOwn[owners[q]] = null;
    }

    /** Partitions within spacing - 1 of p (either side) with p's owner. */
    private int closeSameOwner(int p) {
        int owner = owners[p];
        int close = 0;
        for (int d = 1; d < spacing && 2 * d <= partitionCount; d++) {
            if (owners[Math.floorMod(p - d, partitionCount)] == owner) {
                close++;
            }
            if (2 * d < partitionCount && owners[(p + d) % partitionCount] == owner) {
                close++;
            }
        }
        return close;
    }

    /**
     * Ring distance from p to the member's nearest other partition, looking at most
     * {@code limit - 1} steps each way; {@code limit} when none is that close.
     */
    private int nearestOwn(int member, int p, int limit) {
        for (int d = 1; d < limit && 2 * d <= partitionCount; d++) {
            if (owners[Math.floorMod(p - d, partitionCount)] == member || owners[(p + d) % partitionCount] == member) {
                return d;
            }
        }
        return limit;
    }

    private void assign(int p, int member) {
        int old = owners[p];
        if (old != UNOWNED) {
            counts[old]--;
            distanceToOwn[old] = null;
        }
        owners[p] = member;
        counts[member]++;
        int[] distances = distanceToOwn[member];
        if (distances != null) {
            for (int x = 0; x < partitionCount; x++) {
                distances[x] = Math.min(distances[x], ringDistance(x, p));
            }
        }
    }

    private int[] distancesFor(int member) {
        int[] distances = distanceToOwn[member];
        if (distances == null) {
            distances = new int[partitionCount];
            Arrays.fill(distances, partitionCount);
            // Two sweeps each way over two laps cover the wrap-around.
            int last = -1;
            for (int step = 0; step < 2 * partitionCount; step++) {
                int x = step % partitionCount;
                if (owners[x] == member) {
                    last = step;
                }
                if (last >= 0) {
                    distances[x] = Math.min(distances[x], step - last);
                }
            }
            last = -1;
            for (int step = 2 * partitionCount - 1; step >= 0; step--) {
                int x = step % partitionCount;
                if (owners[x] == member) {
                    last = step;
                }
                if (last >= 0) {
                    distances[x] = Math.min(distances[x], last - step);
                }
            }
            distanceToOwn[member] = distances;
        }
        return distances;
    }

    private int ringDistance(int a, int b) {
        int d = Math.abs(a - b);
        return Math.min(d, partitionCount - d);
    }
}
