package io.ringkv.ring.transport;

/** No reply arrived within the request's timeout. */
public class RequestTimeoutException extends TransportException {
    public RequestTimeoutException(String message) {
        super(message);
    }

    public RequestTimeoutException(String message, Throwable cause) {
        super(message, cause);
    }
}
