package io.ringkv.resp.netty;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.ringkv.resp.command.CommandContext;
import io.ringkv.resp.command.RedisErrors;
import io.ringkv.resp.command.ServerContext;
import io.ringkv.resp.protocol.ProtocolException;
import io.ringkv.resp.protocol.Request;
import io.ringkv.resp.protocol.RespWriter;
import java.io.IOException;
import java.net.InetSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the requests of one connection in order and writes their replies into one buffer that
 * is flushed once per read batch (so a pipeline of N commands costs one write system call, not
 * N). Applies Redis's connection rules: maxclients, protected mode, QUIT, protocol errors
 * closing the connection after the error reply. Pauses reading while the socket is not
 * writable, which bounds the replies queued for a slow reader.
 */
public final class ConnectionHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(ConnectionHandler.class);
    /** Replies buffered before an intermediate write within one read batch. */
    private static final int REPLY_BATCH_BYTES = 64 * 1024;

    private final ServerContext server;
    private final CommandContext client;
    private final RespWriter writer = new RespWriter();
    private ByteBuf pending;
    /** Replies were written (not flushed) mid-batch because the batch grew past REPLY_BATCH_BYTES. */
    private boolean unflushed;
    private boolean closing;

    public ConnectionHandler(ServerContext server, CommandContext client) {
        this.server = server;
        this.client = client;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        int max = server.config().getInt("maxclients");
        if (server.clientCount() >= max) {
            server.rejectedConnections().increment();
            reject(ctx, RedisErrors.MAX_CLIENTS);
            return;
        }
        if (protectedModeRefuses(ctx)) {
            server.rejectedConnections().increment();
            reject(ctx, RedisErrors.PROTECTED_MODE);
            return;
        }
        server.register(client);
        ctx.fireChannelActive();
    }

    private void reject(ChannelHandlerContext ctx, String error) {
        closing = true;
        ByteBuf buf = ctx.alloc().buffer();
        new RespWriter(buf, 2).error(error);
        ctx.writeAndFlush(buf).addListener(ChannelFutureListener.CLOSE);
    }

    private boolean protectedModeRefuses(ChannelHandlerContext ctx) {
        if (!server.config().getBool("protected-mode") || !server.config().requirePass().isEmpty()
                || server.config().isExplicit("bind")) {
            return false;
        }
        if (ctx.channel().remoteAddress() instanceof InetSocketAddress a && a.getAddress() != null) {
            return !a.getAddress().isLoopbackAddress();
        }
        return false;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (closing) {
            return;
        }
        if (pending == null) {
            pending = ctx.alloc().ioBuffer(256);
            writer.target(pending);
        }
        writer.protocol(client.protocol());
        if (msg instanceof Request req) {
            client.touch(server.clock().currentTimeMillis());
            server.commands().dispatch(client, req, writer);
            if (client.shouldCloseAfterReply()) {
                closeAfterFlush(ctx);
            } else if (pending.readableBytes() >= REPLY_BATCH_BYTES) {
                ctx.write(pending);
                pending = null;
                unflushed = true;
            }
        } else if (msg instanceof ProtocolException pe) {
            server.protocolErrors().increment();
            if (pe.replyBeforeClose()) {
                // Protocol messages are built with one char per wire byte; write them back 1:1.
                writer.error(pe.getMessage().getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            } else {
                log.warn("closing client {} that reached max query buffer length", client.addr());
            }
            closeAfterFlush(ctx);
        }
    }

    private void closeAfterFlush(ChannelHandlerContext ctx) {
        closing = true;
        ByteBuf out = pending;
        pending = null;
        ctx.writeAndFlush(out).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (pending != null && pending.isReadable()) {
            ctx.writeAndFlush(pending);
        } else {
            if (pending != null) {
                pending.release();
            }
            if (unflushed) {
                ctx.flush();
            }
        }
        pending = null;
        unflushed = false;
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        // Stop reading requests while replies back up; resume when the peer drains them.
        ctx.channel().config().setAutoRead(ctx.channel().isWritable());
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        server.unregister(client);
        if (pending != null) {
            pending.release();
            pending = null;
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException) {
            log.debug("client {} connection error: {}", client.addr(), cause.getMessage());
        } else {
            log.warn("client {} failed; closing its connection", client.addr(), cause);
        }
        ctx.close();
    }
}
