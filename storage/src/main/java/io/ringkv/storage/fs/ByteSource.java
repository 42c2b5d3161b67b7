package io.ringkv.storage.fs;

import io.ringkv.storage.CorruptionException;
import java.util.Arrays;

/**
 * A bounds-checked reader over a byte range. Malformed input (a varint or length running past
 * the end) is a {@link CorruptionException}, never an ArrayIndexOutOfBounds.
 */
public final class ByteSource {
    private final byte[] buf;
    private int pos;
    private final int limit;

    public ByteSource(byte[] buf) {
        this(buf, 0, buf.length);
    }

    public ByteSource(byte[] buf, int offset, int limit) {
        this.buf = buf;
        this.pos = offset;
        this.limit = limit;
    }

    private void need(int n) {
        if (n < 0 || limit - pos < n) {
            throw new CorruptionException("truncated record: need " + n + " bytes at " + pos + ", limit " + limit);
        }
    }

    public int position() {
        return pos;
    }

    public boolean hasRemaining() {
        return pos < limit;
    }

    public int remaining() {
        return limit - pos;
    }

    public int readByte() {
        need(1);
        return buf[pos++] & 0xFF;
    }

    public int readInt() {
        need(4);
        int v = ((buf[pos] & 0xFF) << 24) | ((buf[pos + 1] & 0xFF) << 16) | ((buf[pos + 2] & 0xFF) << 8)
                | (buf[pos + 3] & 0xFF);
        pos += 4;
        return v;
    }

    public long readLong() {
        need(8);
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (buf[pos++] & 0xFFL);
        }
        return v;
    }

    public long readVarLong() {
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            int b = readByte();
            v |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return v;
            }
        }
        throw new CorruptionException("varint too long at " + pos);
    }

    public int readVarInt() {
        long v = readVarLong();
        if (v < 0 || v > Integer.MAX_VALUE) {
            throw new CorruptionException("varint out of range: " + v);
        }
        return (int) v;
    }

    public byte[] readBytes(int n) {
        need(n);
        byte[] out = Arrays.copyOfRange(buf, pos, pos + n);
        pos += n;
        return out;
    }

    public byte[] readLengthPrefixed() {
        return readBytes(readVarInt());
    }

    public void skip(int n) {
        need(n);
        pos += n;
    }
}
