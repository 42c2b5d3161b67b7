package io.ringkv.ring.partition;

import static io.ringkv.ring.partition.Rings.crowdedWindows;
import static io.ringkv.ring.partition.Rings.id;
import static io.ringkv.ring.partition.Rings.member;
import static io.ringkv.ring.partition.Rings.members;
import static io.ringkv.ring.partition.Rings.moved;
import static io.ringkv.ring.partition.Rings.ownedImbalance;
import static io.ringkv.ring.partition.Rings.replicaImbalance;
import static org.assertj.core.api.Assertions.assertThat;

import io.ringkv.ring.NodeId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Balance, replica spread and movement of the claim. Tolerances: a member owns within
 * max(10% of its weighted target, 1 partition) of that target; it replicates within 10% + N
 * of N times that target (N because one owned partition more means N replicas more).
 */
class ClaimantTest {
    private static final int Q = 256;
    private static final int N = 3;

    @Test
    void targetsSplitPartitionsByWeightWithLargestRemainders() {
        assertThat(Claimant.targets(new int[] {1, 1, 1}, 256, new int[3])).containsExactly(86, 85, 85);
        assertThat(Claimant.targets(new int[] {1, 2, 3}, 256, new int[3])).containsExactly(43, 85, 128);
        assertThat(Claimant.targets(new int[] {1, 1, 1, 1}, 256, new int[4])).containsExactly(64, 64, 64, 64);
        // Equal remainders: the extra partition stays with whoever holds more, so nothing moves for it.
        assertThat(Claimant.targets(new int[] {1, 1, 1}, 256, new int[] {85, 86, 85})).containsExactly(85, 86, 85);
        assertThat(Claimant.targets(new int[] {1, 1, 1, 1, 1}, 4, new int[5])).containsExactly(1, 1, 1, 1, 0);
    }

    @Test
    void equalWeightsGiveEveryNodeItsShareWithinTenPercentOrOnePartition() {
        for (int k = 1; k <= 64; k++) {
            RingSnapshot ring = RingSnapshot.initial(members(k), Q, N);
            assertThat(ownedImbalance(ring)).as("%d nodes", k).isLessThanOrEqualTo(1.0);
            int[] counts = ring.members().stream().mapToInt(m -> ring.ownedPartitions(m.id()).length).toArray();
            assertThat(Arrays.stream(counts).max().getAsInt() - Arrays.stream(counts).min().getAsInt()).as("%d nodes", k).isLessThanOrEqualTo(1);
        }
    }

    @Test
    void everyWindowOfNPartitionsHasNDistinctOwnersFromFourNodesUp() {
        // With 3 nodes and N = 3 that would need Q divisible by 3; 256 is not.
        for (int k = 4; k <= 64; k++) {
            assertThat(crowdedWindows(RingSnapshot.initial(members(k), Q, N))).as("%d nodes", k).isZero();
        }
    }

    @Test
    void replicaLoadIsBalancedForEqualWeights() {
        for (int k = 3; k <= 64; k++) {
            assertThat(replicaImbalance(RingSnapshot.initial(members(k), Q, N))).as("%d nodes", k).isLessThanOrEqualTo(1.0);
        }
    }

    @Test
    void ownershipAndReplicaLoadFollowWeights() {
        int[][] weightSets = {{1, 2, 3}, {1, 1, 1, 1, 4}, {5, 1, 1, 1, 1, 1, 1, 1}};
        for (int[] weights : weightSets) {
            for (int copies = 2; copies <= 4; copies++) {
                RingSnapshot ring = RingSnapshot.initial(members(weights.length * copies, weights), Q, N);
                String label = Arrays.toString(weights) + " x" + copies;
                assertThat(ownedImbalance(ring)).as(label).isLessThanOrEqualTo(1.0);
                assertThat(replicaImbalance(ring)).as(label).isLessThanOrEqualTo(1.0);
                assertThat(crowdedWindows(ring)).as(label).isZero();
            }
        }
    }

