package io.ringkv.common;

/**
 * Reads what {@link ByteSink} wrote, checking every length against the bytes left, so a
 * truncated or hostile message fails with {@link IllegalArgumentException} instead of
 * allocating or reading out of bounds.
 */
public final class WireReader {
    private final byte[] buf;
    private int pos;
    private final int end;

    public WireReader(byte[] buf) {
        this.buf = buf;
        this.end = buf.length;
    }

    private void need(int n) {
        if (n < 0 || end - pos < n) {
            throw new IllegalArgumentException("truncated message");
        }
    }

    public int u8() {
        need(1);
        return buf[pos++] & 0xFF;
    }

    public int u32() {
        need(4);
        int v = ((buf[pos] & 0xFF) << 24) | ((buf[pos + 1] & 0xFF) << 16) | ((buf[pos + 2] & 0xFF) << 8) | (buf[pos + 3] & 0xFF);
        pos += 4;
        return v;
    }

    public long u64() {
        need(8);
        long v = Bytes.getLong(buf, pos);
        pos += 8;
        return v;
    }

    public long varint() {
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            int b = u8();
            v |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return v;
            }
        }
        throw new IllegalArgumentException("varint too long");
    }

    /** A varint that must fit in [0, max]. */
    public int length(int max) {
        long v = varint();
        if (v < 0 || v > max) {
            throw new IllegalArgumentException("length " + v + " out of range [0, " + max + "]");
        }
        return (int) v;
    }

    public byte[] bytes() {
        // The bound is taken after the length prefix is read: the prefix's own bytes are not
        // available to the payload (computing end - pos as the argument would count them).
        long v = varint();
        if (v < 0 || v > end - pos) {
            throw new IllegalArgumentException("length " + v + " exceeds the " + (end - pos) + " bytes left");
        }
        int n = (int) v;
        byte[] out = new byte[n];
        System.arraycopy(buf, pos, out, 0, n);
        pos += n;
        return out;
    }

    public boolean hasRemaining() {
        return pos < end;
    }

    public void expectEnd() {
        if (pos != end) {
            throw new IllegalArgumentException((end - pos) + " unexpected trailing bytes");
        }
    }
}
