package io.ringkv.ring.transport;

/** The peer received the request but its handler failed; the message is the peer's. */
public class RemoteFailureException extends TransportException {
    public RemoteFailureException(String message) {
        super(message);
    }

    public RemoteFailureException(String message, Throwable cause) {
        super(message, cause);
    }
}
