package io.ringkv.common;

import java.util.Arrays;

/**
 * Builds a compact binary message: fixed-width big-endian integers, unsigned varints and
 * length-prefixed byte strings. Grows as needed; {@link #toByteArray()} copies the result.
 */
public final class WireWriter {
    private byte[] buf;
    private int len;

    public WireWriter(int initialCapacity) {
        buf = new byte[Math.max(16, initialCapacity)];
    }

    private void ensure(int extra) {
        if (len + extra > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + extra));
        }
    }

    public WireWriter u8(int v) {
        ensure(1);
        buf[len++] = (byte) v;
        return this;
    }

    public WireWriter u32(int v) {
        ensure(4);
        buf[len++] = (byte) (v >>> 24);
        buf[len++] = (byte) (v >>> 16);
        buf[len++] = (byte) (v >>> 8);
        buf[len++] = (byte) v;
        return this;
    }

    public WireWriter u64(long v) {
        ensure(8);
        Bytes.putLong(buf, len, v);
        len += 8;
        return this;
    }

    /** An unsigned LEB128 varint (negative values take 10 bytes). */
    public WireWriter varint(long v) {
        ensure(10);
        while ((v & ~0x7FL) != 0) {
            buf[len++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        buf[len++] = (byte) v;
        return this;
    }

    /** A varint length followed by the bytes. */
    public WireWriter bytes(byte[] b) {
        return bytes(b, 0, b.length);
    }

    public WireWriter bytes(byte[] b, int off, int n) {
        varint(n);
        return raw(b, off, n);
    }

    public WireWriter raw(byte[] b, int off, int n) {
        ensure(n);
        System.arraycopy(b, off, buf, len, n);
        len += n;
        return this;
    }

    public int length() {
        return len;
    }

    public byte[] toByteArray() {
        return Arrays.copyOf(buf, len);
    }
}
