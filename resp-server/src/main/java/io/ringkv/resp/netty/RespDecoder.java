package io.ringkv.resp.netty;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.ringkv.resp.protocol.ProtocolException;
import io.ringkv.resp.protocol.Request;
import io.ringkv.resp.protocol.RequestLimits;
import io.ringkv.resp.protocol.RespRequestParser;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Netty adapter around {@link RespRequestParser}: emits {@link Request}s, or one
 * {@link ProtocolException} after which it discards all further input (the connection is
 * about to close, as in Redis). ByteToMessageDecoder hands each request downstream before
 * parsing the next, so an AUTH is in effect for the bytes that follow it.
 */
public final class RespDecoder extends ByteToMessageDecoder {
    private final RespRequestParser parser;
    private final BooleanSupplier authenticated;
    private boolean failed;

    public RespDecoder(Supplier<RequestLimits> limits, BooleanSupplier authenticated) {
        this.parser = new RespRequestParser(limits);
        this.authenticated = authenticated;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        try {
            Request r = parser.parse(in, authenticated.getAsBoolean());
            if (r != null) {
                out.add(r);
            }
        } catch (ProtocolException e) {
            failed = true;
            in.skipBytes(in.readableBytes());
            out.add(e);
        }
    }
}
