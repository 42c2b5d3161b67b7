package io.ringkv.ring.repair;

import io.ringkv.ring.Record;
import io.ringkv.ring.partition.Murmur3;
import io.ringkv.ring.version.Siblings;
import io.ringkv.ring.version.Version;
import io.ringkv.ring.version.VersionVector;

/**
 * The anti-entropy hash tree of one partition, after Riak's Tictac AAE: a fixed three-level
 * shape (one root, {@link #branchCount()} branches, {@link #leafCount()} leaves) whose every
 * node is the XOR of the contributions of the keys below it. XOR makes the tree order
 * independent and updatable in O(1): a key changing from set {@code a} to set {@code b} XORs
 * {@code contribution(key, a) ^ contribution(key, b)} into its leaf, its branch and the root.
 *
 * <p>Keys are placed in leaves by the bits of their token just below the partition bits, so
 * a leaf is a contiguous token range, i.e. one contiguous range of storage keys: listing the
 * keys of a leaf is a range scan, not a scan of the whole partition. (Keys sharing a hash tag
 * share a token, hence a leaf; such groups are small by design.) Branch {@code b} holds leaves
 * {@code [b * leavesPerBranch, (b + 1) * leavesPerBranch)}.
 *
 * <p>A key's contribution mixes a 64-bit hash of its bytes with {@link #versionDigest}, which
 * depends on the causal clock and each sibling's dot and lifetime only, never on value bytes:
 * a dot identifies one write, so equal dots mean equal values. An expired value and the
 * tombstone {@code ReplicaStore.reclaimExpired} turns it into (same dot, stamped at the old
 * deadline) hash alike, so replicas that reclaim at different moments do not look divergent.
 *
 * <p>Not thread-safe: {@link RepairTrees} guards each tree with its partition's monitor. Also
 * counts changes per leaf, so a leaf recomputed from a scan can be installed only when nothing
 * touched it meanwhile (see {@link RepairTrees}).
 */
public final class TictacTree {
    /** Smallest leaf count: keeps the bit arithmetic of {@link #leafOf} away from shifts by 64. */
    public static final int LEAF_COUNT_MIN = 4;
    /** Largest leaf count: 2^20 leaves is 8 MiB per partition, already far too big to keep for many. */
    public static final int LEAF_COUNT_MAX = 1 << 20;

    private static final long K1 = 0x9E3779B97F4A7C15L;
    private static final long K2 = 0xC2B2AE3D27D4EB4FL;

    private final int leafBits;
    private final int branchShift;
    private final long[] leaves;
    private final long[] branches;
    private final int[] leafChanges;
    private long root;

    /** @param leafCount a power of two in [{@link #LEAF_COUNT_MIN}, {@link #LEAF_COUNT_MAX}] */
    public TictacTree(int leafCount) {
        checkLeafCount(leafCount);
        this.leafBits = Integer.numberOfTrailingZeros(leafCount);
        // Branches and leaves per branch both about sqrt(leafCount): each descent step then sends
        // about as many hashes as the other (1024 leaves: 32 branches of 32 leaves).
        this.branchShift = leafBits / 2;
        this.leaves = new long[leafCount];
        this.branches = new long[leafCount >>> branchShift];
        this.leafChanges = new int[leafCount];
    }

    static void checkLeafCount(int leafCount) {
        if (Integer.bitCount(leafCount) != 1 || leafCount < LEAF_COUNT_MIN || leafCount > LEAF_COUNT_MAX) {
            throw new IllegalArgumentException("leaf count must be a power of two in [" + LEAF_COUNT_MIN + ", " + LEAF_COUNT_MAX
                    + "]: " + leafCount);
        }
    }

    public int leafCount() {
        return leaves.length;
    }

    public int branchCount() {
        return branches.length;
    }

    public int leavesPerBranch() {
        return 1 << branchShift;
    }

    public long root() {
        return root;
    }

    public long branch(int branch) {
        return branches[branch];
    }

    public long leaf(int leaf) {
        return leaves[leaf];
    }

