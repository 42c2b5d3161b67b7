package io.ringkv.storage.sstable;

import io.ringkv.common.ByteSink;
import io.ringkv.storage.fs.ByteSource;

/** Where a block lives in a table file: offset and length of its payload (excluding the 5-byte trailer). */
public record BlockHandle(long offset, int size) {
    /** Compression type byte + CRC32C after each block's payload. */
    public static final int TRAILER_BYTES = 5;

    public byte[] encode() {
        return new ByteSink(12).writeVarLong(offset).writeVarLong(size).toByteArray();
    }

    public static BlockHandle decode(byte[] b) {
        ByteSource in = new ByteSource(b);
        return new BlockHandle(in.readVarLong(), in.readVarInt());
    }
}
