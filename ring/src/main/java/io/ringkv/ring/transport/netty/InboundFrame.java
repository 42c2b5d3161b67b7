package io.ringkv.ring.transport.netty;

/** A decoded frame; the payload was copied out of the network buffer, which is released. */
public record InboundFrame(byte kind, long requestId, int verbCode, byte[] payload) {
}
