package io.ringkv.ring.version;

/**
 * The opaque context clients get from CAUSAL.GET and hand back to CAUSAL.SET/DEL: a version
 * vector bound to its key and authenticated with the cluster secret, so a context that was
 * altered, forged, or taken from another key is rejected rather than trusted.
 */
public final class CausalContext {
    // SKELETON: bodies are filled in by the version work; signatures are the contract.
    private CausalContext() {}

    /** Encodes {@code clock} for {@code key}; printable ASCII, compact. */
    public static byte[] encode(VersionVector clock, byte[] key, byte[] secret) {
        throw new UnsupportedOperationException("TODO");
    }

    /** @throws InvalidContextException when the bytes are malformed, forged, or for another key */
    public static VersionVector decode(byte[] context, byte[] key, byte[] secret) {
        throw new UnsupportedOperationException("TODO");
    }

    /** Thrown for a context this cluster did not issue for this key. */
    public static final class InvalidContextException extends RuntimeException {
        public InvalidContextException(String message) {
            super(message);
        }
    }
}
