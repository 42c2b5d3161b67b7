package io.ringkv.ring.version;

/**
 * A bounds-checked cursor over an encoded vector or sibling set, plus the unsigned LEB128 varint
 * writer both formats share. Every read failure is an {@link IllegalArgumentException}, the one
 * error the public decoders promise, so no index or arithmetic exception leaks out of a decode of
 * corrupt bytes.
 */
final class ByteReader {
    /** Nine 7-bit groups hold 63 bits: every value up to Long.MAX_VALUE, the largest we accept. */
    private static final int VARINT_BYTES_MAX = 9;

    private final byte[] bytes;
    private int position;

    ByteReader(byte[] bytes, int position) {
        this.bytes = bytes;
        this.position = position;
    }

    int position() {
        return position;
    }

    int remaining() {
        return bytes.length - position;
    }

    byte[] bytes() {
        return bytes;
    }

    int readUnsignedByte() {
        require(1);
        return bytes[position++] & 0xFF;
    }

    /**
     * Reads a canonical varint in 0..Long.MAX_VALUE. Overlong forms (a final group of zero, as in
     * 0x80 0x00) are rejected so that each value has exactly one encoding: decoded sets then
     * re-encode to the same bytes, which keeps equal states byte-identical across replicas.
     */
    long readVarLong() {
        long value = 0;
        for (int i = 0; i < VARINT_BYTES_MAX; i++) {
            int b = readUnsignedByte();
            int group = b & 0x7F;
            value |= (long) group << (7 * i);
            if ((b & 0x80) == 0) {
                if (group == 0 && i > 0) {
                    throw new IllegalArgumentException("overlong varint at offset " + (position - 1));
                }
                return value;
            }
        }
        throw new IllegalArgumentException("varint exceeds Long.MAX_VALUE at offset " + position);
    }

    /** A varint that must lie in 0..max, as an int. */
    int readVarInt(int max, String what) {
        long v = readVarLong();
        if (v > max) {
            throw new IllegalArgumentException(what + " " + v + " exceeds " + max);
        }
        return (int) v;
    }

    void skip(int n) {
        require(n);
        position += n;
    }

    void require(int n) {
        if (n < 0 || n > bytes.length - position) {
            throw new IllegalArgumentException("truncated: need " + n + " bytes at offset " + position + ", have "
                    + (bytes.length - position));
        }
    }

    void requireEnd() {
        if (position != bytes.length) {
            throw new IllegalArgumentException((bytes.length - position) + " trailing bytes at offset " + position);
        }
    }

    static int varLongSize(long value) {
        int n = 1;
        while ((value & ~0x7FL) != 0) {
            value >>>= 7;
            n++;
        }
        return n;
    }

    /** Writes {@code value} at {@code offset}; returns the offset after it. */
    static int putVarLong(byte[] out, int offset, long value) {
        while ((value & ~0x7FL) != 0) {
            out[offset++] = (byte) ((value & 0x7F) | 0x80);
            value >>>= 7;
        }
        out[offset++] = (byte) value;
        return offset;
    }
}
