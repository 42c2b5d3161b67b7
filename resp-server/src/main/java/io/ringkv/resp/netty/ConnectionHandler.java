package io.ringkv.resp.netty;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.ringkv.resp.command.CommandContext;
import io.ringkv.resp.command.Deferred;
import io.ringkv.resp.command.RedisErrors;
import io.ringkv.resp.command.ServerContext;
import io.ringkv.resp.protocol.ProtocolException;
import io.ringkv.resp.protocol.Request;
import io.ringkv.resp.protocol.RespWriter;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the requests of one connection and writes their replies in request order into one
 * buffer that is flushed once per read batch (so a pipeline of N commands costs one write
 * system call, not N). Applies Redis's connection rules: maxclients, protected mode, QUIT,
 * protocol errors closing the connection after the error reply. Pauses reading while the
 * socket is not writable, which bounds the replies queued for a slow reader.
 *
 * <p>A command whose reply waits on other nodes (a deferred reply) does not stop the
 * pipeline: later commands on other keys start at once, and their replies are held until the
 * earlier ones are written. A later command sharing a key with one still in flight, or one
 * without keys (which may depend on everything before it), waits until those finish, so a
 * connection still sees its own writes in order.
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
    /** Replies owed after the first deferred one, in request order. */
    private final ArrayDeque<Slot> slots = new ArrayDeque<>();
    /** Requests (or protocol errors) that must wait for commands in flight. */
    private final ArrayDeque<Object> waiting = new ArrayDeque<>();
    private int inFlight;
    private boolean pausedForWaiting;
    private boolean flushScheduled;
    /** client-in-flight-commands-max, read once: it is fixed at start-up and checked per request. */
    private final int inFlightMax;

    /** One reply owed to the client: done when its bytes are in {@link #buf}. */
    private static final class Slot {
        final ByteBuf buf;
        final int protocol;
        /** Keys of the command in flight (null = it has none and everything waits for it). */
        List<byte[]> keys;
        boolean done;

        Slot(ByteBuf buf, int protocol, List<byte[]> keys, boolean done) {
            this.buf = buf;
            this.protocol = protocol;
            this.keys = keys;
            this.done = done;
        }
    }

    public ConnectionHandler(ServerContext server, CommandContext client) {
        this.server = server;
        this.client = client;
        this.inFlightMax = server.config().getInt("client-in-flight-commands-max");
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
        if (!waiting.isEmpty() || mustWait(msg)) {
            waiting.add(msg);
            pauseIfTooManyWaiting(ctx);
            return;
        }
        process(ctx, msg);
    }

    /** Whether {@code msg} must wait for commands in flight (see the class comment). */
    private boolean mustWait(Object msg) {
        if (inFlight == 0) {
            return false;
        }
        if (!(msg instanceof Request req) || inFlight >= inFlightMax) {
            return true;
        }
        List<byte[]> keys = server.commands().keysOf(req);
        if (keys == null) {
            return true;
        }
        for (Slot s : slots) {
            if (s.done) {
                continue;
            }
            if (s.keys == null) {
                return true;
            }
            for (byte[] k : keys) {
                for (byte[] held : s.keys) {
                    if (Arrays.equals(k, held)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    private void pauseIfTooManyWaiting(ChannelHandlerContext ctx) {
        if (!pausedForWaiting && waiting.size() >= inFlightMax) {
            pausedForWaiting = true;
            ctx.channel().config().setAutoRead(false);
        }
    }

    private void process(ChannelHandlerContext ctx, Object msg) {
        RespWriter out;
        if (slots.isEmpty()) {
            if (pending == null) {
                pending = ctx.alloc().ioBuffer(256);
                writer.target(pending);
            }
            out = writer;
        } else {
            // Replies owed before this one are still in flight: write into a slot behind them.
            Slot last = slots.peekLast();
            if (!last.done || last.protocol != client.protocol()) {
                last = new Slot(ctx.alloc().ioBuffer(256), client.protocol(), null, true);
                slots.add(last);
            }
            out = new RespWriter(last.buf, last.protocol);
        }
        out.protocol(client.protocol());
        if (msg instanceof Request req) {
            client.touch(server.clock().currentTimeMillis());
            int protocolBefore = client.protocol();
            server.commands().dispatch(client, req, out);
            Deferred<?> d = client.takeDeferred();
            if (d != null) {
                Slot slot = new Slot(ctx.alloc().ioBuffer(256), protocolBefore, server.commands().keysOf(req), false);
                slots.add(slot);
                inFlight++;
                d.future().whenComplete((v, e) -> ctx.executor().execute(() -> complete(ctx, slot, d)));
            }
            if (client.shouldCloseAfterReply()) {
                closeAfterFlush(ctx);
            } else if (slots.isEmpty() && pending.readableBytes() >= REPLY_BATCH_BYTES) {
                ctx.write(pending);
                pending = null;
                unflushed = true;
            }
        } else if (msg instanceof ProtocolException pe) {
            server.protocolErrors().increment();
            if (pe.replyBeforeClose()) {
                // Protocol messages are built with one char per wire byte; write them back 1:1.
                out.error(pe.getMessage().getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            } else {
                log.warn("closing client {} that reached max query buffer length", client.addr());
            }
            closeAfterFlush(ctx);
        }
    }

    /** A deferred reply is ready: write it, release what waited on it, flush what is in order. */
    private void complete(ChannelHandlerContext ctx, Slot slot, Deferred<?> d) {
        inFlight--;
        if (!ctx.channel().isActive()) {
            return;
        }
        d.render(new RespWriter(slot.buf, slot.protocol));
        slot.done = true;
        slot.keys = null;
        if (pending != null && pending.isReadable()) {
            ctx.write(pending, ctx.voidPromise());
            pending = null;
        }
        drainSlots(ctx);
        while (!closing && !waiting.isEmpty() && !mustWait(waiting.peek())) {
            process(ctx, waiting.poll());
            drainSlots(ctx);
        }
        if (pending != null) {
            if (pending.isReadable()) {
                ctx.write(pending, ctx.voidPromise());
            } else {
                pending.release();
            }
            pending = null;
        }
        if (!closing) {
            scheduleFlush(ctx);
        }
        if (pausedForWaiting && waiting.size() < inFlightMax / 2) {
            pausedForWaiting = false;
            ctx.channel().config().setAutoRead(ctx.channel().isWritable());
        }
    }

    /**
     * Deferred replies completing in one burst share one flush (one write system call): a
     * task queued behind the burst's other completions on this loop.
     */
    private void scheduleFlush(ChannelHandlerContext ctx) {
        if (!flushScheduled) {
            flushScheduled = true;
            ctx.executor().execute(() -> {
                flushScheduled = false;
                ctx.flush();
            });
        }
    }

    /** Writes the finished replies at the head of the queue. */
    private void drainSlots(ChannelHandlerContext ctx) {
        while (!slots.isEmpty() && slots.peekFirst().done) {
            Slot s = slots.pollFirst();
            if (s.buf.isReadable()) {
                ctx.write(s.buf, ctx.voidPromise());
            } else {
                s.buf.release();
            }
        }
    }

    private void closeAfterFlush(ChannelHandlerContext ctx) {
        closing = true;
        drainSlots(ctx);
        ByteBuf out = pending;
        pending = null;
        if (!slots.isEmpty()) {
            // Replies still in flight are abandoned; what was written so far goes out first.
            if (out != null) {
                ctx.write(out);
            }
            out = slots.peekLast().done ? slots.pollLast().buf : ctx.alloc().buffer(0);
            releaseSlots();
        } else if (out == null) {
            out = ctx.alloc().buffer(0);
        }
        ctx.writeAndFlush(out).addListener(ChannelFutureListener.CLOSE);
    }

    private void releaseSlots() {
        for (Slot s : slots) {
            s.buf.release();
        }
        slots.clear();
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
        ctx.channel().config().setAutoRead(ctx.channel().isWritable() && !pausedForWaiting);
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        server.unregister(client);
        if (pending != null) {
            pending.release();
            pending = null;
        }
        releaseSlots();
        waiting.clear();
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