    @Test
    void aNodeHeavierThanOneNthOfTheRingStillOwnsItsShare() {
        // Weight 3 of 6 is half the ring: more than 1/N, so it cannot be spaced N apart, but it
        // still owns exactly its share.
        RingSnapshot ring = RingSnapshot.initial(members(3, 1, 2, 3), Q, N);
        assertThat(ring.ownedPartitions(id(1))).hasSize(43);
        assertThat(ring.ownedPartitions(id(2))).hasSize(85);
        assertThat(ring.ownedPartitions(id(3))).hasSize(128);
        for (int p = 0; p < Q; p++) {
            assertThat(ring.preferenceList(p)).doesNotHaveDuplicates().hasSize(3);
        }
    }

    @Test
    void joiningNodeTakesOnlyItsShareAndOnlyFromOthers() {
        for (int k = 3; k <= 63; k++) {
            RingSnapshot before = RingSnapshot.initial(members(k), Q, N);
            RingSnapshot after = before.withMembers(members(k + 1));
            NodeId newcomer = id(k + 1);
            int moved = moved(before, after);
            // Measured: the moves are exactly the newcomer's share, ceil(Q / (k + 1)) at most.
            assertThat(moved).as("%d -> %d", k, k + 1)
                    .isEqualTo(after.ownedPartitions(newcomer).length)
                    .isLessThanOrEqualTo((Q + k) / (k + 1))
                    .isLessThanOrEqualTo((int) (Q / (k + 1.0) * 1.25) + N);
            for (int p = 0; p < Q; p++) {
                if (!before.owner(p).equals(after.owner(p))) {
                    assertThat(after.owner(p)).isEqualTo(newcomer);
                }
            }
            assertThat(ownedImbalance(after)).as("%d -> %d", k, k + 1).isLessThanOrEqualTo(1.0);
            assertThat(replicaImbalance(after)).as("%d -> %d", k, k + 1).isLessThanOrEqualTo(1.0);
        }
    }

    @Test
    void leavingNodeMovesItsPartitionsPlusBoundedRebalancing() {
        for (int k = 4; k <= 64; k++) {
            RingSnapshot before = RingSnapshot.initial(members(k), Q, N);
            List<Member> remaining = new ArrayList<>(members(k));
            Member leaver = remaining.remove(k / 2);
            RingSnapshot after = before.withMembers(remaining);
            int departed = before.ownedPartitions(leaver.id()).length;
            // When the survivors cannot fill the gaps N apart (small clusters), up to a quarter
            // more moves (at least N) buy back an even replica load: measured 51 -> 63 for 5 -> 4
            // nodes, none extra from 13 nodes up.
            assertThat(moved(before, after)).as("%d -> %d", k, k - 1)
                    .isGreaterThanOrEqualTo(departed)
                    .isLessThanOrEqualTo(departed + Math.max(N, departed / 4));
            assertThat(ownedImbalance(after)).as("%d -> %d", k, k - 1).isLessThanOrEqualTo(1.0);
            assertThat(replicaImbalance(after)).as("%d -> %d", k, k - 1).isLessThanOrEqualTo(1.0);
        }
    }

    @Test
    void growingOneNodeAtATimeAndShrinkingBackStaysBalanced() {
        RingSnapshot ring = RingSnapshot.initial(members(3), Q, N);
        for (int k = 4; k <= 64; k++) {
            RingSnapshot next = ring.withMembers(members(k));
            assertThat(moved(ring, next)).as("grow to %d", k).isEqualTo(next.ownedPartitions(id(k)).length);
            assertThat(ownedImbalance(next)).as("grow to %d", k).isLessThanOrEqualTo(1.0);
            assertThat(replicaImbalance(next)).as("grow to %d", k).isLessThanOrEqualTo(1.0);
            ring = next;
        }
        for (int k = 63; k >= 3; k--) {
            RingSnapshot next = ring.withMembers(members(k));
            int departed = ring.ownedPartitions(id(k + 1)).length;
            assertThat(moved(ring, next)).as("shrink to %d", k).isBetween(departed, departed + Math.max(N, departed / 4));
            assertThat(ownedImbalance(next)).as("shrink to %d", k).isLessThanOrEqualTo(1.0);
            assertThat(replicaImbalance(next)).as("shrink to %d", k).isLessThanOrEqualTo(1.0);
            ring = next;
        }
    }

