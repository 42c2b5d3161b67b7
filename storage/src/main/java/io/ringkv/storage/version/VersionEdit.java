package io.ringkv.storage.version;

import io.ringkv.storage.CorruptionException;
import io.ringkv.common.ByteSink;
import io.ringkv.storage.fs.ByteSource;
import java.util.ArrayList;
import java.util.List;

/** A change to the version set, one manifest record: files added/removed plus counters. */
public final class VersionEdit {
    private static final int TAG_LOG_NUMBER = 1;
    private static final int TAG_NEXT_FILE = 2;
    private static final int TAG_LAST_SEQUENCE = 3;
    private static final int TAG_DELETED_FILE = 4;
    private static final int TAG_NEW_FILE = 5;

    public record LevelFile(int level, FileMetaData file) {}

    public record Deleted(int level, long number) {}

    Long logNumber;
    Long nextFileNumber;
    Long lastSequence;
    final List<Deleted> deleted = new ArrayList<>();
    final List<LevelFile> added = new ArrayList<>();

    public VersionEdit logNumber(long n) {
        logNumber = n;
        return this;
    }

    public VersionEdit lastSequence(long s) {
        lastSequence = s;
        return this;
    }

    VersionEdit nextFileNumber(long n) {
        nextFileNumber = n;
        return this;
    }

    public VersionEdit deleteFile(int level, long number) {
        deleted.add(new Deleted(level, number));
        return this;
    }

    public VersionEdit addFile(int level, FileMetaData f) {
        added.add(new LevelFile(level, f));
        return this;
    }

    public List<LevelFile> added() {
        return added;
    }

    public List<Deleted> deletedFiles() {
        return deleted;
    }

    byte[] encode() {
        ByteSink out = new ByteSink(64 + added.size() * 64);
        if (logNumber != null) {
            out.writeByte(TAG_LOG_NUMBER).writeVarLong(logNumber);
        }
        if (nextFileNumber != null) {
            out.writeByte(TAG_NEXT_FILE).writeVarLong(nextFileNumber);
        }
        if (lastSequence != null) {
            out.writeByte(TAG_LAST_SEQUENCE).writeVarLong(lastSequence);
        }
        for (Deleted d : deleted) {
            out.writeByte(TAG_DELETED_FILE).writeVarLong(d.level()).writeVarLong(d.number());
        }
        for (LevelFile lf : added) {
            FileMetaData f = lf.file();
            out.writeByte(TAG_NEW_FILE).writeVarLong(lf.level()).writeVarLong(f.number()).writeVarLong(f.sizeBytes())
                    .writeVarLong(f.entries()).writeLengthPrefixed(f.smallest()).writeLengthPrefixed(f.largest());
        }
        return out.toByteArray();
    }

    static VersionEdit decode(byte[] b) {
        VersionEdit e = new VersionEdit();
        ByteSource in = new ByteSource(b);
        while (in.hasRemaining()) {
            int tag = in.readByte();
            switch (tag) {
                case TAG_LOG_NUMBER -> e.logNumber = in.readVarLong();
                case TAG_NEXT_FILE -> e.nextFileNumber = in.readVarLong();
                case TAG_LAST_SEQUENCE -> e.lastSequence = in.readVarLong();
                case TAG_DELETED_FILE -> e.deleted.add(new Deleted(level(in.readVarInt()), in.readVarLong()));
                case TAG_NEW_FILE -> {
                    int level = level(in.readVarInt());
                    long number = in.readVarLong();
                    long size = in.readVarLong();
                    long entries = in.readVarLong();
                    byte[] smallest = in.readLengthPrefixed();
                    byte[] largest = in.readLengthPrefixed();
                    if (smallest.length < 8 || largest.length < 8) {
                        throw new CorruptionException("manifest: bad key bounds for file " + number);
                    }
                    e.added.add(new LevelFile(level, new FileMetaData(number, size, smallest, largest, entries)));
                }
                default -> throw new CorruptionException("manifest: unknown tag " + tag);
            }
        }
        return e;
    }

    private static int level(int l) {
        if (l < 0 || l >= Version.LEVELS) {
            throw new CorruptionException("manifest: bad level " + l);
        }
        return l;
    }
}
