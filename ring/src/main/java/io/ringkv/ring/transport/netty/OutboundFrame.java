package io.ringkv.ring.transport.netty;

/**
 * A frame to write. The payload is a plain array so that a write that fails (channel closed)
 * leaks nothing; {@link FrameEncoder} wraps it without copying when it is large.
 */
public record OutboundFrame(byte kind, long requestId, int verbCode, byte[] payload) {
    public OutboundFrame {
        if (verbCode < 0 || verbCode > 0xFFFF) {
            throw new IllegalArgumentException("verb code must fit in 16 bits: " + verbCode);
        }
        if (payload == null) {
            throw new IllegalArgumentException("payload must not be null");
        }
    }
}
