package io.ringkv.ring.partition;

import static io.ringkv.ring.partition.Rings.member;
import static io.ringkv.ring.partition.Rings.moved;
import static io.ringkv.ring.partition.Rings.ownedImbalance;
import static org.assertj.core.api.Assertions.assertThat;

import io.ringkv.ring.NodeId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** Invariants of the claim under arbitrary membership changes (jqwik prints the seed on failure). */
class ClaimPropertyTest {

    @Property(tries = 60)
    void anyChangeKeepsSharesAndMovesLittleMoreThanItMust(
            @ForAll @Size(min = 1, max = 24) List<@IntRange(min = 0, max = 3) Integer> before,
            @ForAll @Size(min = 1, max = 24) List<@IntRange(min = 0, max = 3) Integer> after,
            @ForAll @IntRange(min = 1, max = 5) int replicationFactor,
            @ForAll @IntRange(min = 5, max = 8) int partitionBits) {
        // Element i is node i's weight, 0 meaning "not a member"; at least one member each side.
        List<Member> oldMembers = membersFromWeights(before);
        List<Member> newMembers = membersFromWeights(after);
        if (oldMembers.isEmpty() || newMembers.isEmpty()) {
            return;
        }
        RingSnapshot ring = RingSnapshot.initial(oldMembers, 1 << partitionBits, replicationFactor);
        RingSnapshot changed = ring.withMembers(newMembers);
        checkInvariants(ring);
        checkInvariants(changed);
        int required = requiredMoves(ring, changed.members());
        int spacing = Math.min(replicationFactor, newMembers.size());
        assertThat(moved(ring, changed)).isBetween(required, required + Math.max(spacing, required / 4));
    }

    private static void checkInvariants(RingSnapshot ring) {
        assertThat(ownedImbalance(ring)).isLessThanOrEqualTo(1.0);
        int length = Math.min(ring.replicationFactor(), ring.members().size());
        for (int p = 0; p < ring.partitionCount(); p++) {
            assertThat(ring.preferenceList(p)).hasSize(length).doesNotHaveDuplicates().startsWith(ring.owner(p));
        }
    }

    /** Partitions of departed members plus each survivor's excess over its new target. */
    private static int requiredMoves(RingSnapshot ring, List<Member> newMembers) {
        Map<NodeId, Integer> oldCounts = new HashMap<>();
        for (NodeId owner : ring.owners()) {
            oldCounts.merge(owner, 1, Integer::sum);
        }
        int[] weights = newMembers.stream().mapToInt(Member::weight).toArray();
        int[] counts = newMembers.stream().mapToInt(m -> oldCounts.getOrDefault(m.id(), 0)).toArray();
        int[] targets = Claimant.targets(weights, ring.partitionCount(), counts);
        int required = ring.partitionCount();
        for (int i = 0; i < counts.length; i++) {
            required -= Math.min(counts[i], targets[i]);
        }
        return required;
    }

    private static List<Member> membersFromWeights(List<Integer> weights) {
        List<Member> members = new ArrayList<>();
        for (int i = 0; i < weights.size(); i++) {
            if (weights.get(i) > 0) {
                members.add(member(i + 1, weights.get(i)));
            }
        }
        return members;
    }
}
