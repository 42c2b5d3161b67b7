package io.ringkv.ring.partition;

import io.ringkv.ring.NodeId;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Plans and ends ring changes, as pure functions of ring snapshots: join, leave
 * (decommission), remove (a dead node) and replace each give a ring in transition whose
 * pending assignment the new replicas stream towards; {@link #readyToCommit} says when every
 * one of them has its data, and {@link #commit} switches ownership. Being pure, two nodes
 * planning or committing the same change from the same snapshot produce equal snapshots, so
 * whichever commit gossip spreads first, all nodes converge on one ring.
 *
 * <p>One change at a time: planning on a ring already in transition is refused (Cassandra
 * refuses overlapping range movements by default for the same reason: sources and pending
 * replicas of two changes would interleave).
 */
public final class RingTransitions {
    private RingTransitions() {}

    /** {@code newcomer} joins: it claims its weighted share, taken from the current owners with minimal movement. */
    public static RingSnapshot join(RingSnapshot ring, Member newcomer) {
        Objects.requireNonNull(newcomer, "newcomer");
        if (ring.member(newcomer.id()) != null) {
            throw new IllegalArgumentException(newcomer.id() + " is already a member");
        }
        List<Member> target = new ArrayList<>(ring.members());
        target.add(newcomer);
        return ring.withPendingMembers(target);
    }

    /**
     * {@code node} is decommissioned: its partitions move to the others. It stays a member,
     * serving and streaming out, until the commit.
     */
    public static RingSnapshot leave(RingSnapshot ring, NodeId node) {
        return ring.withPendingMembers(without(ring, node));
    }

    /**
     * The dead {@code node} is taken out: the same pending assignment as a leave, but its data
     * is re-replicated from the surviving replicas; {@link #sources} never offers it while a
     * survivor is alive, and the caller's liveness predicate excludes it anyway.
     */
    public static RingSnapshot remove(RingSnapshot ring, NodeId node) {
        return ring.withPendingMembers(without(ring, node));
    }

    /** {@code replacement} (a new node) takes exactly the partitions of {@code dead}. */
    public static RingSnapshot replace(RingSnapshot ring, NodeId dead, Member replacement) {
        return ring.replacing(dead, replacement);
    }

    /** The ring after the transition: version + 1, the pending owners in force. */
    public static RingSnapshot commit(RingSnapshot ringInTransition) {
        return ringInTransition.commitPending();
    }

    /**
     * Whether the transition may be committed: every node with partitions to receive has
     * reported that it streamed them for this ring version, and is alive (committing makes it
     * serve reads; while it is down the old owners keep serving, and nothing is lost by
     * waiting). A transition with nothing to receive is ready at once.
     */
    public static boolean readyToCommit(RingSnapshot ringInTransition, Set<NodeId> nodesReportingStreamedForThisVersion,
            Predicate<NodeId> isAlive) {
        if (!ringInTransition.isInTransition()) {
            return false;
        }
        for (Member m : ringInTransition.members()) {
            if (ringInTransition.partitionsToReceive(m.id()).length == 0) {
                continue;
            }
            if (!nodesReportingStreamedForThisVersion.contains(m.id()) || !isAlive.test(m.id())) {
                return false;
            }
        }
        return true;
    }

    /**
     * Where {@code receiver} may stream {@code partition} from, best first: the partition's
     * current replicas other than itself that are alive, those staying in the ring before those
     * leaving it (so a removed node is never chosen over a survivor, and a leaving node only
     * when it is the last holder, e.g. with N = 1).
     */
    public static List<NodeId> sources(RingSnapshot ring, int partition, NodeId receiver, Predicate<NodeId> isAlive) {
        List<NodeId> staying = new ArrayList<>();
        List<NodeId> leaving = new ArrayList<>();
        for (NodeId node : ring.preferenceList(partition)) {
            if (node.equals(receiver) || !isAlive.test(node)) {
                continue;
            }
            (ring.isTargetMember(node) ? staying : leaving).add(node);
        }
        staying.addAll(leaving);
        return staying;
    }

    private static List<Member> without(RingSnapshot ring, NodeId node) {
        if (ring.member(node) == null) {
            throw new IllegalArgumentException("not a member: " + node);
        }
        List<Member> target = new ArrayList<>();
        for (Member m : ring.members()) {
            if (!m.id().equals(node)) {
                target.add(m);
            }
        }
        if (target.isEmpty()) {
            throw new IllegalArgumentException("the last member cannot leave the ring");
        }
        return target;
    }
}
