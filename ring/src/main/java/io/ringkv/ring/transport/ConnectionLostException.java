package io.ringkv.ring.transport;

/**
 * The connection dropped after the request was written and before its reply arrived: the peer
 * may or may not have run it, so it must not be retried blindly (an INCR could apply twice).
 */
public class ConnectionLostException extends TransportException {
    public ConnectionLostException(String message) {
        super(message);
    }
}
