package io.ringkv.storage.compaction;

import io.ringkv.storage.key.InternalKey;
import io.ringkv.storage.version.FileMetaData;
import io.ringkv.storage.version.Version;
import java.util.ArrayList;
import java.util.List;

/**
 * Leveled compaction policy (LevelDB's): level 0 is scored by file count against
 * {@code l0CompactionTrigger}, level n >= 1 by bytes against
 * {@code levelBaseBytes * levelMultiplier^(n-1)}; the highest score >= 1 wins. Within a level
 * the file after the last compacted key is chosen (round robin over the key space).
 * Not thread-safe: used by the single compaction thread under the engine mutex.
 */
public final class CompactionPicker {
    private final int l0CompactionTrigger;
    private final long levelBaseBytes;
    private final int levelMultiplier;
    private final byte[][] compactPointer = new byte[Version.LEVELS][];

    public CompactionPicker(int l0CompactionTrigger, long levelBaseBytes, int levelMultiplier) {
        this.l0CompactionTrigger = l0CompactionTrigger;
        this.levelBaseBytes = levelBaseBytes;
        this.levelMultiplier = levelMultiplier;
    }

    public long maxBytesForLevel(int level) {
        double bytes = levelBaseBytes;
        for (int l = 1; l < level; l++) {
            bytes *= levelMultiplier;
        }
        return (long) Math.min(Long.MAX_VALUE, bytes);
    }

    public double score(Version v, int level) {
        if (level == 0) {
            return v.numFiles(0) / (double) l0CompactionTrigger;
        }
        return v.levelBytes(level) / (double) maxBytesForLevel(level);
    }

    public boolean needsCompaction(Version v) {
        for (int level = 0; level < Version.LEVELS - 1; level++) {
            if (score(v, level) >= 1.0) {
                return true;
            }
        }
        return false;
    }

    /** Bytes that compaction still has to rewrite to bring every level under its target (an estimate). */
    public long pendingCompactionBytes(Version v) {
        long pending = 0;
        if (v.numFiles(0) >= l0CompactionTrigger) {
            pending += v.levelBytes(0) + v.levelBytes(1);
        }
        for (int level = 1; level < Version.LEVELS - 1; level++) {
            long excess = v.levelBytes(level) - maxBytesForLevel(level);
            if (excess > 0) {
                // Each excess byte merges with about levelMultiplier bytes of the next level.
                pending += excess * (1 + levelMultiplier);
            }
        }
        return pending;
    }

    /** The most urgent compaction, or null. The caller references the version for the job's duration. */
    public Compaction pick(Version v) {
        int best = -1;
        double bestScore = 1.0;
        for (int level = 0; level < Version.LEVELS - 1; level++) {
            double s = score(v, level);
            if (s >= bestScore) {
                best = level;
                bestScore = s;
            }
        }
        if (best < 0) {
            return null;
        }
        List<FileMetaData> inputs = new ArrayList<>();
        if (best == 0) {
            // All of level 0: its files overlap, and taking all keeps level 0 strictly newer than level 1.
            inputs.addAll(v.files(0));
        } else {
            FileMetaData chosen = null;
            for (FileMetaData f : v.files(best)) {
                if (compactPointer[best] == null || InternalKey.compare(f.largest(), compactPointer[best]) > 0) {
                    chosen = f;
                    break;
                }
            }
            if (chosen == null) {
                chosen = v.files(best).get(0);
            }
            inputs.add(chosen);
            compactPointer[best] = chosen.largest();
        }
        return forInputs(v, best, inputs);
    }

    public static Compaction forInputs(Version v, int level, List<FileMetaData> inputs) {
        byte[] smallest = null;
        byte[] largest = null;
        for (FileMetaData f : inputs) {
            if (smallest == null || InternalKey.compare(f.smallest(), smallest) < 0) {
                smallest = f.smallest();
            }
            if (largest == null || InternalKey.compare(f.largest(), largest) > 0) {
                largest = f.largest();
            }
        }
        List<FileMetaData> overlapping = v.overlapping(level + 1, InternalKey.userKey(smallest),
                InternalKey.userKey(largest));
        return new Compaction(v, level, inputs, overlapping);
    }
}
