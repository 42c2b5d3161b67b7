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
 * <p>A partition's preference list is the first min(N, members) distinct physical nodes met
 * walking the partitions clockwise from it (the owner first).
 *
 * <p>Preference lists and ring walks are computed once, at construction, so lookups on the
 * request path neither allocate nor walk the ring. The owners themselves come from
 * {@link Claimant} ({@link #initial}, {@link #withMembers}) or from a peer ({@link #of}).
 */
public final class RingSnapshot {
    /**
     * Above this many (partition, member) entries the full ring walks are not kept (they grow
     * as Q * members) and {@link #ringWalk} computes one per call instead.
     */
    static final int RING_WALK_ENTRIES_CACHED_MAX = 1 << 20;

    private final long version;
    private final List<Member> members;
    private final Map<NodeId, Integer> indexById;
    private final int replicationFactor;
    private final Partitioner partitioner;
    /** Owner of each partition as an index into {@link #members}. */
    private final int[] ownerIndexes;
    private final NodeId[] owners;
    private final List<NodeId>[] preferenceLists;
    /** Null when there are more than {@link #RING_WALK_ENTRIES_CACHED_MAX} entries. */
    private final List<NodeId>[] ringWalks;
    private final int[][] ownedByMember;
    private final int[][] replicatedByMember;
    private final int hashCode;

    private RingSnapshot(long version, List<Member> sortedMembers, int replicationFactor, int[] ownerIndexes) {
        this.version = version;
        this.members = sortedMembers;
        this.replicationFactor = replicationFactor;
        this.partitioner = new Partitioner(ownerIndexes.length);
        this.ownerIndexes = ownerIndexes;
        Map<NodeId, Integer> index = new HashMap<>();
        for (int i = 0; i < sortedMembers.size(); i++) {
            index.put(sortedMembers.get(i).id(), i);
        }
        this.indexById = Map.copyOf(index);
        this.owners = new NodeId[ownerIndexes.length];
        for (int p = 0; p < ownerIndexes.length; p++) {
            owners[p] = sortedMembers.get(ownerIndexes[p]).id();
        }
        int partitionCount = ownerIndexes.length;
        int memberCount = sortedMembers.size();
        int preferenceLength = Math.min(replicationFactor, memberCount);
        @SuppressWarnings("unchecked")
        List<NodeId>[] preferences = new List[partitionCount];
        boolean keepWalks = (long) partitionCount * memberCount <= RING_WALK_ENTRIES_CACHED_MAX;
        @SuppressWarnings("unchecked")
        List<NodeId>[] walks = keepWalks ? new List[partitionCount] : null;
        // walk(p) is walk(p + 1) with p's owner moved to the front: one pass backwards around
        // the ring, O(Q * members), instead of walking the whole ring from every partition.
        int[] walk = firstWalk(0);
        for (int step = 0; step < partitionCount; step++) {
            int p = step == 0 ? 0 : partitionCount - step;
            if (step > 0) {
                moveToFront(walk, ownerIndexes[p]);
            }
            NodeId[] ids = new NodeId[keepWalks ? memberCount : preferenceLength];
            for (int k = 0; k < ids.length; k++) {
                ids[k] = sortedMembers.get(walk[k]).id();
            }
            List<NodeId> list = List.of(ids);
            if (keepWalks) {
                walks[p] = list;
                preferences[p] = list.subList(0, preferenceLength);
            } else {
                preferences[p] = list;
            }
        }
        this.preferenceLists = preferences;
        this.ringWalks = walks;
        this.ownedByMember = partitionsByMember(memberCount, partitionCount, p -> new int[] {ownerIndexes[p]});
        this.replicatedByMember = partitionsByMember(memberCount, partitionCount, p -> {
            List<NodeId> preference = preferences[p];
            int[] holders = new int[preference.size()];
            for (int k = 0; k < holders.length; k++) {
                holders[k] = indexById.get(preference.get(k));
            }
            return holders;
        });
        this.hashCode = Objects.hash(version, members, replicationFactor) * 31 + Arrays.hashCode(owners);
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
        if (version < 0) {
            throw new IllegalArgumentException("version must not be negative: " + version);
        }
        List<Member> sorted = sortedMembers(members);
        checkReplicationFactor(replicationFactor);
        Objects.requireNonNull(owners, "owners");
        new Partitioner(owners.length); // validates the partition count
        Map<NodeId, Integer> index = new HashMap<>();
        for (int i = 0; i < sorted.size(); i++) {
            index.put(sorted.get(i).id(), i);
        }
        int[] ownerIndexes = new int[owners.length];
        for (int p = 0; p < owners.length; p++) {
            Integer i = owners[p] == null ? null : index.get(owners[p]);
            if (i == null) {
                throw new IllegalArgumentException("owner of partition " + p + " is not a member: " + owners[p]);
            }
            ownerIndexes[p] = i;
        }
        return new RingSnapshot(version, sorted, replicationFactor, ownerIndexes);
    }

    /**
     * The ring after membership changes to {@code members}: version + 1, partitions moved from
     * departed or over-loaded nodes to new or under-loaded ones, moving close to the minimum.
     * Also the way to rebalance after a weight change, or an uneven ring received via {@link #of}.
     */
    public RingSnapshot withMembers(List<Member> members) {
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
     * partition come last, in id order.
     */
    public List<NodeId> ringWalk(int partition) {
        if (ringWalks != null) {
            return ringWalks[partition];
        }
        Objects.checkIndex(partition, owners.length);
        int[] walk = firstWalk(partition);
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
                && Arrays.equals(owners, other.owners);
    }

    @Override
    public int hashCode() {
        return hashCode;
    }

    /** Version, N, Q, and per member its weight and owned/replicated partition counts. */
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
        }
        return s.append("]}").toString();
    }

    /**
     * Member indexes in order of first appearance walking clockwise from {@code start}, then
     * members owning nothing in index (id) order.
     */
    private int[] firstWalk(int start) {
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
        for (int i = 0; i < memberCount && size < memberCount; i++) {
            if (!seen[i]) {
                walk[size++] = i;
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
