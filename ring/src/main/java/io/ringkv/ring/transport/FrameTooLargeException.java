package io.ringkv.ring.transport;

/**
 * The request payload does not fit in one frame of the inter-node protocol
 * ({@code frame-bytes-max}); the request was not sent. Callers must split such data (streaming
 * a partition, for example, goes page by page).
 */
public class FrameTooLargeException extends TransportException {
    public FrameTooLargeException(String message) {
        super(message);
    }
}
