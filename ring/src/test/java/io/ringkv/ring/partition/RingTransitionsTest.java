package io.ringkv.ring.partition;

import static io.ringkv.ring.partition.Rings.id;
import static io.ringkv.ring.partition.Rings.member;
import static io.ringkv.ring.partition.Rings.members;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ringkv.ring.NodeId;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RingTransitionsTest {
    private static final int Q = 256;
    private static final int N = 3;

    /** Partitions where {@code node} is in {@code after}'s preference list but not {@code before}'s. */
    private static List<Integer> gained(RingSnapshot before, RingSnapshot after, NodeId node) {
        List<Integer> out = new ArrayList<>();
        for (int p = 0; p < before.partitionCount(); p++) {
            if (after.preferenceList(p).contains(node) && !before.preferenceList(p).contains(node)) {
                out.add(p);
            }
        }
        return out;
    }

    private static List<Integer> list(int[] partitions) {
        List<Integer> out = new ArrayList<>();
        for (int p : partitions) {
            out.add(p);
        }
        return out;
    }

    private static void assertReceiversMatchCommit(RingSnapshot before, RingSnapshot transition) {
        RingSnapshot committed = transition.commitPending();
        for (Member m : transition.members()) {
            assertThat(list(transition.partitionsToReceive(m.id()))).as("receives %s", m.id())
                    .isEqualTo(gained(before, committed, m.id()));
        }
    }

    @Test
    void joinerReceivesExactlyItsClaimedShareTimesNAndServesNothingYet() {
        RingSnapshot ring = RingSnapshot.initial(members(5), Q, N);
        RingSnapshot joining = RingTransitions.join(ring, member(6, 1));

        assertThat(joining.version()).isEqualTo(ring.version() + 1);
        assertThat(joining.isInTransition()).isTrue();
        assertThat(joining.members()).hasSize(6);
        assertThat(joining.currentMembers()).isEqualTo(ring.members());
        assertThat(joining.targetMembers()).hasSize(6);
        assertThat(joining.isCurrentMember(id(6))).isFalse();
        assertThat(joining.isTargetMember(id(6))).isTrue();
        assertThat(joining.ownedPartitions(id(6))).isEmpty();
        assertThat(joining.replicatedPartitions(id(6))).isEmpty();
        assertThat(joining.owners()).isEqualTo(ring.owners());
        for (int p = 0; p < Q; p++) {
            assertThat(joining.preferenceList(p)).isEqualTo(ring.preferenceList(p));
        }

        RingSnapshot committed = joining.commitPending();
        int claimed = committed.ownedPartitions(id(6)).length;
        assertThat(claimed).isBetween(Q / 6, Q / 6 + 1);
        assertThat(joining.partitionsToReceive(id(6))).hasSize(claimed * N)
                .isEqualTo(committed.replicatedPartitions(id(6)));
        assertReceiversMatchCommit(ring, joining);
    }

    @Test
    void commitGivesWithMembersOwnersAndIsDeterministic() {
        RingSnapshot ring = RingSnapshot.initial(members(5), Q, N);
        RingSnapshot joining = RingTransitions.join(ring, member(6, 2));
        RingSnapshot committed = RingTransitions.commit(joining);
        List<Member> target = new ArrayList<>(members(5));
        target.add(member(6, 2));
        RingSnapshot direct = ring.withMembers(target);

        assertThat(committed.isInTransition()).isFalse();
        assertThat(committed.version()).isEqualTo(ring.version() + 2);
        assertThat(committed.owners()).isEqualTo(direct.owners());
        assertThat(committed.members()).isEqualTo(direct.members());
        // Two nodes planning and committing the same change agree exactly.
        RingSnapshot elsewhere = RingTransitions.commit(RingTransitions.join(ring, member(6, 2)));
        assertThat(elsewhere).isEqualTo(committed).hasSameHashCodeAs(committed);
    }

    @Test
    void leavingNodeKeepsServingUntilCommitAndOthersReceiveItsReplicas() {
        RingSnapshot ring = RingSnapshot.initial(members(6), Q, N);
        RingSnapshot leaving = RingTransitions.leave(ring, id(3));

        assertThat(leaving.members()).hasSize(6);
        assertThat(leaving.targetMembers()).extracting(Member::id).doesNotContain(id(3));
        assertThat(leaving.isCurrentMember(id(3))).isTrue();
        assertThat(leaving.ownedPartitions(id(3))).isEqualTo(ring.ownedPartitions(id(3)));
        assertThat(leaving.partitionsToReceive(id(3))).isEmpty();
        int received = 0;
        for (int p = 0; p < Q; p++) {
            assertThat(leaving.preferenceList(p)).isEqualTo(ring.preferenceList(p));
            assertThat(leaving.pendingPreferenceList(p)).hasSize(N).doesNotContain(id(3));
        }
        for (Member m : leaving.members()) {
            received += leaving.partitionsToReceive(m.id()).length;
        }
        // At least every replica the leaver held moves somewhere.
        assertThat(received).isGreaterThanOrEqualTo(ring.replicatedPartitions(id(3)).length);
        assertReceiversMatchCommit(ring, leaving);
        assertThat(leaving.commitPending().member(id(3))).isNull();
        assertThat(leaving.commitPending().owners()).isEqualTo(ring.withMembers(leaving.targetMembers()).owners());
    }

    @Test
    void removedNodeIsNeverAStreamSourceWhileASurvivorIsAlive() {
        RingSnapshot ring = RingSnapshot.initial(members(5), Q, N);
        NodeId dead = id(2);
        RingSnapshot removing = RingTransitions.remove(ring, dead);
        assertReceiversMatchCommit(ring, removing);
        for (Member m : removing.members()) {
            for (int p : removing.partitionsToReceive(m.id())) {
                assertThat(RingTransitions.sources(removing, p, m.id(), n -> !n.equals(dead)))
                        .isNotEmpty().doesNotContain(dead, m.id());
                // Even when wrongly seen alive, the dead node comes after every survivor.
                List<NodeId> all = RingTransitions.sources(removing, p, m.id(), n -> true);
                if (all.contains(dead)) {
                    assertThat(all.get(all.size() - 1)).isEqualTo(dead);
                }
            }
        }
    }

    @Test
    void replacementReceivesExactlyTheDeadNodesPartitionsAndNobodyElseMoves() {
        RingSnapshot ring = RingSnapshot.initial(members(5), Q, N);
        Member replacement = member(9, 1);
        RingSnapshot replacing = RingTransitions.replace(ring, id(4), replacement);

        assertThat(replacing.partitionsToReceive(id(9))).isEqualTo(ring.replicatedPartitions(id(4)));
        for (Member m : ring.members()) {
            assertThat(replacing.partitionsToReceive(m.id())).as("%s", m.id()).isEmpty();
        }
        RingSnapshot committed = replacing.commitPending();
        NodeId[] expected = ring.owners();
        for (int p = 0; p < Q; p++) {
            if (expected[p].equals(id(4))) {
                expected[p] = id(9);
            }
        }
        assertThat(committed.owners()).isEqualTo(expected);
        assertThat(committed.member(id(4))).isNull();
        assertThat(committed.replicatedPartitions(id(9))).isEqualTo(ring.replicatedPartitions(id(4)));
    }

    @Test
    void writeTargetsArePreferenceListThenPendingOnlyNodesWithoutDuplicates() {
        RingSnapshot ring = RingSnapshot.initial(members(5), Q, N);
        for (int p = 0; p < Q; p++) {
            assertThat(ring.writeTargets(p)).isSameAs(ring.preferenceList(p));
            assertThat(ring.pendingPreferenceList(p)).isSameAs(ring.preferenceList(p));
        }
        RingSnapshot joining = RingTransitions.join(ring, member(6, 1));
        int widened = 0;
        for (int p = 0; p < Q; p++) {
            List<NodeId> targets = joining.writeTargets(p);
            assertThat(targets).startsWith(joining.preferenceList(p).toArray(new NodeId[0]))
                    .doesNotHaveDuplicates()
                    .containsAll(joining.pendingPreferenceList(p));
            List<NodeId> current = joining.preferenceList(p);
            List<NodeId> extra = targets.subList(current.size(), targets.size());
            assertThat(extra).allMatch(n -> !current.contains(n));
            widened += extra.isEmpty() ? 0 : 1;
            assertThat(joining.writeTargets(p)).isSameAs(targets); // precomputed, no allocation per call
        }
        assertThat(widened).isEqualTo(joining.partitionsToReceive(id(6)).length);
    }

    @Test
    void joinerNeverFillsAShortCurrentPreferenceList() {
        RingSnapshot ring = RingSnapshot.initial(members(2), 16, N);
        RingSnapshot joining = RingTransitions.join(ring, member(3, 1));
        for (int p = 0; p < 16; p++) {
            assertThat(joining.preferenceList(p)).hasSize(2).doesNotContain(id(3));
            assertThat(joining.pendingPreferenceList(p)).hasSize(3).contains(id(3));
            // The joiner is still a fallback for sloppy quorum, after every current member.
            assertThat(joining.ringWalk(p)).hasSize(3).endsWith(id(3));
        }
        assertThat(joining.partitionsToReceive(id(3))).hasSize(16);
    }

    @Test
    void ringInTransitionRoundTripsThroughOf() {
        RingSnapshot ring = RingSnapshot.initial(members(4), 64, N);
        RingSnapshot joining = RingTransitions.join(ring, member(5, 3));
        RingSnapshot rebuilt = RingSnapshot.of(joining.version(), joining.currentMembers(), joining.replicationFactor(),
                joining.owners(), joining.targetMembers(), joining.pendingOwners());
        assertThat(rebuilt).isEqualTo(joining).hasSameHashCodeAs(joining);
        assertThat(rebuilt).isNotEqualTo(ring.withMembers(joining.targetMembers()));
        assertThat(joining.toString()).contains("joining", "inTransition");
        assertThat(RingTransitions.leave(ring, id(1)).toString()).contains("leaving");
        assertThat(joining.withoutPending().owners()).isEqualTo(ring.owners());
        assertThat(joining.withoutPending().isInTransition()).isFalse();
    }

    @Test
    void ofRejectsPendingOwnersOutsideTheTargetMembers() {
        RingSnapshot ring = RingSnapshot.initial(members(3), 8, N);
        NodeId[] pending = ring.owners();
        pending[0] = id(3);
        assertThatThrownBy(() -> RingSnapshot.of(2, ring.members(), N, ring.owners(), members(2), pending))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("pending owner");
        assertThatThrownBy(() -> RingSnapshot.of(2, ring.members(), N, ring.owners(), members(3), null))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void oneChangeAtATime() {
        RingSnapshot ring = RingSnapshot.initial(members(3), 16, N);
        RingSnapshot joining = RingTransitions.join(ring, member(4, 1));
        assertThatThrownBy(() -> joining.withMembers(members(5))).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> RingTransitions.join(joining, member(5, 1))).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> ring.commitPending()).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> RingTransitions.join(ring, member(2, 1))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RingTransitions.leave(RingSnapshot.initial(members(1), 16, N), id(1)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void readyToCommitOnceEveryReceiverReportedAndIsAlive() {
        RingSnapshot ring = RingSnapshot.initial(members(4), 64, N);
        RingSnapshot leaving = RingTransitions.leave(ring, id(1));
        List<NodeId> receivers = new ArrayList<>();
        for (Member m : leaving.members()) {
            if (leaving.partitionsToReceive(m.id()).length > 0) {
                receivers.add(m.id());
            }
        }
        assertThat(receivers).isNotEmpty().doesNotContain(id(1));
        assertThat(RingTransitions.readyToCommit(leaving, Set.of(), n -> true)).isFalse();
        assertThat(RingTransitions.readyToCommit(leaving, Set.copyOf(receivers.subList(1, receivers.size())), n -> true)).isFalse();
        assertThat(RingTransitions.readyToCommit(leaving, Set.copyOf(receivers), n -> true)).isTrue();
        assertThat(RingTransitions.readyToCommit(leaving, Set.copyOf(receivers), n -> !n.equals(receivers.get(0)))).isFalse();
        assertThat(RingTransitions.readyToCommit(ring, Set.copyOf(receivers), n -> true)).isFalse();
        RingSnapshot noop = ring.withPendingMembers(ring.members());
        assertThat(RingTransitions.readyToCommit(noop, Set.of(), n -> true)).isTrue();
    }

    @Test
    void largeRingWithoutCachedWalksComputesTheSameWalkOrder() {
        // 4096 partitions x 300 members exceeds the cached-walk bound: walks are computed per call.
        RingSnapshot ring = RingSnapshot.initial(members(299), 4096, N);
        RingSnapshot joining = RingTransitions.join(ring, member(300, 1));
        for (int p = 0; p < 4096; p += 97) {
            List<NodeId> walk = joining.ringWalk(p);
            assertThat(walk).hasSize(300).doesNotHaveDuplicates().endsWith(id(300));
            assertThat(walk.subList(0, N)).isEqualTo(joining.preferenceList(p));
        }
    }
}
