package io.ringkv.ring;

import io.ringkv.common.Bytes;
import java.util.Arrays;

/**
 * One stored version of a key, in the byte format kept by the storage engine:
 *
 * <pre>
 *   [0]      format version (1)
 *   [1]      type (see {@link Type})
 *   [2..9]   write timestamp, Unix millis (last-writer-wins order; the cluster adds clocks)
 *   [10..17] absolute expiry deadline, Unix millis; 0 = no expiry
 *   [18..]   payload (the string value)
 * </pre>
 *
 * Wraps the encoded bytes without copying, so a GET can answer straight from what the engine
 * returned. Immutable by convention: never modify {@link #encoded()}.
 */
public final class Record {
    public static final byte FORMAT_VERSION = 1;
    public static final int HEADER_BYTES = 18;
    public static final long NO_EXPIRY = 0;

    /** What a record holds. Codes are persisted: never renumber. */
    public enum Type {
        STRING(0, "string"),
        TOMBSTONE(1, "none");

        private final byte code;
        private final String redisName;

        Type(int code, String redisName) {
            this.code = (byte) code;
            this.redisName = redisName;
        }

        /** The name Redis's TYPE command prints. */
        public String redisName() {
            return redisName;
        }

        static Type ofCode(byte code) {
            for (Type t : values()) {
                if (t.code == code) {
                    return t;
                }
            }
            throw new IllegalArgumentException("unknown record type " + code);
        }
    }

    private final byte[] encoded;

    private Record(byte[] encoded) {
        this.encoded = encoded;
    }

    /** Wraps bytes read from storage, validating the header. */
    public static Record decode(byte[] encoded) {
        if (encoded.length < HEADER_BYTES || encoded[0] != FORMAT_VERSION) {
            throw new IllegalArgumentException("not a RingKV record (length " + encoded.length + ")");
        }
        Type.ofCode(encoded[1]);
        return new Record(encoded);
    }

    public static Record string(byte[] value, long timestampMillis, long expireAtMillis) {
        return string(value, 0, value.length, timestampMillis, expireAtMillis);
    }

    public static Record string(byte[] value, int offset, int length, long timestampMillis, long expireAtMillis) {
        byte[] out = new byte[HEADER_BYTES + length];
        out[0] = FORMAT_VERSION;
        out[1] = Type.STRING.code;
        Bytes.putLong(out, 2, timestampMillis);
        Bytes.putLong(out, 10, expireAtMillis);
        System.arraycopy(value, offset, out, HEADER_BYTES, length);
        return new Record(out);
    }

    /** A deletion marker: a version that reads as absent but still supersedes what it covers. */
    public static Record tombstone(long timestampMillis) {
        byte[] out = new byte[HEADER_BYTES];
        out[0] = FORMAT_VERSION;
        out[1] = Type.TOMBSTONE.code;
        Bytes.putLong(out, 2, timestampMillis);
        return new Record(out);
    }

    public boolean isTombstone() {
        return encoded[1] == Type.TOMBSTONE.code;
    }

    public Type type() {
        return Type.ofCode(encoded[1]);
    }

    public long timestampMillis() {
        return Bytes.getLong(encoded, 2);
    }

    public long expireAtMillis() {
        return Bytes.getLong(encoded, 10);
    }

    public boolean hasExpiry() {
        return expireAtMillis() != NO_EXPIRY;
    }

    /** Redis semantics: a key is expired once its deadline is strictly in the past. */
    public boolean isExpired(long nowMillis) {
        long at = expireAtMillis();
        return at != NO_EXPIRY && at < nowMillis;
    }

    public byte[] encoded() {
        return encoded;
    }

    public int payloadOffset() {
        return HEADER_BYTES;
    }

    public int payloadLength() {
        return encoded.length - HEADER_BYTES;
    }

    public byte[] payload() {
        return Arrays.copyOfRange(encoded, HEADER_BYTES, encoded.length);
    }

    /** The same payload and type with a new expiry and timestamp (EXPIRE, PERSIST, GETEX). */
    public Record withExpiry(long expireAtMillis, long timestampMillis) {
        byte[] out = encoded.clone();
        Bytes.putLong(out, 2, timestampMillis);
        Bytes.putLong(out, 10, expireAtMillis);
        return new Record(out);
    }
}