    @Test
    void replacingANodeHandsItsPartitionsToTheNewcomer() {
        RingSnapshot before = RingSnapshot.initial(members(8), Q, N);
        List<Member> replaced = new ArrayList<>(members(8));
        replaced.remove(2);
        replaced.add(member(9, 1));
        RingSnapshot after = before.withMembers(replaced);
        assertThat(after.ownedPartitions(id(9))).containsExactly(before.ownedPartitions(id(3)));
        assertThat(moved(before, after)).isEqualTo(before.ownedPartitions(id(3)).length);
    }

    @Test
    void addingSeveralNodesAtOnceMovesOnlyTheirShare() {
        RingSnapshot before = RingSnapshot.initial(members(8), Q, N);
        RingSnapshot after = before.withMembers(members(12));
        int newcomersShare = 0;
        for (int i = 9; i <= 12; i++) {
            newcomersShare += after.ownedPartitions(id(i)).length;
        }
        assertThat(moved(before, after)).isEqualTo(newcomersShare);
        assertThat(ownedImbalance(after)).isLessThanOrEqualTo(1.0);
        assertThat(replicaImbalance(after)).isLessThanOrEqualTo(1.0);
    }

    @Test
    void doublingAWeightMovesAboutTheDifference() {
        RingSnapshot before = RingSnapshot.initial(members(8), Q, N);
        List<Member> heavier = new ArrayList<>(members(8));
        heavier.set(0, member(1, 2));
        RingSnapshot after = before.withMembers(heavier);
        int gained = after.ownedPartitions(id(1)).length - before.ownedPartitions(id(1)).length;
        assertThat(gained).isEqualTo(57 - 32);
        assertThat(moved(before, after)).isLessThanOrEqualTo(gained + Math.max(N, gained / 4));
        assertThat(ownedImbalance(after)).isLessThanOrEqualTo(1.0);
        assertThat(replicaImbalance(after)).isLessThanOrEqualTo(1.0);
    }

    @Test
    void claimIsTheSameWhateverTheOrderOfMembers() {
        Random random = new Random(42);
        List<Member> members = members(10, 1, 2, 1, 3);
        RingSnapshot reference = RingSnapshot.initial(members, Q, N);
        RingSnapshot referenceAfter = reference.withMembers(members(13, 1, 2, 1, 3).subList(2, 13));
        for (int attempt = 0; attempt < 5; attempt++) {
            List<Member> shuffled = new ArrayList<>(members);
            Collections.shuffle(shuffled, random);
            RingSnapshot ring = RingSnapshot.initial(shuffled, Q, N);
            assertThat(ring).isEqualTo(reference);
            List<Member> changed = new ArrayList<>(members(13, 1, 2, 1, 3).subList(2, 13));
            Collections.shuffle(changed, random);
            assertThat(ring.withMembers(changed)).isEqualTo(referenceAfter);
        }
    }

    @Test
    void moreMembersThanPartitionsLeavesSomeOwningNothing() {
        RingSnapshot ring = RingSnapshot.initial(members(6), 4, N);
        int owning = 0;
        for (Member m : ring.members()) {
            int owned = ring.ownedPartitions(m.id()).length;
            assertThat(owned).isBetween(0, 1);
            owning += owned;
        }
        assertThat(owning).isEqualTo(4);
        for (int p = 0; p < 4; p++) {
            assertThat(ring.preferenceList(p)).hasSize(N).doesNotHaveDuplicates();
            assertThat(ring.ringWalk(p)).hasSize(6).doesNotHaveDuplicates();
        }
    }

    @Test
    void unevenRingReceivedFromAPeerIsRebalancedOnTheNextChange() {
        NodeId[] allOnOne = new NodeId[64];
        Arrays.fill(allOnOne, id(1));
        RingSnapshot received = RingSnapshot.of(7, members(4), N, allOnOne);
        RingSnapshot rebalanced = received.withMembers(members(4));
        assertThat(rebalanced.version()).isEqualTo(8);
        assertThat(moved(received, rebalanced)).isEqualTo(48);
        assertThat(ownedImbalance(rebalanced)).isLessThanOrEqualTo(1.0);
        assertThat(crowdedWindows(rebalanced)).isZero();
    }
}
