package io.ringkv.ring.transport.netty;

/**
 * The inter-node wire format, version 1. Every message is one frame:
 *
 * <pre>
 *   u32  length of the rest of the frame (big-endian, as all integers here)
 *   u8   protocol version (1)
 *   u8   kind: 1 request, 2 response, 3 error response,
 *              4 auth-challenge, 5 auth-response, 6 auth-ok
 *   u64  request id (0 in handshake frames)
 *   u16  verb code (responses echo the request's; 0 in handshake frames)
 *   ...  payload (the rest)
 * </pre>
 *
 * An error response's payload is the UTF-8 failure message. The handshake payloads are
 * described in {@link Handshake}. A peer closes the connection on a frame with another version,
 * a frame longer than its {@code frame-bytes-max}, or a frame out of protocol order.
 */
public final class WireProtocol {
    public static final int VERSION = 1;

    public static final byte KIND_REQUEST = 1;
    public static final byte KIND_RESPONSE = 2;
    public static final byte KIND_ERROR = 3;
    public static final byte KIND_AUTH_CHALLENGE = 4;
    public static final byte KIND_AUTH_RESPONSE = 5;
    public static final byte KIND_AUTH_OK = 6;

    public static final int LENGTH_FIELD_BYTES = 4;
    /** version + kind + request id + verb code. */
    public static final int HEADER_BYTES = 1 + 1 + 8 + 2;

    /**
     * Largest frame accepted before the peer has authenticated. The handshake frames are under
     * 200 bytes, so an unauthenticated connection cannot make a node buffer a 64 MiB frame.
     */
    public static final int HANDSHAKE_FRAME_BYTES_MAX = 512;

    /** Error messages are cut to this many characters before they go on the wire. */
    public static final int ERROR_MESSAGE_CHARS_MAX = 1024;

    private WireProtocol() {
    }

    static String kindName(int kind) {
        return switch (kind) {
            case KIND_REQUEST -> "request";
            case KIND_RESPONSE -> "response";
            case KIND_ERROR -> "error response";
            case KIND_AUTH_CHALLENGE -> "auth-challenge";
            case KIND_AUTH_RESPONSE -> "auth-response";
            case KIND_AUTH_OK -> "auth-ok";
            default -> "unknown kind " + kind;
        };
    }
}
