package io.ringkv.ring.partition;

import static io.ringkv.common.Bytes.utf8;
import static io.ringkv.ring.partition.Rings.id;
import static io.ringkv.ring.partition.Rings.member;
import static io.ringkv.ring.partition.Rings.members;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ringkv.ring.NodeId;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RingSnapshotTest {
    private static final int Q = 256;
    private static final int N = 3;

    @Test
    void initialRingIsVersionOneWithTheRequestedShape() {
        RingSnapshot ring = RingSnapshot.initial(members(5), 64, 2);
        assertThat(ring.version()).isEqualTo(1);
        assertThat(ring.partitionCount()).isEqualTo(64);
        assertThat(ring.partitioner().partitionCount()).isEqualTo(64);
        assertThat(ring.replicationFactor()).isEqualTo(2);
        assertThat(ring.owners()).hasSize(64).doesNotContainNull();
    }

    @Test
    void preferenceListsHoldMinOfNAndMembersDistinctNodesStartingWithTheOwner() {
        for (int k : new int[] {1, 2, 3, 4, 7, 16, 64}) {
            RingSnapshot ring = RingSnapshot.initial(members(k), Q, N);
            for (int p = 0; p < Q; p++) {
                assertThat(ring.preferenceList(p)).as("%d nodes, partition %d", k, p)
                        .hasSize(Math.min(N, k))
                        .doesNotHaveDuplicates()
                        .startsWith(ring.owner(p))
                        .allMatch(node -> ring.member(node) != null);
            }
        }
    }

    @Test
    void preferenceListAndRingWalkFollowFirstAppearanceClockwise() {
        // A crowded, uneven ring as a peer might send it: n04 owns nothing.
        NodeId[] owners = {id(1), id(1), id(2), id(1), id(3), id(3), id(2), id(1)};
        RingSnapshot ring = RingSnapshot.of(3, members(4), N, owners);
        assertThat(ring.preferenceList(0)).containsExactly(id(1), id(2), id(3));
        assertThat(ring.preferenceList(4)).containsExactly(id(3), id(2), id(1));
        assertThat(ring.preferenceList(7)).containsExactly(id(1), id(2), id(3));
        assertThat(ring.ringWalk(4)).containsExactly(id(3), id(2), id(1), id(4));
        for (int p = 0; p < owners.length; p++) {
            assertThat(ring.ringWalk(p)).isEqualTo(naiveRingWalk(ring, p));
            assertThat(ring.preferenceList(p)).isEqualTo(naiveRingWalk(ring, p).subList(0, N));
        }
    }

    @Test
    void memberOwningNothingStillFillsAShortPreferenceList() {
        NodeId[] owners = {id(1), id(2), id(1), id(2)};
        RingSnapshot ring = RingSnapshot.of(1, members(3), N, owners);
        assertThat(ring.preferenceList(1)).containsExactly(id(2), id(1), id(3));
        assertThat(ring.replicatedPartitions(id(3))).containsExactly(0, 1, 2, 3);
        assertThat(ring.ownedPartitions(id(3))).isEmpty();
    }

    @Test
    void singleMemberOwnsEverythingAndIsTheOnlyReplica() {
        RingSnapshot ring = RingSnapshot.initial(members(1), Q, N);
        assertThat(ring.ownedPartitions(id(1))).hasSize(Q);
        assertThat(ring.replicatedPartitions(id(1))).hasSize(Q);
        assertThat(ring.preferenceList(0)).containsExactly(id(1));
        assertThat(ring.ringWalk(Q - 1)).containsExactly(id(1));
    }

    @Test
    void twoMembersWithNThreeGivePreferenceListsOfTwo() {
        RingSnapshot ring = RingSnapshot.initial(members(2), Q, N);
        assertThat(ring.ownedPartitions(id(1))).hasSize(Q / 2);
        for (int p = 0; p < Q; p++) {
            assertThat(ring.preferenceList(p)).containsExactlyInAnyOrder(id(1), id(2));
            // Alternating owners: every partition's successor is the other node.
            assertThat(ring.owner((p + 1) % Q)).isNotEqualTo(ring.owner(p));
        }
    }

    @Test
    void keyLookupGoesThroughThePartitionerAndHonoursHashTags() {
        RingSnapshot ring = RingSnapshot.initial(members(6), Q, N);
        for (String key : List.of("a", "user:1000", "{user1000}.followers", "")) {
            byte[] bytes = utf8(key);
            assertThat(ring.preferenceList(bytes)).isSameAs(ring.preferenceList(ring.partitioner().partitionOf(bytes)));
        }
        assertThat(ring.preferenceList(utf8("{user1000}.following"))).isSameAs(ring.preferenceList(utf8("{user1000}.followers")));
    }

    @Test
    void lookupsReturnPrecomputedUnmodifiableLists() {
        RingSnapshot ring = RingSnapshot.initial(members(5), Q, N);
        assertThat(ring.preferenceList(17)).isSameAs(ring.preferenceList(17));
        assertThat(ring.ringWalk(17)).isSameAs(ring.ringWalk(17));
        assertThat(ring.ringWalk(17).subList(0, N)).isEqualTo(ring.preferenceList(17));
        assertThatThrownBy(() -> ring.preferenceList(17).add(id(9))).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> ring.ringWalk(17).set(0, id(9))).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> ring.members().remove(0)).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void arraysHandedOutAreCopies() {
        RingSnapshot ring = RingSnapshot.initial(members(5), Q, N);
        NodeId[] owners = ring.owners();
        owners[0] = id(99);
        assertThat(ring.owner(0)).isNotEqualTo(id(99));
        int[] owned = ring.ownedPartitions(id(1));
        owned[0] = -1;
        assertThat(ring.ownedPartitions(id(1))[0]).isNotNegative();
        int[] replicated = ring.replicatedPartitions(id(1));
        replicated[0] = -1;
        assertThat(ring.replicatedPartitions(id(1))[0]).isNotNegative();
    }

    @Test
    void ownedAndReplicatedPartitionsAreAscendingAndMatchTheLists() {
        RingSnapshot ring = RingSnapshot.initial(members(7, 1, 2), Q, N);
        for (Member m : ring.members()) {
            int[] owned = ring.ownedPartitions(m.id());
            int[] replicated = ring.replicatedPartitions(m.id());
            assertThat(owned).isSorted();
            assertThat(replicated).isSorted();
            List<Integer> expectedOwned = new ArrayList<>();
            List<Integer> expectedReplicated = new ArrayList<>();
            for (int p = 0; p < Q; p++) {
                if (ring.owner(p).equals(m.id())) {
                    expectedOwned.add(p);
                }
                if (ring.preferenceList(p).contains(m.id())) {
                    expectedReplicated.add(p);
                }
            }
            assertThat(owned).containsExactly(expectedOwned.stream().mapToInt(Integer::intValue).toArray());
            assertThat(replicated).containsExactly(expectedReplicated.stream().mapToInt(Integer::intValue).toArray());
        }
        assertThat(ring.ownedPartitions(id(99))).isEmpty();
        assertThat(ring.replicatedPartitions(id(99))).isEmpty();
    }

    @Test
    void membersAreSortedByIdAndFoundById() {
        List<Member> unsorted = List.of(member(3, 1), member(1, 2), member(2, 1));
        RingSnapshot ring = RingSnapshot.initial(unsorted, Q, N);
        assertThat(ring.members()).extracting(Member::id).containsExactly(id(1), id(2), id(3));
        assertThat(ring.member(id(1))).isEqualTo(member(1, 2));
        assertThat(ring.member(id(9))).isNull();
    }

    @Test
    void ofRoundTripsTheOwnersOfAnotherSnapshot() {
        RingSnapshot ring = RingSnapshot.initial(members(9, 1, 2, 3), Q, N).withMembers(members(10, 1, 2, 3));
        RingSnapshot decoded = RingSnapshot.of(ring.version(), ring.members(), ring.replicationFactor(), ring.owners());
        assertThat(decoded).isEqualTo(ring).hasSameHashCodeAs(ring);
        assertThat(decoded.owners()).containsExactly(ring.owners());
        for (int p = 0; p < Q; p++) {
            assertThat(decoded.ringWalk(p)).isEqualTo(ring.ringWalk(p));
        }
    }

    @Test
    void ofRejectsOwnersThatAreNotMembersAndCountsThatAreNotPowersOfTwo() {
        NodeId[] stranger = {id(1), id(2), id(9), id(1)};
        assertThatThrownBy(() -> RingSnapshot.of(1, members(2), N, stranger))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("n09");
        assertThatThrownBy(() -> RingSnapshot.of(1, members(2), N, new NodeId[] {id(1), null}))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RingSnapshot.of(1, members(2), N, new NodeId[] {id(1), id(2), id(1)}))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RingSnapshot.of(1, members(2), N, new NodeId[0]))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RingSnapshot.of(-1, members(2), N, new NodeId[] {id(1), id(2)}))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void rejectsEmptyOrDuplicateMembersAndReplicationFactorBelowOne() {
        List<Member> duplicate = List.of(member(1, 1), member(2, 1), member(1, 3));
        assertThatThrownBy(() -> RingSnapshot.initial(List.of(), Q, N)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RingSnapshot.initial(duplicate, Q, N))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("n01");
        assertThatThrownBy(() -> RingSnapshot.initial(members(3), Q, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RingSnapshot.initial(members(3), 100, N)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RingSnapshot.of(1, members(2), 0, new NodeId[] {id(1), id(2)}))
                .isInstanceOf(IllegalArgumentException.class);
        RingSnapshot ring = RingSnapshot.initial(members(3), Q, N);
        assertThatThrownBy(() -> ring.withMembers(List.of())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ring.withMembers(duplicate)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void withMembersBumpsTheVersionAndKeepsPartitionCountAndN() {
        RingSnapshot ring = RingSnapshot.initial(members(4), 128, 2);
        RingSnapshot next = ring.withMembers(members(5)).withMembers(members(6));
        assertThat(next.version()).isEqualTo(3);
        assertThat(next.partitionCount()).isEqualTo(128);
        assertThat(next.replicationFactor()).isEqualTo(2);
        assertThat(next.members()).hasSize(6);
    }

    @Test
    void withUnchangedMembersKeepsEveryOwner() {
        RingSnapshot ring = RingSnapshot.initial(members(7, 1, 3), Q, N);
        RingSnapshot same = ring.withMembers(members(7, 1, 3));
        assertThat(same.owners()).containsExactly(ring.owners());
        assertThat(same.version()).isEqualTo(2);
        assertThat(same).isNotEqualTo(ring);
    }

    @Test
    void newAddressesForTheSameIdsKeepEveryOwner() {
        RingSnapshot ring = RingSnapshot.initial(members(5), Q, N);
        List<Member> moved = new ArrayList<>();
        for (Member m : members(5)) {
            moved.add(new Member(m.id(), "192.168.0.1", 6380, 7380, m.weight()));
        }
        RingSnapshot next = ring.withMembers(moved);
        assertThat(next.owners()).containsExactly(ring.owners());
        assertThat(next.member(id(1)).host()).isEqualTo("192.168.0.1");
    }

    @Test
    void equalityCoversVersionMembersReplicationFactorAndOwners() {
        RingSnapshot ring = RingSnapshot.initial(members(4), 16, N);
        NodeId[] owners = ring.owners();
        assertThat(RingSnapshot.of(1, members(4), N, owners)).isEqualTo(ring).hasSameHashCodeAs(ring);
        assertThat(RingSnapshot.of(2, members(4), N, owners)).isNotEqualTo(ring);
        assertThat(RingSnapshot.of(1, members(4), 2, owners)).isNotEqualTo(ring);
        assertThat(RingSnapshot.of(1, members(4, 2), N, owners)).isNotEqualTo(ring);
        NodeId[] swapped = owners.clone();
        swapped[0] = owners[1];
        swapped[1] = owners[0];
        assertThat(RingSnapshot.of(1, members(4), N, swapped)).isNotEqualTo(ring);
    }

    @Test
    void toStringSummarisesVersionShapeAndPerMemberCounts() {
        RingSnapshot ring = RingSnapshot.initial(members(2, 1, 3), 16, N);
        assertThat(ring).hasToString("RingSnapshot{version=1, partitions=16, replicationFactor=3, "
                + "members=[n01 w1 owns 4 replicates 16, n02 w3 owns 12 replicates 16]}");
    }

    @Test
    void hugeRingComputesRingWalksOnDemand() {
        // 2^16 partitions x 17 members is past the cached-walk bound; owners round robin.
        int partitions = 1 << 16;
        int memberCount = 17;
        assertThat((long) partitions * memberCount).isGreaterThan(RingSnapshot.RING_WALK_ENTRIES_CACHED_MAX);
        NodeId[] owners = new NodeId[partitions];
        for (int p = 0; p < partitions; p++) {
            owners[p] = id(1 + p % memberCount);
        }
        RingSnapshot ring = RingSnapshot.of(1, members(memberCount), N, owners);
        for (int p : new int[] {0, 1, 12345, partitions - 1}) {
            assertThat(ring.ringWalk(p)).isEqualTo(naiveRingWalk(ring, p));
            assertThat(ring.preferenceList(p)).isEqualTo(naiveRingWalk(ring, p).subList(0, N));
        }
    }

    /** Owners in order of first appearance from p, then members owning nothing, by id. */
    private static List<NodeId> naiveRingWalk(RingSnapshot ring, int p) {
        Set<NodeId> walk = new LinkedHashSet<>();
        for (int step = 0; step < ring.partitionCount(); step++) {
            walk.add(ring.owner((p + step) % ring.partitionCount()));
        }
        for (Member m : ring.members()) {
            walk.add(m.id());
        }
        return List.copyOf(walk);
    }
}
