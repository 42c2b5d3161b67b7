package io.ringkv.ring.transport.netty;

/**
 * The bounds of the inter-node transport, one value per limit, units last.
 *
 * @param frameBytesMax largest frame accepted or sent, counting its 4-byte length prefix; a
 *     peer sending more is disconnected, a local request carrying more fails before sending
 * @param inFlightPerPeerMax requests to one peer that may be queued or awaiting a reply at once;
 *     one more fails at once with {@link io.ringkv.ring.transport.OverloadedException}. The
 *     same number bounds the unanswered requests a peer may have on one inbound connection.
 * @param connectTimeoutMillis bound on TCP connect plus the authentication handshake, on both
 *     the connecting and the accepting side
 * @param reconnectBackoffMillis after a failed connect, requests to that peer fail at once for
 *     this long instead of each starting another attempt
 * @param writeBufferHighWaterBytes bytes queued in a connection's outbound buffer above which the
 *     channel reports itself unwritable (low water mark is half of it)
 */
public record TransportLimits(
        int frameBytesMax,
        int inFlightPerPeerMax,
        long connectTimeoutMillis,
        long reconnectBackoffMillis,
        int writeBufferHighWaterBytes) {

    public static final int FRAME_BYTES_MAX_DEFAULT = 64 * 1024 * 1024;
    public static final int IN_FLIGHT_PER_PEER_MAX_DEFAULT = 4096;
    public static final long CONNECT_TIMEOUT_MILLIS_DEFAULT = 1000;
    public static final long RECONNECT_BACKOFF_MILLIS_DEFAULT = 500;
    public static final int WRITE_BUFFER_HIGH_WATER_BYTES_DEFAULT = 8 * 1024 * 1024;

    /**
     * Smallest allowed frame limit: an error reply (at most {@link WireProtocol#ERROR_MESSAGE_CHARS_MAX}
     * characters, at most 3 UTF-8 bytes each) and the handshake frames must always fit.
     */
    public static final int FRAME_BYTES_MAX_MIN = 4096;

    public TransportLimits {
        if (frameBytesMax < FRAME_BYTES_MAX_MIN) {
            throw new IllegalArgumentException("frameBytesMax must be at least " + FRAME_BYTES_MAX_MIN + ": " + frameBytesMax);
        }
        if (inFlightPerPeerMax < 1) {
            throw new IllegalArgumentException("inFlightPerPeerMax must be positive: " + inFlightPerPeerMax);
        }
        // Netty takes the connect timeout as an int.
        if (connectTimeoutMillis < 1 || connectTimeoutMillis > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("connectTimeoutMillis must be 1.." + Integer.MAX_VALUE + ": " + connectTimeoutMillis);
        }
        if (reconnectBackoffMillis < 0) {
            throw new IllegalArgumentException("reconnectBackoffMillis must not be negative: " + reconnectBackoffMillis);
        }
        if (writeBufferHighWaterBytes < 2) {
            throw new IllegalArgumentException("writeBufferHighWaterBytes must be at least 2: " + writeBufferHighWaterBytes);
        }
    }

    public static TransportLimits defaults() {
        return new TransportLimits(FRAME_BYTES_MAX_DEFAULT, IN_FLIGHT_PER_PEER_MAX_DEFAULT, CONNECT_TIMEOUT_MILLIS_DEFAULT,
                RECONNECT_BACKOFF_MILLIS_DEFAULT, WRITE_BUFFER_HIGH_WATER_BYTES_DEFAULT);
    }

    public TransportLimits withFrameBytesMax(int value) {
        return new TransportLimits(value, inFlightPerPeerMax, connectTimeoutMillis, reconnectBackoffMillis, writeBufferHighWaterBytes);
    }

    public TransportLimits withInFlightPerPeerMax(int value) {
        return new TransportLimits(frameBytesMax, value, connectTimeoutMillis, reconnectBackoffMillis, writeBufferHighWaterBytes);
    }

    public TransportLimits withConnectTimeoutMillis(long value) {
        return new TransportLimits(frameBytesMax, inFlightPerPeerMax, value, reconnectBackoffMillis, writeBufferHighWaterBytes);
    }

    public TransportLimits withReconnectBackoffMillis(long value) {
        return new TransportLimits(frameBytesMax, inFlightPerPeerMax, connectTimeoutMillis, value, writeBufferHighWaterBytes);
    }

    public TransportLimits withWriteBufferHighWaterBytes(int value) {
        return new TransportLimits(frameBytesMax, inFlightPerPeerMax, connectTimeoutMillis, reconnectBackoffMillis, value);
    }

    /** Largest payload that fits in one frame. */
    public int payloadBytesMax() {
        return frameBytesMax - WireProtocol.LENGTH_FIELD_BYTES - WireProtocol.HEADER_BYTES;
    }
}
