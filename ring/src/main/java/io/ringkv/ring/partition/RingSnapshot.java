package io.ringkv.ring.partition;

import io.ringkv.ring.NodeId;
import java.util.List;

/**
 * An immutable, versioned view of the ring: the members, the owner of each of the Q
 * partitions, and the replication factor N. Replica placement is a pure function of this
 * object: every node holding the same snapshot computes the same preference lists.
 *
 * <p>A partition's preference list is the first min(N, members) distinct physical nodes met
 * walking the partitions clockwise from it (the owner first).
 */
public final class RingSnapshot {
    // SKELETON: bodies are filled in by the partition work; signatures are the contract.

    /** The claim for a brand-new cluster: partitions spread over {@code members} by weight. */
    public static RingSnapshot initial(List<Member> members, int partitionCount, int replicationFactor) {
        throw new UnsupportedOperationException("TODO");
    }

    /** A snapshot with explicit owners (decoding a ring received from a peer). */
    public static RingSnapshot of(long version, List<Member> members, int replicationFactor, NodeId[] owners) {
        throw new UnsupportedOperationException("TODO");
    }

    /**
     * The ring after membership changes to {@code members}: version + 1, partitions moved from
     * departed or over-loaded nodes to new or under-loaded ones, moving close to the minimum.
     */
    public RingSnapshot withMembers(List<Member> members) {
        throw new UnsupportedOperationException("TODO");
    }

    public long version() {
        throw new UnsupportedOperationException("TODO");
    }

    public Partitioner partitioner() {
        throw new UnsupportedOperationException("TODO");
    }

    public int partitionCount() {
        throw new UnsupportedOperationException("TODO");
    }

    /** The configured N (preference lists are shorter when there are fewer members). */
    public int replicationFactor() {
        throw new UnsupportedOperationException("TODO");
    }

    /** Members ordered by id. */
    public List<Member> members() {
        throw new UnsupportedOperationException("TODO");
    }

    /** The member with this id, or null. */
    public Member member(NodeId id) {
        throw new UnsupportedOperationException("TODO");
    }

    public NodeId owner(int partition) {
        throw new UnsupportedOperationException("TODO");
    }

    /** The first min(N, members) distinct nodes from the partition's owner clockwise. */
    public List<NodeId> preferenceList(int partition) {
        throw new UnsupportedOperationException("TODO");
    }

    public List<NodeId> preferenceList(byte[] key) {
        throw new UnsupportedOperationException("TODO");
    }

    /**
     * Every member, in the order met walking clockwise from the partition's owner: the
     * preference list followed by the fallback nodes (for sloppy quorum).
     */
    public List<NodeId> ringWalk(int partition) {
        throw new UnsupportedOperationException("TODO");
    }

    /** Partitions whose owner is {@code node}, ascending. */
    public int[] ownedPartitions(NodeId node) {
        throw new UnsupportedOperationException("TODO");
    }

    /** Partitions whose preference list holds {@code node}, ascending. */
    public int[] replicatedPartitions(NodeId node) {
        throw new UnsupportedOperationException("TODO");
    }

    /** A copy of the owner array, index = partition. */
    public NodeId[] owners() {
        throw new UnsupportedOperationException("TODO");
    }
}
