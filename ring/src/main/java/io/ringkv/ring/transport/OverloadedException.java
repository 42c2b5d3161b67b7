package io.ringkv.ring.transport;

/** The bound on requests in flight to the peer was reached; the request was not sent. */
public class OverloadedException extends TransportException {
    public OverloadedException(String message) {
        super(message);
    }

    public OverloadedException(String message, Throwable cause) {
        super(message, cause);
    }
}
