package io.ringkv.ring.partition;

import io.ringkv.ring.NodeId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An immutable, versioned view of the ring: the members, the owner of each of the Q
 * partitions, and the replication factor N. Replica placement is a pure function of this
 * object: every node holding the same snapshot computes the same preference lists.
 *
 * <p>A partition's preference list is the first min(N, current members) distinct physical
 * nodes met walking the partitions clockwise from it (the owner first).
 *
 * <p><b>Rings in transition.</b> While nodes join, leave or are replaced, a snapshot also
 * carries the <i>pending</i> assignment it is moving to: the target members and their owners
 * (as Cassandra's pending ranges). {@link #members()} is then the union of the current and
 * target members: a joining node is a member owning nothing yet (it is in no current
 * preference list), a leaving node stays a member, with its partitions, until
 * {@link #commitPending()}. Reads use the current preference lists; writes go to
 * {@link #writeTargets} (current plus pending-only replicas), so nothing written while data
 * streams to the new replicas is missed by them.
 *
 * <p>Preference lists, write targets and ring walks are computed once, at construction, so
 * lookups on the request path neither allocate nor walk the ring. The owners themselves come
 * from {@link Claimant} ({@link #initial}, {@link #withMembers}, {@link #withPendingMembers})
 * or from a peer ({@link #of}).
 */
public final class RingSnapshot {
    /**
     * Above this many (partition, member) entries the full ring walks are not kept (they grow
     * as Q * members) and {@link #ringWalk} computes one per call instead.
     */
    static final int RING_WALK_ENTRIES_CACHED_MAX = 1 << 20;

    private final long version;
    /** Current and target members, by id. */
    private final List<Member> members;
    private final Map<NodeId, Integer> indexById;
    private final int replicationFactor;
    private final Partitioner partitioner;
    /** Owner of each partition as an index into {@link #members}. */
    private final int[] ownerIndexes;
    /** Pending owner of each partition as an index into {@link #members}; null when not in transition. */
    private final int[] pendingOwnerIndexes;
    /** Per member index: part of the current assignment (not a joiner). */
    private final boolean[] current;
    /** Per member index: part of the target assignment (not leaving); equals {@link #current} when not in transition. */
    private final boolean[] target;
    private final NodeId[] owners;
    private final NodeId[] pendingOwners;
    private final List<NodeId>[] preferenceLists;
    private final List<NodeId>[] pendingPreferenceLists;
    private final List<NodeId>[] writeTargets;
    /** Null when there are more than {@link #RING_WALK_ENTRIES_CACHED_MAX} entries. */
    private final List<NodeId>[] ringWalks;
    private final int[][] ownedByMember;
    private final int[][] replicatedByMember;
    /** Per member: partitions in its pending preference list but not its current one. */
    private final int[][] toReceiveByMember;
    private final int hashCode;

    private RingSnapshot(long version, List<Member> sortedMembers, int replicationFactor, int[] ownerIndexes) {
        this(version, sortedMembers, replicationFactor, ownerIndexes, null, allTrue(sortedMembers.size()), allTrue(sortedMembers.size()));
    }

    private RingSnapshot(long version, List<Member> sortedMembers, int replicationFactor, int[] ownerIndexes,
            int[] pendingOwnerIndexes, boolean[] current, boolean[] target) {
        this.version = version;
        this.members = sortedMembers;
        this.replicationFactor = replicationFactor;
        this.partitioner = new Partitioner(ownerIndexes.length);
        this.ownerIndexes = ownerIndexes;
        this.pendingOwnerIndexes = pendingOwnerIndexes;
        this.current = current;
        this.target = target;
        Map<NodeId, Integer> index = new HashMap<>();
        for (int i = 0; i < sortedMembers.size(); i++) {
            index.put(sortedMembers.get(i).id(), i);
        }
        this.indexById = Map.copyOf(index);
        this.owners = ids(sortedMembers, ownerIndexes);
        this.pendingOwners = pendingOwnerIndexes == null ? null : ids(sortedMembers, pendingOwnerIndexes);
        int partitionCount = ownerIndexes.length;
        int memberCount = sortedMembers.size();
        boolean keepWalks = (long) partitionCount * memberCount <= RING_WALK_ENTRIES_CACHED_MAX;
        @SuppressWarnings("unchecked")
        List<NodeId>[] walks = keepWalks ? new List[partitionCount] : null;
        this.preferenceLists = preferenceLists(ownerIndexes, current, walks);
        this.ringWalks = walks;
        if (pendingOwnerIndexes == null) {
            this.pendingPreferenceLists = preferenceLists;
            this.writeTargets = preferenceLists;
        } else {
            this.pendingPreferenceLists = preferenceLists(pendingOwnerIndexes, target, null);
            @SuppressWarnings("unchecked")
            List<NodeId>[] writes = new List[partitionCount];
            for (int p = 0; p < partitionCount; p++) {
                writes[p] = union(preferenceLists[p], pendingPreferenceLists[p]);
            }
            this.writeTargets = writes;
        }
        this.ownedByMember = partitionsByMember(memberCount, partitionCount, p -> new int[] {ownerIndexes[p]});
        this.replicatedByMember = partitionsByMember(memberCount, partitionCount, p -> indexes(preferenceLists[p]));
        this.toReceiveByMember = partitionsByMember(memberCount, partitionCount, p -> {
            List<NodeId> now = preferenceLists[p];
            List<NodeId> pending = pendingPreferenceLists[p];
            int[] receivers = new int[pending.size()];
            int n = 0;
            for (NodeId node : pending) {
                if (!now.contains(node)) {
                    receivers[n++] = indexById.get(node);
                }
            }
            return Arrays.copyOf(receivers, n);
        });
        this.hashCode = (Objects.hash(version, members, replicationFactor) * 31 + Arrays.hashCode(owners)) * 31
                + Arrays.hashCode(pendingOwners) + 7 * Arrays.hashCode(target);
    }

    /**
     * Preference lists for {@code ownerIndexes} counting only {@code eligible} members (the
     * current ones, or the target ones); when {@code walks} is given, also the full ring walks.
     */
    private List<NodeId>[] preferenceLists(int[] ownerIndexes, boolean[] eligible, List<NodeId>[] walks) {
        int partitionCount = ownerIndexes.length;
        int memberCount = members.size();
        int eligibleCount = 0;
        for (boolean e : eligible) {
            eligibleCount += e ? 1 : 0;
        }
        int preferenceLength = Math.min(replicationFactor, eligibleCount);
        @SuppressWarnings("unchecked")
        List<NodeId>[] preferences = new List[partitionCount];
        // walk(p) is walk(p + 1) with p's owner moved to the front: one pass backwards around
        // the ring, O(Q * members), instead of walking the whole ring from every partition.
        // Owners are always eligible, and non-owners sit at the tail with the eligible ones
        // first, so the first preferenceLength entries are always eligible.
        int[] walk = firstWalk(0, ownerIndexes, eligible);
        for (int step = 0; step < partitionCount; step++) {
            int p = step == 0 ? 0 : partitionCount - step;
            if (step > 0) {
                moveToFront(walk, ownerIndexes[p]);
            }
            NodeId[] ids = new NodeId[walks != null ? memberCount : preferenceLength];
            for (int k = 0; k < ids.length; k++) {
                ids[k] = members.get(walk[k]).id();
            }
            List<NodeId> list = List.of(ids);
            if (walks != null) {
                walks[p] = list;
                preferences[p] = list.subList(0, preferenceLength);
            } else {
                preferences[p] = list;
            }
        }
        return preferences;
    }

    private int[] indexes(List<NodeId> nodes) {
        int[] out = new int[nodes.size()];
        for (int k = 0; k < out.length; k++) {
            out[k] = indexById.get(nodes.get(k));
        }
        return out;
    }

    /** {@code first} followed by the nodes of {@code second} it lacks; {@code first} itself when none. */
    private static List<NodeId> union(List<NodeId> first, List<NodeId> second) {
        List<NodeId> out = null;
        for (NodeId node : second) {
            if (!first.contains(node)) {
                if (out == null) {
                    out = new ArrayList<>(first);
                }
                out.add(node);
            }
        }
        return out == null ? first : List.copyOf(out);
    }

    private static NodeId[] ids(List<Member> members, int[] indexes) {
        NodeId[] out = new NodeId[indexes.length];
        for (int p = 0; p < indexes.length; p++) {
            out[p] = members.get(indexes[p]).id();
        }
        return out;
    }

    private static boolean[] allTrue(int n) {
        boolean[] b = new boolean[n];
        Arrays.fill(b, true);
        return b;
    }

    /**
     * The claim for a brand-new cluster: partitions spread over {@code members} by weight.
     * Version 1. Every node computes it from config alone, so it depends only on the set of
     * members (not their order): the same members give the same owners everywhere.
     */
    public static RingSnapshot initial(List<Member> members, int partitionCount, int replicationFactor) {
        List<Member> sorted = sortedMembers(members);
        checkReplicationFactor(replicationFactor);
        new Partitioner(partitionCount); // validates the partition count
        int[] unowned = new int[partitionCount];
        Arrays.fill(unowned, Claimant.UNOWNED);
        return new RingSnapshot(1, sorted, replicationFactor, Claimant.claim(unowned, weights(sorted), replicationFactor));
    }

    /**
     * A snapshot with explicit owners (decoding a ring received from a peer). Every owner must
     * be a member and the owner count a power of two; members may own nothing.
     */
    public static RingSnapshot of(long version, List<Member> members, int replicationFactor, NodeId[] owners) {
        return of(version, members, replicationFactor, owners, null, null);
    }

    /**
     * A snapshot with explicit owners, possibly in transition (decoding a ring received from a
     * peer): {@code currentMembers} and {@code owners} are the assignment in force,
     * {@code targetMembers} and {@code pendingOwners} (both null when not in transition) the
     * one being moved to. Owners must be current members, pending owners target members.
     * When a node appears in both member lists the target's record (address, weight) is kept.
     */
    public static RingSnapshot of(long version, List<Member> currentMembers, int replicationFactor, NodeId[] owners,
            List<Member> targetMembers, NodeId[] pendingOwners) {
        if (version < 0) {
            throw new IllegalArgumentException("version must not be negative: " + version);
        }
        if ((targetMembers == null) != (pendingOwners == null)) {
            throw new IllegalArgumentException("target members and pending owners go together");
        }
        List<Member> sortedCurrent = sortedMembers(currentMembers);
        List<Member> sortedTarget = targetMembers == null ? null : sortedMembers(targetMembers);
        checkReplicationFactor(replicationFactor);
        Objects.requireNonNull(owners, "owners");
        new Partitioner(owners.length); // validates the partition count
        if (pendingOwners == null) {
            return new RingSnapshot(version, sortedCurrent, replicationFactor, indexesOf(owners, sortedCurrent, "owner"));
        }
        if (pendingOwners.length != owners.length) {
            throw new IllegalArgumentException("pending owners cover " + pendingOwners.length + " partitions, owners " + owners.length);
        }
        Map<NodeId, Member> byId = new HashMap<>();
        for (Member m : sortedCurrent) {
            byId.put(m.id(), m);
        }
        for (Member m : sortedTarget) {
            byId.put(m.id(), m);
        }
        List<Member> union = sortedMembers(new ArrayList<>(byId.values()));
        boolean[] current = flags(union, sortedCurrent);
        boolean[] target = flags(union, sortedTarget);
        // Owners must come from their own assignment: check against it, then index into the union.
        indexesOf(owners, sortedCurrent, "owner");
        indexesOf(pendingOwners, sortedTarget, "pending owner");
        return new RingSnapshot(version, union, replicationFactor, indexesOf(owners, union, "owner"),
                indexesOf(pendingOwners, union, "pending owner"), current, target);
    }

    private static int[] indexesOf(NodeId[] owners, List<Member> sorted, String what) {
        Map<NodeId, Integer> index = new HashMap<>();
        for (int i = 0; i < sorted.size(); i++) {
            index.put(sorted.get(i).id(), i);
        }
        int[] ownerIndexes = new int[owners.length];
        for (int p = 0; p < owners.length; p++) {
            Integer i = owners[p] == null ? null : index.get(owners[p]);
            if (i == null) {
                throw new IllegalArgumentException(what + " of partition " + p + " is not a member: " + owners[p]);
            }
            ownerIndexes[p] = i;
        }
        return ownerIndexes;
    }

    private static boolean[] flags(List<Member> union, List<Member> subset) {
        boolean[] out = new boolean[union.size()];
        int j = 0;
        for (int i = 0; i < union.size() && j < subset.size(); i++) {
            if (union.get(i).id().equals(subset.get(j).id())) {
                out[i] = true;
                j++;
            }
        }
        return out;
    }

    /**
     * The ring of a node that knows no cluster yet (a joining node before gossip brings it the
     * real ring): version 0, {@code node} alone owning every partition. Any gossiped ring has a
     * higher version and replaces it.
     */
    public static RingSnapshot unjoined(Member node, int partitionCount, int replicationFactor) {
        NodeId[] owners = new NodeId[partitionCount];
        Arrays.fill(owners, node.id());
        return of(0, List.of(node), replicationFactor, owners);
    }

    /**
     * The ring after membership changes to {@code members}: version + 1, partitions moved from
     * departed or over-loaded nodes to new or under-loaded ones, moving close to the minimum.
     * Also the way to rebalance after a weight change, or an uneven ring received via {@link #of}.
     */
    public RingSnapshot withMembers(List<Member> members) {
        requireSettled("withMembers");
        List<Member> sorted = sortedMembers(members);
        Map<NodeId, Integer> newIndex = new HashMap<>();
        for (int i = 0; i < sorted.size(); i++) {
            newIndex.put(sorted.get(i).id(), i);
        }
        int[] previous = new int[owners.length];
        for (int p = 0; p < owners.length; p++) {
            previous[p] = newIndex.getOrDefault(owners[p], Claimant.UNOWNED);
        }
        return new RingSnapshot(version + 1, sorted, replicationFactor, Claimant.claim(previous, weights(sorted), replicationFactor));
    }

    /**
     * Starts a transition to {@code targetMembers}: version + 1, the current owners unchanged,
     * and as pending owners the claim {@link #withMembers} would make (so committing gives
     * exactly {@code withMembers(targetMembers)}'s owners). Refused on a ring already in
     * transition: one change at a time, as Cassandra does.
     */
    public RingSnapshot withPendingMembers(List<Member> targetMembers) {
        requireSettled("withPendingMembers");
        RingSnapshot planned = withMembers(targetMembers);
        return of(version + 1, members, replicationFactor, owners, planned.members, planned.owners);
    }

    /**
     * Starts a transition in which {@code replacement} takes exactly {@code dead}'s partitions:
     * version + 1, pending owners = current owners with {@code dead} swapped for the
     * replacement (which streams every partition the dead node replicated).
     */
    public RingSnapshot replacing(NodeId dead, Member replacement) {
        requireSettled("replacing");
        if (member(dead) == null) {
            throw new IllegalArgumentException("not a member: " + dead);
        }
        if (member(replacement.id()) != null) {
            throw new IllegalArgumentException("the replacement is already a member: " + replacement.id());
        }
        List<Member> target = new ArrayList<>();
        for (Member m : members) {
            target.add(m.id().equals(dead) ? replacement : m);
        }
        NodeId[] pending = owners.clone();
        for (int p = 0; p < pending.length; p++) {
            if (pending[p].equals(dead)) {
                pending[p] = replacement.id();
            }
        }
        return of(version + 1, members, replicationFactor, owners, target, pending);
    }

    /** Ends the transition: version + 1, the pending owners and target members take over. */
    public RingSnapshot commitPending() {
        if (!isInTransition()) {
            throw new IllegalStateException("ring version " + version + " is not in transition");
        }
        return of(version + 1, targetMembers(), replicationFactor, pendingOwners);
    }

    /** Abandons the transition: version + 1, the current members and owners, nothing pending. */
    public RingSnapshot withoutPending() {
        if (!isInTransition()) {
            throw new IllegalStateException("ring version " + version + " is not in transition");
        }
        return of(version + 1, currentMembers(), replicationFactor, owners);
    }

    private void requireSettled(String what) {
        if (isInTransition()) {
            throw new IllegalStateException(what + " on ring version " + version
                    + " which is in transition: commit or abandon the pending change first");
        }
    }

    /** Whether a pending assignment (join, leave, remove, replace) is in progress. */
    public boolean isInTransition() {
        return pendingOwnerIndexes != null;
    }

    /** Members of the assignment in force (joiners excluded), ordered by id. */
    public List<Member> currentMembers() {
        return select(current);
    }

    /** Members of the assignment being moved to (leaving nodes excluded); the members when not in transition. */
    public List<Member> targetMembers() {
        return select(target);
    }

    private List<Member> select(boolean[] flags) {
        List<Member> out = new ArrayList<>();
        for (int i = 0; i < members.size(); i++) {
            if (flags[i]) {
                out.add(members.get(i));
            }
        }
        return List.copyOf(out);
    }

    /** Whether {@code node} is in the assignment in force (false for a joiner). */
    public boolean isCurrentMember(NodeId node) {
        Integer i = indexById.get(node);
        return i != null && current[i];
    }

    /** Whether {@code node} is in the assignment being moved to (false for a leaving node). */
    public boolean isTargetMember(NodeId node) {
        Integer i = indexById.get(node);
        return i != null && target[i];
    }

    /** A copy of the pending owner array, or null when not in transition. */
    public NodeId[] pendingOwners() {
        return pendingOwners == null ? null : pendingOwners.clone();
    }

    /** The partition's preference list under the pending assignment; {@link #preferenceList} when not in transition. */
    public List<NodeId> pendingPreferenceList(int partition) {
        return pendingPreferenceLists[partition];
    }

    /**
     * Where writes to the partition go: its preference list followed by the nodes only in its
     * pending preference list (no duplicates). The preference list itself when not in transition.
     */
    public List<NodeId> writeTargets(int partition) {
        return writeTargets[partition];
    }

    public List<NodeId> writeTargets(byte[] key) {
        return writeTargets[partitioner.partitionOf(key)];
    }

    /** Partitions {@code node} must stream in: in its pending preference list, not its current one. Ascending. */
    public int[] partitionsToReceive(NodeId node) {
        Integer i = indexById.get(node);
        return i == null ? new int[0] : toReceiveByMember[i].clone();
    }

    public long version() {
        return version;
    }

    public Partitioner partitioner() {
        return partitioner;
    }

    public int partitionCount() {
        return owners.length;
    }

    /** The configured N (preference lists are shorter when there are fewer members). */
    public int replicationFactor() {
        return replicationFactor;
    }

    /** Members ordered by id. */
    public List<Member> members() {
        return members;
    }

    /** The member with this id, or null. */
    public Member member(NodeId id) {
        Integer i = indexById.get(id);
        return i == null ? null : members.get(i);
    }

    public NodeId owner(int partition) {
        return owners[partition];
    }

    /** The first min(N, members) distinct nodes from the partition's owner clockwise. */
    public List<NodeId> preferenceList(int partition) {
        return preferenceLists[partition];
    }

    public List<NodeId> preferenceList(byte[] key) {
        return preferenceLists[partitioner.partitionOf(key)];
    }

    /**
     * Every member, in the order met walking clockwise from the partition's owner: the
     * preference list followed by the fallback nodes (for sloppy quorum). Members that own no
     * partition come last, in id order, current members before joining ones.
     */
    public List<NodeId> ringWalk(int partition) {
        if (ringWalks != null) {
            return ringWalks[partition];
        }
        Objects.checkIndex(partition, owners.length);
        int[] walk = firstWalk(partition, ownerIndexes, current);
        NodeId[] ids = new NodeId[walk.length];
        for (int k = 0; k < walk.length; k++) {
            ids[k] = members.get(walk[k]).id();
        }
        return List.of(ids);
    }

    /** Partitions whose owner is {@code node}, ascending. */
    public int[] ownedPartitions(NodeId node) {
        Integer i = indexById.get(node);
        return i == null ? new int[0] : ownedByMember[i].clone();
    }

    /** Partitions whose preference list holds {@code node}, ascending. */
    public int[] replicatedPartitions(NodeId node) {
        Integer i = indexById.get(node);
        return i == null ? new int[0] : replicatedByMember[i].clone();
    }

    /** A copy of the owner array, index = partition. */
    public NodeId[] owners() {
        return owners.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RingSnapshot other
                && version == other.version
                && replicationFactor == other.replicationFactor
                && members.equals(other.members)
                && Arrays.equals(owners, other.owners)
                && Arrays.equals(pendingOwners, other.pendingOwners)
                && Arrays.equals(current, other.current)
                && Arrays.equals(target, other.target);
    }

    @Override
    public int hashCode() {
        return hashCode;
    }

    /**
     * Version, N, Q, and per member its weight and owned/replicated partition counts; in
     * transition also whether it joins or leaves and how many partitions it receives.
     */
    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("RingSnapshot{version=").append(version)
                .append(", partitions=").append(owners.length)
                .append(", replicationFactor=").append(replicationFactor)
                .append(", members=[");
        for (int i = 0; i < members.size(); i++) {
            Member m = members.get(i);
            s.append(i == 0 ? "" : ", ").append(m.id())
                    .append(" w").append(m.weight())
                    .append(" owns ").append(ownedByMember[i].length)
                    .append(" replicates ").append(replicatedByMember[i].length);
            if (pendingOwners != null) {
                s.append(current[i] ? "" : " joining").append(target[i] ? "" : " leaving")
                        .append(" receives ").append(toReceiveByMember[i].length);
            }
        }
        return s.append(pendingOwners == null ? "]}" : "], inTransition}").toString();
    }

    /**
     * Member indexes in order of first appearance walking clockwise from {@code start} over
     * {@code ownerIndexes}, then members owning nothing in index (id) order: the
     * {@code eligible} ones first, so a joiner (or a leaving node, for the pending walk) never
     * enters a preference list through the tail of a short ring.
     */
    private int[] firstWalk(int start, int[] ownerIndexes, boolean[] eligible) {
        int memberCount = members.size();
        int[] walk = new int[memberCount];
        boolean[] seen = new boolean[memberCount];
        int size = 0;
        for (int step = 0; step < ownerIndexes.length && size < memberCount; step++) {
            int owner = ownerIndexes[(start + step) % ownerIndexes.length];
            if (!seen[owner]) {
                seen[owner] = true;
                walk[size++] = owner;
            }
        }
        for (int pass = 0; pass < 2; pass++) {
            for (int i = 0; i < memberCount && size < memberCount; i++) {
                if (!seen[i] && eligible[i] == (pass == 0)) {
                    seen[i] = true;
                    walk[size++] = i;
                }
            }
        }
        return walk;
    }

    /** Moves {@code member} to index 0, shifting those before it one place back. */
    private static void moveToFront(int[] walk, int member) {
        int at = 0;
        while (walk[at] != member) {
            at++;
        }
        System.arraycopy(walk, 0, walk, 1, at);
        walk[0] = member;
    }

    private interface Holders {
        int[] of(int partition);
    }

    private static int[][] partitionsByMember(int memberCount, int partitionCount, Holders holders) {
        int[] sizes = new int[memberCount];
        for (int p = 0; p < partitionCount; p++) {
            for (int m : holders.of(p)) {
                sizes[m]++;
            }
        }
        int[][] result = new int[memberCount][];
        for (int m = 0; m < memberCount; m++) {
            result[m] = new int[sizes[m]];
        }
        int[] filled = new int[memberCount];
        for (int p = 0; p < partitionCount; p++) {
            for (int m : holders.of(p)) {
                result[m][filled[m]++] = p;
            }
        }
        return result;
    }

    private static List<Member> sortedMembers(List<Member> members) {
        if (members == null || members.isEmpty()) {
            throw new IllegalArgumentException("a ring needs at least one member");
        }
        List<Member> sorted = new ArrayList<>(members);
        for (Member m : sorted) {
            Objects.requireNonNull(m, "member");
        }
        sorted.sort(Comparator.comparing(Member::id));
        for (int i = 1; i < sorted.size(); i++) {
            if (sorted.get(i).id().equals(sorted.get(i - 1).id())) {
                throw new IllegalArgumentException("duplicate member id: " + sorted.get(i).id());
            }
        }
        return List.copyOf(sorted);
    }

    private static void checkReplicationFactor(int replicationFactor) {
        if (replicationFactor < 1) {
            throw new IllegalArgumentException("replication factor must be at least 1: " + replicationFactor);
        }
    }

    private static int[] weights(List<Member> sorted) {
        int[] weights = new int[sorted.size()];
        for (int i = 0; i < weights.length; i++) {
            weights[i] = sorted.get(i).weight();
        }
        return weights;
    }
}
