package io.ringkv.storage.sstable;

import io.ringkv.common.ByteSink;
import io.ringkv.storage.fs.Checksums;
import io.ringkv.storage.fs.WritableFile;
import io.ringkv.storage.key.InternalKey;
import java.util.Arrays;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Factory;

/**
 * Writes one SSTable: data blocks (prefix-compressed, optionally LZ4), a bloom filter block
 * over user keys, an index block (last internal key of each data block -> handle) and a
 * {@link Footer}. Every block is followed by a type byte and a CRC32C of payload + type.
 * The caller fsyncs and closes the file after {@link #finish()}.
 */
public final class TableBuilder {
    static final int TYPE_RAW = 0;
    static final int TYPE_LZ4 = 1;
    private static final int RESTART_INTERVAL = 16;
    private static final int WRITE_BUFFER_BYTES = 256 << 10;

    private final WritableFile file;
    private final int blockBytes;
    private final int bloomBitsPerKey;
    private final LZ4Compressor compressor;
    private final BlockBuilder dataBlock;
    private final BlockBuilder indexBlock = new BlockBuilder(1, 4096);
    private final ByteSink pending = new ByteSink(WRITE_BUFFER_BYTES + 8192);
    private long offset;
    private long[] hashes = new long[1024];
    private int hashCount;
    private byte[] lastKey;
    private byte[] smallest;
    private long entries;
    private boolean finished;

    public TableBuilder(WritableFile file, int blockBytes, int bloomBitsPerKey, boolean compression) {
        this.file = file;
        this.blockBytes = blockBytes;
        this.bloomBitsPerKey = bloomBitsPerKey;
        this.compressor = compression ? LZ4Factory.fastestInstance().fastCompressor() : null;
        this.dataBlock = new BlockBuilder(RESTART_INTERVAL, blockBytes);
    }

    /** Adds an entry; keys must arrive in strictly increasing internal-key order. */
    public void add(byte[] internalKey, byte[] value) {
        if (lastKey != null && InternalKey.compare(lastKey, internalKey) >= 0) {
            throw new IllegalStateException("keys out of order: " + InternalKey.describe(lastKey) + " then "
                    + InternalKey.describe(internalKey));
        }
        if (lastKey == null || !InternalKey.sameUserKey(lastKey, internalKey)) {
            if (hashCount == hashes.length) {
                hashes = Arrays.copyOf(hashes, hashes.length * 2);
            }
            hashes[hashCount++] = BloomFilter.hash(InternalKey.userKey(internalKey));
        }
        if (smallest == null) {
            smallest = internalKey;
        }
        dataBlock.add(internalKey, value);
        lastKey = internalKey;
        entries++;
        if (dataBlock.currentSizeEstimate() >= blockBytes) {
            flushDataBlock();
        }
    }

    private void flushDataBlock() {
        if (dataBlock.isEmpty()) {
            return;
        }
        BlockHandle h = writeBlock(dataBlock.finish(), compressor != null);
        dataBlock.reset();
        indexBlock.add(lastKey, h.encode());
    }

    private BlockHandle writeBlock(byte[] raw, boolean compress) {
        byte[] payload = raw;
        int type = TYPE_RAW;
        if (compress) {
            int max = compressor.maxCompressedLength(raw.length);
            byte[] c = new byte[4 + max];
            int n = compressor.compress(raw, 0, raw.length, c, 4, max);
            // Keep compression only when it saves at least 1/8: decompression costs CPU on every read.
            if (n + 4 < raw.length - raw.length / 8) {
                c[0] = (byte) (raw.length >>> 24);
                c[1] = (byte) (raw.length >>> 16);
                c[2] = (byte) (raw.length >>> 8);
                c[3] = (byte) raw.length;
                payload = Arrays.copyOf(c, n + 4);
                type = TYPE_LZ4;
            }
        }
        BlockHandle h = new BlockHandle(offset, payload.length);
        pending.writeBytes(payload);
        pending.writeByte(type);
        int crcStart = pending.length() - payload.length - 1;
        pending.writeInt(Checksums.crc32c(pending.array(), crcStart, payload.length + 1));
        offset += payload.length + BlockHandle.TRAILER_BYTES;
        if (pending.length() >= WRITE_BUFFER_BYTES) {
            drain();
        }
        return h;
    }

    private void drain() {
        if (pending.length() > 0) {
            file.append(pending.array(), 0, pending.length());
            pending.reset();
        }
    }

    /** Writes filter, index and footer; returns the file size. */
    public long finish() {
        if (finished) {
            throw new IllegalStateException("already finished");
        }
        finished = true;
        flushDataBlock();
        BlockHandle filter = writeBlock(BloomFilter.build(hashes, hashCount, bloomBitsPerKey), false);
        BlockHandle index = writeBlock(indexBlock.finish(), false);
        byte[] footer = new Footer(filter, index, entries).encode();
        pending.writeBytes(footer);
        offset += footer.length;
        drain();
        return offset;
    }

    public long entries() {
        return entries;
    }

    public byte[] smallest() {
        return smallest;
    }

    public byte[] largest() {
        return lastKey;
    }

    /** Bytes written or buffered so far (an estimate of the final size before finish). */
    public long fileBytes() {
        return offset + dataBlock.currentSizeEstimate();
    }
}
