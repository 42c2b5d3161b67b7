package io.ringkv.ring.transport;

/** The peer could not be reached (connection refused, closed or not yet authenticated). */
public class PeerUnreachableException extends TransportException {
    public PeerUnreachableException(String message) {
        super(message);
    }

    public PeerUnreachableException(String message, Throwable cause) {
        super(message, cause);
    }
}
