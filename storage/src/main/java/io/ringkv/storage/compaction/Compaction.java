package io.ringkv.storage.compaction;

import io.ringkv.storage.version.FileMetaData;
import io.ringkv.storage.version.Version;
import java.util.ArrayList;
import java.util.List;

/** One compaction's inputs: files of {@code level} and the overlapping files of {@code level + 1}. */
public final class Compaction {
    private final Version inputVersion;
    private final int level;
    private final List<FileMetaData> inputs;
    private final List<FileMetaData> overlapping;

    public Compaction(Version inputVersion, int level, List<FileMetaData> inputs, List<FileMetaData> overlapping) {
        this.inputVersion = inputVersion;
        this.level = level;
        this.inputs = List.copyOf(inputs);
        this.overlapping = List.copyOf(overlapping);
    }

    public Version inputVersion() {
        return inputVersion;
    }

    public int level() {
        return level;
    }

    public int outputLevel() {
        return level + 1;
    }

    public List<FileMetaData> inputs() {
        return inputs;
    }

    public List<FileMetaData> overlapping() {
        return overlapping;
    }

    public List<FileMetaData> allInputs() {
        List<FileMetaData> all = new ArrayList<>(inputs);
        all.addAll(overlapping);
        return all;
    }

    public long inputBytes() {
        long n = 0;
        for (FileMetaData f : allInputs()) {
            n += f.sizeBytes();
        }
        return n;
    }

    /**
     * Files can simply be relinked one level down when nothing in the next level overlaps and
     * the inputs do not overlap each other (always true above level 0; checked for level 0).
     */
    public boolean isTrivialMove() {
        if (!overlapping.isEmpty()) {
            return false;
        }
        if (level > 0) {
            return true;
        }
        List<FileMetaData> sorted = new ArrayList<>(inputs);
        sorted.sort((a, b) -> io.ringkv.storage.key.InternalKey.compare(a.smallest(), b.smallest()));
        for (int i = 1; i < sorted.size(); i++) {
            if (io.ringkv.common.Bytes.compare(sorted.get(i - 1).largestUserKey(), sorted.get(i).smallestUserKey()) >= 0) {
                return false;
            }
        }
        return true;
    }

    /** True when no level below the output level holds {@code userKey}, so a tombstone for it can go. */
    public boolean isBaseLevelForKey(byte[] userKey) {
        for (int l = outputLevel() + 1; l < Version.LEVELS; l++) {
            if (inputVersion.findFile(l, userKey) != null) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return "L" + level + "->L" + outputLevel() + " inputs=" + inputs.size() + "+" + overlapping.size();
    }
}
