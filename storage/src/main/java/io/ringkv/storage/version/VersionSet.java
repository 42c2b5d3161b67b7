package io.ringkv.storage.version;

import io.ringkv.common.Bytes;
import io.ringkv.storage.CorruptionException;
import io.ringkv.storage.StorageException;
import io.ringkv.storage.fs.FileSystem;
import io.ringkv.storage.fs.ReadableFile;
import io.ringkv.storage.fs.WritableFile;
import io.ringkv.storage.key.InternalKey;
import io.ringkv.storage.wal.LogReader;
import io.ringkv.storage.wal.LogWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The manifest: the durable record of which tables are live at which level, the WAL number
 * still needed, the next file number and the last sequence. Each {@link #logAndApply} appends
 * one CRC'd edit record to the manifest and fsyncs it before the new version is installed. On
 * open a fresh manifest holding a full snapshot is written and CURRENT is switched to it by an
 * atomic rename, so a crash at any point leaves CURRENT naming a complete manifest.
 *
 * <p>Not thread-safe by itself: the engine calls it under its mutex (except
 * {@link Version#unref}, which is safe anywhere).
 */
public final class VersionSet implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(VersionSet.class);

    private final Path dir;
    private final FileSystem fs;
    private final Set<Version> alive = Collections.synchronizedSet(Collections.newSetFromMap(new IdentityHashMap<>()));
    private volatile Version current;
    private long nextFileNumber = 2;
    private long logNumber;
    private long lastSequence;
    private long manifestNumber;
    private LogWriter manifest;

    public VersionSet(Path dir, FileSystem fs) {
        this.dir = dir;
        this.fs = fs;
    }

    /** Loads the state named by CURRENT (or starts empty) and switches to a fresh manifest. */
    public void recover() {
        List<List<FileMetaData>> levels = emptyLevels();
        Path currentFile = dir.resolve(FileNames.CURRENT);
        if (fs.exists(currentFile)) {
            String name = readCurrent(currentFile);
            Path manifestPath = dir.resolve(name);
            if (!fs.exists(manifestPath)) {
                throw new CorruptionException("CURRENT names missing manifest " + name);
            }
            boolean[] sawCounters = new boolean[3];
            LogReader.Result r;
            try (ReadableFile f = fs.openRead(manifestPath)) {
                r = LogReader.read(f, payload -> {
                    VersionEdit e = VersionEdit.decode(payload);
                    applyTo(levels, e);
                    if (e.logNumber != null) {
                        logNumber = e.logNumber;
                        sawCounters[0] = true;
                    }
                    if (e.nextFileNumber != null) {
                        nextFileNumber = e.nextFileNumber;
                        sawCounters[1] = true;
                    }
                    if (e.lastSequence != null) {
                        lastSequence = e.lastSequence;
                        sawCounters[2] = true;
                    }
                });
            }
            if (!r.clean()) {
                // An incomplete last record is an edit whose logAndApply never returned (crash
                // mid-append): it was not acknowledged, so ignoring it is correct. Anything else
                // is damage to acknowledged state.
                if (!r.tornTail()) {
                    throw new CorruptionException("manifest " + name + " is corrupt: " + r.problem());
                }
                log.warn("manifest {}: ignoring torn last record ({} bytes): {}", name, r.droppedBytes(), r.problem());
            }
            if (!sawCounters[0] || !sawCounters[1] || !sawCounters[2]) {
                throw new CorruptionException("manifest " + name + " lacks log number, next file or last sequence");
            }
            manifestNumber = FileNames.parse(name).number();
            for (List<FileMetaData> l : levels) {
                for (FileMetaData f : l) {
                    if (!fs.exists(FileNames.table(dir, f.number()))) {
                        throw new CorruptionException("manifest " + name + " names missing table " + f);
                    }
                    nextFileNumber = Math.max(nextFileNumber, f.number() + 1);
                }
            }
        }
        // Files created after the last edit (a new WAL, an unfinished table) may carry numbers
        // beyond the recorded next-file counter; never hand those numbers out again.
        for (String n : fs.list(dir)) {
            FileNames.Parsed p = FileNames.parse(n);
            if (p.kind() == FileNames.Kind.LOG || p.kind() == FileNames.Kind.TABLE
                    || p.kind() == FileNames.Kind.MANIFEST) {
                nextFileNumber = Math.max(nextFileNumber, p.number() + 1);
            }
        }
        install(newVersion(levels));
        writeNewManifest();
    }

    private String readCurrent(Path currentFile) {
        try (ReadableFile f = fs.openRead(currentFile)) {
            byte[] b = new byte[(int) Math.min(256, f.size())];
            f.readFully(0, b, 0, b.length);
            String s = new String(b, StandardCharsets.UTF_8);
            if (!s.endsWith("\n") || FileNames.parse(s.trim()).kind() != FileNames.Kind.MANIFEST) {
                throw new CorruptionException("CURRENT is malformed: '" + s.trim() + "'");
            }
            return s.trim();
        }
    }

    private void writeNewManifest() {
        long number = nextFileNumber++;
        String name = FileNames.manifestName(number);
        WritableFile f = fs.create(dir.resolve(name));
        LogWriter w = new LogWriter(f, number);
        boolean ok = false;
        try {
            VersionEdit snapshot = new VersionEdit().logNumber(logNumber).nextFileNumber(nextFileNumber)
                    .lastSequence(lastSequence);
            for (int level = 0; level < Version.LEVELS; level++) {
                for (FileMetaData fm : current.files(level)) {
                    snapshot.addFile(level, fm);
                }
            }
            w.append(snapshot.encode());
            w.sync();
            Path tmp = FileNames.temp(dir, number);
            try (WritableFile t = fs.create(tmp)) {
                t.append((name + "\n").getBytes(StandardCharsets.UTF_8));
                t.sync();
            }
            fs.rename(tmp, dir.resolve(FileNames.CURRENT));
            fs.syncDirectory(dir);
            ok = true;
        } finally {
            if (!ok) {
                w.close();
            }
        }
        if (manifest != null) {
            manifest.close();
        }
        manifest = w;
        manifestNumber = number;
    }

    /**
     * Records {@code edit} durably (append + fsync) and installs the resulting version. The
     * caller sets the log number and last sequence it wants recorded.
     */
    public void logAndApply(VersionEdit edit) {
        if (manifest == null) {
            throw new StorageException("manifest is closed");
        }
        edit.nextFileNumber(nextFileNumber);
        List<List<FileMetaData>> levels = copyLevels(current);
        applyTo(levels, edit);
        Version v = newVersion(levels);
        manifest.append(edit.encode());
        manifest.sync();
        if (edit.logNumber != null) {
            logNumber = edit.logNumber;
        }
        if (edit.lastSequence != null) {
            lastSequence = edit.lastSequence;
        }
        install(v);
    }

    private void install(Version v) {
        v.ref();
        alive.add(v);
        Version old = current;
        current = v;
        if (old != null) {
            old.unref();
        }
    }

    private Version newVersion(List<List<FileMetaData>> levels) {
        levels.get(0).sort((a, b) -> Long.compare(b.number(), a.number()));
        for (int level = 1; level < Version.LEVELS; level++) {
            List<FileMetaData> l = levels.get(level);
            l.sort((a, b) -> InternalKey.compare(a.smallest(), b.smallest()));
            for (int i = 1; i < l.size(); i++) {
                if (InternalKey.compare(l.get(i - 1).largest(), l.get(i).smallest()) >= 0
                        || Bytes.compare(l.get(i - 1).largestUserKey(), l.get(i).smallestUserKey()) == 0) {
                    throw new IllegalStateException("overlapping files in level " + level + ": " + l.get(i - 1)
                            + " and " + l.get(i));
                }
            }
        }
        return new Version(this, levels);
    }

    private static void applyTo(List<List<FileMetaData>> levels, VersionEdit e) {
        for (VersionEdit.Deleted d : e.deleted) {
            boolean removed = levels.get(d.level()).removeIf(f -> f.number() == d.number());
            if (!removed) {
                throw new CorruptionException("edit deletes file " + d.number() + " not in level " + d.level());
            }
        }
        for (VersionEdit.LevelFile lf : e.added) {
            levels.get(lf.level()).add(lf.file());
        }
    }

    private static List<List<FileMetaData>> emptyLevels() {
        List<List<FileMetaData>> levels = new ArrayList<>();
        for (int i = 0; i < Version.LEVELS; i++) {
            levels.add(new ArrayList<>());
        }
        return levels;
    }

    private static List<List<FileMetaData>> copyLevels(Version v) {
        List<List<FileMetaData>> levels = new ArrayList<>();
        for (int i = 0; i < Version.LEVELS; i++) {
            levels.add(new ArrayList<>(v.files(i)));
        }
        return levels;
    }

    void versionReleased(Version v) {
        alive.remove(v);
    }

    /** The current version, referenced: the caller must {@link Version#unref()} it. */
    public Version acquireCurrent() {
        Version v = current;
        v.ref();
        return v;
    }

    public Version current() {
        return current;
    }

    /** Table numbers referenced by any version still in use. */
    public Set<Long> liveTableNumbers() {
        Set<Long> live = new HashSet<>();
        synchronized (alive) {
            for (Version v : alive) {
                for (int level = 0; level < Version.LEVELS; level++) {
                    for (FileMetaData f : v.files(level)) {
                        live.add(f.number());
                    }
                }
            }
        }
        return live;
    }

    public long newFileNumber() {
        return nextFileNumber++;
    }

    public long logNumber() {
        return logNumber;
    }

    public long lastSequence() {
        return lastSequence;
    }

    public long manifestNumber() {
        return manifestNumber;
    }

    @Override
    public void close() {
        if (manifest != null) {
            manifest.close();
            manifest = null;
        }
    }
}