    /** Changes applied to {@code leaf} so far (wraps; only equality of two readings matters). */
    int leafChanges(int leaf) {
        return leafChanges[leaf];
    }

    /** XORs {@code delta} into a leaf and its ancestors. */
    public void apply(int leaf, long delta) {
        leafChanges[leaf]++;
        if (delta == 0) {
            return;
        }
        leaves[leaf] ^= delta;
        branches[leaf >>> branchShift] ^= delta;
        root ^= delta;
    }

    /** Replaces a leaf's hash by one recomputed from storage (the ancestors follow). */
    void setLeaf(int leaf, long hash) {
        long delta = leaves[leaf] ^ hash;
        leaves[leaf] = hash;
        branches[leaf >>> branchShift] ^= delta;
        root ^= delta;
    }

    /**
     * The leaf of a token within its partition: the {@code log2(leafCount)} bits right below
     * the partition's {@code log2(partitionCount)} top bits.
     */
    public static int leafOf(long token, int partitionCount, int leafCount) {
        int partitionBits = Integer.numberOfTrailingZeros(partitionCount);
        int leafBits = Integer.numberOfTrailingZeros(leafCount);
        return (int) ((token << partitionBits) >>> (64 - leafBits));
    }

    /** The first token of {@code leaf} in the partition starting at {@code partitionFirstToken}. */
    public static long leafFirstToken(long partitionFirstToken, int partitionCount, int leaf, int leafCount) {
        int partitionBits = Integer.numberOfTrailingZeros(partitionCount);
        int leafBits = Integer.numberOfTrailingZeros(leafCount);
        if (partitionBits + leafBits > 64) {
            throw new IllegalArgumentException("partition and leaf bits exceed a token");
        }
        return partitionFirstToken | (((long) leaf) << (64 - partitionBits - leafBits));
    }

    /** What a key holding {@code set} adds to its leaf; 0 for an absent key (null or empty). */
    public static long contribution(byte[] key, Siblings set) {
        if (set == null || (set.isEmpty() && set.clock().isEmpty())) {
            return 0;
        }
        return contribution(keyHash(key), versionDigest(set));
    }

    /** The contribution of a key by its {@link #keyHash} and {@link #versionDigest}. */
    public static long contribution(long keyHash, long digest) {
        return mix(keyHash ^ mix(digest + K2));
    }

    /** A 64-bit hash of the whole key (not only its hash tag, unlike the token). */
    public static long keyHash(byte[] key) {
        return Murmur3.hash64(key, 0, key.length);
    }

    /**
     * A deterministic digest of a sibling set: its causal clock, and per sibling its dot and
     * its lifetime: a tombstone's timestamp, a value's deadline, or 0 for a value that never
     * expires. Value bytes and write timestamps are left out: the dot names the write. A
     * value with deadline {@code d} and the tombstone stamped {@code d} under the same dot
     * (what reclaiming an expired value produces) therefore digest alike.
     *
     * <p>Node ids enter through {@link String#hashCode}, which the language specifies, so
     * every node computes the same digest. Allocates nothing: it runs under key locks.
     */
    public static long versionDigest(Siblings set) {
        VersionVector clock = set.clock();
        long h = K1;
        int entries = clock.size();
        for (int i = 0; i < entries; i++) {
            h = mix(h + clock.nodeAt(i).id().hashCode());
            h = mix(h + clock.counterAt(i));
        }
        h = mix(h + entries);
        for (Version v : set.versions()) {
            h = mix(h + v.dot().node().id().hashCode());
            h = mix(h + v.dot().counter());
            h = mix(h + lifetime(v.record()));
        }
        return h;
    }

    /**
     * A tombstone's stamp, an expiring value's write time (which is also the stamp of the
     * tombstone it is reclaimed into, so the two digest alike), 0 for a value without expiry.
     */
    private static long lifetime(Record r) {
        return r.isTombstone() || r.hasExpiry() ? r.timestampMillis() : 0;
    }

    private static long mix(long k) {
        return Murmur3.fmix(k);
    }
}
