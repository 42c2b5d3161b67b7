package io.ringkv.storage.version;

import io.ringkv.storage.key.InternalKey;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An immutable set of live tables per level. Level 0 files may overlap and are ordered newest
 * first; files in levels >= 1 are disjoint and ordered by key. Reference-counted so that files
 * read by an iterator or snapshot are not deleted by a compaction that made them obsolete.
 */
public final class Version {
    public static final int LEVELS = 7;

    private final List<List<FileMetaData>> levels;
    private final AtomicInteger refs = new AtomicInteger();
    private final VersionSet owner;

    Version(VersionSet owner, List<List<FileMetaData>> levels) {
        this.owner = owner;
        List<List<FileMetaData>> copy = new ArrayList<>(LEVELS);
        for (List<FileMetaData> l : levels) {
            copy.add(Collections.unmodifiableList(new ArrayList<>(l)));
        }
        this.levels = Collections.unmodifiableList(copy);
    }

    public List<FileMetaData> files(int level) {
        return levels.get(level);
    }

    public int numFiles(int level) {
        return levels.get(level).size();
    }

    public long levelBytes(int level) {
        long sum = 0;
        for (FileMetaData f : levels.get(level)) {
            sum += f.sizeBytes();
        }
        return sum;
    }

    public int totalFiles() {
        int n = 0;
        for (List<FileMetaData> l : levels) {
            n += l.size();
        }
        return n;
    }

    /** Files of {@code level} whose user-key range intersects {@code [from, to]} (inclusive, null = unbounded). */
    public List<FileMetaData> overlapping(int level, byte[] fromUserKey, byte[] toUserKey) {
        List<FileMetaData> out = new ArrayList<>();
        for (FileMetaData f : levels.get(level)) {
            if (f.overlapsUserRange(fromUserKey, toUserKey)) {
                out.add(f);
            }
        }
        return out;
    }

    /** In a level >= 1, the only file that may contain {@code userKey}, or null. */
    public FileMetaData findFile(int level, byte[] userKey) {
        List<FileMetaData> files = levels.get(level);
        int lo = 0;
        int hi = files.size();
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (InternalKey.compareUserKey(files.get(mid).largest(), userKey) < 0) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        if (lo < files.size() && InternalKey.compareUserKey(files.get(lo).smallest(), userKey) <= 0) {
            return files.get(lo);
        }
        return null;
    }

    public void ref() {
        refs.incrementAndGet();
    }

    /**
     * Adds a reference unless the count already reached zero (the version is dead and its
     * files may be gone); lets readers pin the current version without taking a lock.
     */
    public boolean tryRef() {
        while (true) {
            int n = refs.get();
            if (n == 0) {
                return false;
            }
            if (refs.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    /** Drops a reference; the last one lets the owner forget this version (and its files). Returns true then. */
    public boolean unref() {
        int n = refs.decrementAndGet();
        if (n < 0) {
            throw new IllegalStateException("version unreferenced too often");
        }
        if (n == 0) {
            owner.versionReleased(this);
            return true;
        }
        return false;
    }
}
