package io.ringkv.ring.version;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The opaque context clients get from CAUSAL.GET and hand back to CAUSAL.SET/DEL: a version
 * vector bound to its key and authenticated with the cluster secret, so a context that was
 * altered, forged, or taken from another key is rejected rather than trusted.
 *
 * <p>Form: base64url without padding of {@code [format 1][vector][tag]}, where the vector is
 * {@link VersionVector#encode} and the tag is the first {@value #TAG_BYTES} bytes of
 * HMAC-SHA256(secret, domain label, format, vector, key). A one-entry context is 30 characters.
 * The vector is self-delimiting, so the MAC input cannot be re-split to move bytes between the
 * vector and the key; the domain label keeps a tag computed here from being valid for any other
 * use of the same secret.
 *
 * <p>With an empty secret the HMAC key is the single byte 0, which HMAC's zero padding of short
 * keys makes the same function as an empty key (javax.crypto refuses empty keys). Anyone can
 * then compute tags: contexts are checked for corruption and for belonging to the key, but are
 * not forgery-proof. A cluster that must not trust clients' contexts needs a secret.
 *
 * <p>Stateless and thread-safe: each call builds its own {@link Mac}.
 */
public final class CausalContext {
    public static final byte FORMAT_VERSION = 1;
    /** 128 bits of HMAC-SHA256: forging a tag takes 2^128 guesses, each a round trip to the cluster. */
    public static final int TAG_BYTES = 16;
    /** Longest context decode looks at: a full {@link VersionVector#ENTRIES_MAX}-entry vector of 64-char ids. */
    public static final int CONTEXT_CHARS_MAX = base64Length(1 + 2 + VersionVector.ENTRIES_MAX * (1 + 64 + 9) + TAG_BYTES);

    private static final String ALGORITHM = "HmacSHA256";
    private static final byte[] DOMAIN = "ringkv causal context".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] EMPTY_SECRET_KEY = {0};
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

    private CausalContext() {}

    /** Encodes {@code clock} for {@code key}; printable ASCII, compact. */
    public static byte[] encode(VersionVector clock, byte[] key, byte[] secret) {
        int vectorLength = clock.encodedSize();
        byte[] raw = new byte[1 + vectorLength + TAG_BYTES];
        raw[0] = FORMAT_VERSION;
        clock.encodeInto(raw, 1);
        byte[] tag = tag(raw, 1 + vectorLength, key, secret);
        System.arraycopy(tag, 0, raw, 1 + vectorLength, TAG_BYTES);
        return ENCODER.encode(raw);
    }

    /** @throws InvalidContextException when the bytes are malformed, forged, or for another key */
    public static VersionVector decode(byte[] context, byte[] key, byte[] secret) {
        if (context == null || context.length == 0 || context.length > CONTEXT_CHARS_MAX) {
            throw new InvalidContextException("malformed context");
        }
        byte[] raw;
        try {
            raw = DECODER.decode(context);
        } catch (IllegalArgumentException e) {
            throw new InvalidContextException("malformed context");
        }
        // Java's decoder accepts padding and ignores stray low bits in the last character; insisting
        // that the text is exactly what encode writes makes each context a single string.
        if (!Arrays.equals(ENCODER.encode(raw), context)) {
            throw new InvalidContextException("malformed context");
        }
        if (raw.length < 1 + 1 + TAG_BYTES || raw[0] != FORMAT_VERSION) {
            throw new InvalidContextException("malformed context");
        }
        int tagAt = raw.length - TAG_BYTES;
        byte[] expected = Arrays.copyOf(tag(raw, tagAt, key, secret), TAG_BYTES);
        if (!MessageDigest.isEqual(expected, Arrays.copyOfRange(raw, tagAt, raw.length))) {
            throw new InvalidContextException("context does not match this key or cluster");
        }
        // Parsed only once authenticated: with a secret, a malformed vector here means a bug, not input.
        try {
            return VersionVector.decode(Arrays.copyOfRange(raw, 1, tagAt));
        } catch (IllegalArgumentException e) {
            throw new InvalidContextException("malformed context");
        }
    }

    /** The full HMAC over the domain label, {@code raw[0, length)} (format and vector) and the key. */
    private static byte[] tag(byte[] raw, int length, byte[] key, byte[] secret) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(new SecretKeySpec(secret.length == 0 ? EMPTY_SECRET_KEY : secret, ALGORITHM));
            mac.update(DOMAIN);
            mac.update(raw, 0, length);
            mac.update(key);
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            // Every Java SE platform must provide HmacSHA256; its absence is a broken runtime.
            throw new IllegalStateException(ALGORITHM + " unavailable", e);
        }
    }

    private static int base64Length(int bytes) {
        return (bytes * 4 + 2) / 3;
    }

    /** Thrown for a context this cluster did not issue for this key. */
    public static final class InvalidContextException extends RuntimeException {
        public InvalidContextException(String message) {
            super(message);
        }
    }
}
