package io.ringkv.ring.transport.netty;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageEncoder;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * Writes {@link OutboundFrame}s in the {@link WireProtocol} format. Small payloads are copied
 * behind the header (one buffer, one iovec); larger ones are wrapped, not copied, and go out in
 * the same gathering write as their header.
 *
 * <p>Sharable as far as this class goes; whether an instance may serve channels of several
 * event loops depends on the byte counter it is given (the messaging service gives each
 * channel its own, counting into its event loop's single-writer counters).
 */
@Sharable
public final class FrameEncoder extends MessageToMessageEncoder<OutboundFrame> {
    /** Up to this size a copy is cheaper than a second buffer and iovec. */
    static final int COPY_PAYLOAD_BYTES_MAX = 1024;

    private final LongConsumer bytesSent;

    /** @param bytesSent told the size of every encoded frame, on the channel's event loop */
    public FrameEncoder(LongConsumer bytesSent) {
        super(OutboundFrame.class);
        this.bytesSent = bytesSent;
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, OutboundFrame frame, List<Object> out) {
        byte[] payload = frame.payload();
        boolean copy = payload.length <= COPY_PAYLOAD_BYTES_MAX;
        int headerAndLength = WireProtocol.LENGTH_FIELD_BYTES + WireProtocol.HEADER_BYTES;
        ByteBuf header = ctx.alloc().buffer(headerAndLength + (copy ? payload.length : 0));
        header.writeInt(WireProtocol.HEADER_BYTES + payload.length)
                .writeByte(WireProtocol.VERSION)
                .writeByte(frame.kind())
                .writeLong(frame.requestId())
                .writeShort(frame.verbCode());
        if (copy) {
            header.writeBytes(payload);
            out.add(header);
        } else {
            out.add(header);
            out.add(Unpooled.wrappedBuffer(payload));
        }
        bytesSent.accept(headerAndLength + payload.length);
    }
}
