package io.ringkv.common;

import java.util.Arrays;

/** A growable byte buffer with the fixed-width (big-endian) and varint encodings of the on-disk formats and the inter-node messages. */
public final class ByteSink {
    private byte[] buf;
    private int len;

    public ByteSink(int initialCapacity) {
        buf = new byte[Math.max(16, initialCapacity)];
    }

    private void ensure(int extra) {
        if (len + extra > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + extra));
        }
    }

    public ByteSink writeByte(int b) {
        ensure(1);
        buf[len++] = (byte) b;
        return this;
    }

    public ByteSink writeInt(int v) {
        ensure(4);
        buf[len++] = (byte) (v >>> 24);
        buf[len++] = (byte) (v >>> 16);
        buf[len++] = (byte) (v >>> 8);
        buf[len++] = (byte) v;
        return this;
    }

    public ByteSink writeLong(long v) {
        ensure(8);
        for (int i = 56; i >= 0; i -= 8) {
            buf[len++] = (byte) (v >>> i);
        }
        return this;
    }

    public ByteSink writeVarLong(long v) {
        ensure(10);
        while ((v & ~0x7FL) != 0) {
            buf[len++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        buf[len++] = (byte) v;
        return this;
    }

    public ByteSink writeBytes(byte[] b) {
        return writeBytes(b, 0, b.length);
    }

    public ByteSink writeBytes(byte[] b, int off, int n) {
        ensure(n);
        System.arraycopy(b, off, buf, len, n);
        len += n;
        return this;
    }

    /** Length-prefixed (varint) bytes. */
    public ByteSink writeLengthPrefixed(byte[] b) {
        writeVarLong(b.length);
        return writeBytes(b);
    }

    public int length() {
        return len;
    }

    public byte[] array() {
        return buf;
    }

    public byte[] toByteArray() {
        return Arrays.copyOf(buf, len);
    }

    public void reset() {
        len = 0;
    }
}
