package io.ringkv.ring.transport.netty;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.TooLongFrameException;
import java.nio.ByteOrder;
import java.util.function.LongConsumer;

/**
 * Splits the byte stream into {@link InboundFrame}s. A frame longer than
 * {@code frameBytesMax} (or than {@link WireProtocol#HANDSHAKE_FRAME_BYTES_MAX} before
 * {@link #authenticated()}), shorter than the header, or of another protocol version raises a
 * {@link io.netty.handler.codec.DecoderException}, after which all further input is dropped; the
 * connection handler then closes the connection. Not sharable: one per channel, used on its event loop only.
 */
public final class FrameDecoder extends LengthFieldBasedFrameDecoder {
    private final LongConsumer bytesReceived;
    private boolean authenticated;
    /** A frame was bad: the stream has lost its framing, so everything after it is dropped. */
    private boolean failed;

    /** @param bytesReceived told the size of every frame read, on the channel's event loop */
    public FrameDecoder(int frameBytesMax, LongConsumer bytesReceived) {
        // failFast: refuse an over-long frame as soon as its length is read, before buffering it.
        super(frameBytesMax, 0, WireProtocol.LENGTH_FIELD_BYTES, 0, WireProtocol.LENGTH_FIELD_BYTES, true);
        this.bytesReceived = bytesReceived;
    }

    /** Lifts the small pre-authentication frame bound to {@code frameBytesMax}. */
    public void authenticated() {
        authenticated = true;
    }

    @Override
    protected long getUnadjustedFrameLength(ByteBuf buf, int offset, int length, ByteOrder order) {
        long restBytes = super.getUnadjustedFrameLength(buf, offset, length, order);
        long frameBytes = restBytes + WireProtocol.LENGTH_FIELD_BYTES;
        if (!authenticated && frameBytes > WireProtocol.HANDSHAKE_FRAME_BYTES_MAX) {
            throw new TooLongFrameException("frame of " + frameBytes + " bytes before authentication (at most "
                    + WireProtocol.HANDSHAKE_FRAME_BYTES_MAX + ")");
        }
        return restBytes;
    }

    @Override
    protected Object decode(ChannelHandlerContext ctx, ByteBuf in) throws Exception {
        if (failed) {
            in.skipBytes(in.readableBytes()); // e.g. decodeLast when the channel closes
            return null;
        }
        try {
            return decodeFrame(ctx, in);
        } catch (Exception e) {
            failed = true;
            in.skipBytes(in.readableBytes());
            throw e;
        }
    }

    private Object decodeFrame(ChannelHandlerContext ctx, ByteBuf in) throws Exception {
        ByteBuf frame = (ByteBuf) super.decode(ctx, in);
        if (frame == null) {
            return null;
        }
        try {
            int restBytes = frame.readableBytes();
            bytesReceived.accept(WireProtocol.LENGTH_FIELD_BYTES + restBytes);
            if (restBytes < WireProtocol.HEADER_BYTES) {
                throw new CorruptedFrameException("frame of " + restBytes + " bytes after its length is shorter than the "
                        + WireProtocol.HEADER_BYTES + "-byte header");
            }
            int version = frame.readUnsignedByte();
            if (version != WireProtocol.VERSION) {
                throw new CorruptedFrameException("unsupported protocol version " + version + " (this node speaks "
                        + WireProtocol.VERSION + ")");
            }
            byte kind = frame.readByte();
            long requestId = frame.readLong();
            int verbCode = frame.readUnsignedShort();
            byte[] payload = new byte[frame.readableBytes()];
            frame.readBytes(payload);
            return new InboundFrame(kind, requestId, verbCode, payload);
        } finally {
            frame.release();
        }
    }
}
