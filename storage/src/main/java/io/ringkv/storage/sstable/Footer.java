package io.ringkv.storage.sstable;

import io.ringkv.storage.CorruptionException;
import io.ringkv.common.ByteSink;
import io.ringkv.storage.fs.ByteSource;
import io.ringkv.storage.fs.Checksums;

/**
 * The fixed-size end of a table: filter and index handles, entry count, format version, magic.
 * Layout: {@code filterOffset u64, filterSize u32, indexOffset u64, indexSize u32,
 * entries u64, crc32c u32 (of the preceding 32 bytes), version u32, magic u64}.
 */
public record Footer(BlockHandle filter, BlockHandle index, long entries) {
    public static final int BYTES = 48;
    public static final long MAGIC = 0x52696e674b565353L; // "RingKVSS"
    public static final int FORMAT_VERSION = 1;

    public byte[] encode() {
        ByteSink out = new ByteSink(BYTES);
        out.writeLong(filter.offset()).writeInt(filter.size()).writeLong(index.offset()).writeInt(index.size())
                .writeLong(entries);
        out.writeInt(Checksums.crc32c(out.array(), 0, 32));
        out.writeInt(FORMAT_VERSION).writeLong(MAGIC);
        return out.toByteArray();
    }

    public static Footer decode(byte[] b, String file) {
        ByteSource in = new ByteSource(b);
        long fo = in.readLong();
        int fs = in.readInt();
        long ioff = in.readLong();
        int is = in.readInt();
        long entries = in.readLong();
        int crc = in.readInt();
        int version = in.readInt();
        long magic = in.readLong();
        if (magic != MAGIC) {
            throw new CorruptionException(file + ": bad table magic " + Long.toHexString(magic));
        }
        if (version != FORMAT_VERSION) {
            throw new CorruptionException(file + ": unsupported table format version " + version);
        }
        if (crc != Checksums.crc32c(b, 0, 32)) {
            throw new CorruptionException(file + ": footer checksum mismatch");
        }
        return new Footer(new BlockHandle(fo, fs), new BlockHandle(ioff, is), entries);
    }
}
