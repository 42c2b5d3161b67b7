package io.ringkv.storage.sstable;

import io.ringkv.storage.CorruptionException;
import io.ringkv.storage.fs.Checksums;
import io.ringkv.storage.fs.ReadableFile;
import io.ringkv.storage.key.InternalIterator;
import io.ringkv.storage.key.InternalKey;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4FastDecompressor;

/**
 * An open SSTable. Only the index block and bloom filter stay in memory; data blocks are read
 * on demand through the {@link BlockCache}, each verified against its CRC32C before use, so a
 * corrupt block raises {@link CorruptionException} and is never served.
 */
public final class Table implements AutoCloseable {
    private final long fileNumber;
    private final String name;
    private final ReadableFile file;
    private final BlockCache cache;
    private final Block index;
    private final byte[] filter;
    private final long entries;
    private final LZ4FastDecompressor decompressor = LZ4Factory.fastestInstance().fastDecompressor();

    private Table(long fileNumber, String name, ReadableFile file, BlockCache cache) {
        this.fileNumber = fileNumber;
        this.name = name;
        this.file = file;
        this.cache = cache;
        long size = file.size();
        if (size < Footer.BYTES) {
            throw new CorruptionException(name + ": file too short for a table (" + size + " bytes)");
        }
        byte[] f = new byte[Footer.BYTES];
        file.readFully(size - Footer.BYTES, f, 0, f.length);
        Footer footer = Footer.decode(f, name);
        this.entries = footer.entries();
        this.filter = readBlockBytes(footer.filter());
        this.index = new Block(readBlockBytes(footer.index()));
    }

    /** Opens a table; on failure the file is closed and the error rethrown. */
    public static Table open(long fileNumber, String name, ReadableFile file, BlockCache cache) {
        try {
            return new Table(fileNumber, name, file, cache);
        } catch (RuntimeException e) {
            file.close();
            throw e;
        }
    }

    public long fileNumber() {
        return fileNumber;
    }

    public long entries() {
        return entries;
    }

    private byte[] readBlockBytes(BlockHandle h) {
        if (h.offset() < 0 || h.size() < 0 || h.offset() + h.size() + BlockHandle.TRAILER_BYTES > file.size()) {
            throw new CorruptionException(name + ": block handle out of range " + h);
        }
        byte[] buf = new byte[h.size() + BlockHandle.TRAILER_BYTES];
        file.readFully(h.offset(), buf, 0, buf.length);
        int stored = ((buf[h.size() + 1] & 0xFF) << 24) | ((buf[h.size() + 2] & 0xFF) << 16)
                | ((buf[h.size() + 3] & 0xFF) << 8) | (buf[h.size() + 4] & 0xFF);
        if (stored != Checksums.crc32c(buf, 0, h.size() + 1)) {
            throw new CorruptionException(name + ": checksum mismatch in block at offset " + h.offset());
        }
        int type = buf[h.size()];
        if (type == TableBuilder.TYPE_RAW) {
            return java.util.Arrays.copyOf(buf, h.size());
        }
        if (type == TableBuilder.TYPE_LZ4) {
            if (h.size() < 4) {
                throw new CorruptionException(name + ": short compressed block at " + h.offset());
            }
            int rawLen = ((buf[0] & 0xFF) << 24) | ((buf[1] & 0xFF) << 16) | ((buf[2] & 0xFF) << 8) | (buf[3] & 0xFF);
            if (rawLen < 0 || rawLen > 64 << 20) {
                throw new CorruptionException(name + ": bad uncompressed length " + rawLen);
            }
            byte[] raw = new byte[rawLen];
            try {
                decompressor.decompress(buf, 4, raw, 0, rawLen);
            } catch (net.jpountz.lz4.LZ4Exception e) {
                throw new CorruptionException(name + ": undecodable compressed block at " + h.offset() + ": " + e);
            }
            return raw;
        }
        throw new CorruptionException(name + ": unknown block type " + type + " at " + h.offset());
    }

    private Block dataBlock(byte[] encodedHandle, boolean fillCache) {
        BlockHandle h = BlockHandle.decode(encodedHandle);
        return cache.get(fileNumber, h.offset(), fillCache, () -> new Block(readBlockBytes(h)));
    }

    public boolean mayContain(byte[] userKey) {
        return BloomFilter.mayContain(filter, BloomFilter.hash(userKey));
    }

    /**
     * The first entry >= {@code seekKey} if it has {@code userKey}'s user key, as
     * {@code {internalKey, value}}; null when this table has no visible version.
     */
    public byte[][] get(byte[] userKey, long userKeyHash, byte[] seekKey) {
        if (!BloomFilter.mayContain(filter, userKeyHash)) {
            return null;
        }
        InternalIterator idx = index.iterator();
        idx.seek(seekKey);
        if (!idx.valid()) {
            return null;
        }
        InternalIterator it = dataBlock(idx.value(), true).iterator();
        it.seek(seekKey);
        if (!it.valid()) {
            // The index key is the block's last key, so the seek key lies in this block or the next.
            idx.next();
            if (!idx.valid()) {
                return null;
            }
            it = dataBlock(idx.value(), true).iterator();
            it.seek(seekKey);
            if (!it.valid()) {
                return null;
            }
        }
        if (InternalKey.compareUserKey(it.key(), userKey) != 0) {
            return null;
        }
        return new byte[][] {it.key(), it.value()};
    }

    /** A two-level iterator: index block, then data blocks loaded lazily. */
    public InternalIterator iterator(boolean fillCache) {
        return new TwoLevelIterator(fillCache);
    }

    @Override
    public void close() {
        file.close();
    }

    @Override
    public String toString() {
        return name;
    }

    private final class TwoLevelIterator implements InternalIterator {
        private final boolean fillCache;
        private final InternalIterator idx = index.iterator();
        private InternalIterator data;

        /** Unpositioned until seekToFirst or seek: opening costs no block read. */
        TwoLevelIterator(boolean fillCache) {
            this.fillCache = fillCache;
        }

        private void loadData() {
            data = idx.valid() ? dataBlock(idx.value(), fillCache).iterator() : null;
            if (data != null) {
                data.seekToFirst();
            }
        }

        private void skipEmpty() {
            while (data != null && !data.valid()) {
                idx.next();
                loadData();
            }
        }

        @Override
        public boolean valid() {
            return data != null && data.valid();
        }

        @Override
        public byte[] key() {
            return data.key();
        }

        @Override
        public byte[] value() {
            return data.value();
        }

        @Override
        public void next() {
            data.next();
            skipEmpty();
        }

        @Override
        public void seekToFirst() {
            idx.seekToFirst();
            loadData();
            skipEmpty();
        }

        @Override
        public void seek(byte[] internalKey) {
            idx.seek(internalKey);
            loadData();
            if (data != null) {
                data.seek(internalKey);
            }
            skipEmpty();
        }
    }
}
