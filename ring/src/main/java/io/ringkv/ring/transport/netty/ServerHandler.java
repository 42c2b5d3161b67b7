package io.ringkv.ring.transport.netty;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.DecoderException;
import io.netty.util.concurrent.ScheduledFuture;
import io.ringkv.ring.NodeId;
import io.ringkv.ring.transport.RequestHandler;
import io.ringkv.ring.transport.Verb;
import java.net.SocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The accepting side of one connection: challenges the connecting node, and once it has proved
 * it holds the cluster secret, serves its requests with the registered handlers.
 *
 * <p>Handlers run on this connection's event loop. Replies of handlers that complete at once
 * are written without a flush and flushed once per read batch ({@link #channelReadComplete}),
 * so a burst of requests costs one write system call; replies completing later (possibly on
 * another thread) are flushed once per event-loop turn.
 */
final class ServerHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(ServerHandler.class);
    /** A flush of replies that completed outside a read batch is queued (loop thread only). */
    private boolean laterFlushScheduled;

    private final NettyMessagingService service;
    private final Handshake handshake;
    private final TransportLimits limits;
    private final TransportStats stats;
    /** The counters of this connection's event loop, which alone runs this handler. */
    private final TransportStats.LoopStats loopStats;
    private byte[] serverNonce;
    private ScheduledFuture<?> authDeadline;
    /** The authenticated peer; null until the handshake succeeds. */
    private NodeId from;
    private boolean closing;
    private boolean inReadBatch;
    private boolean flushNeeded;
    /** Requests whose handler has not completed yet; bounded by inFlightPerPeerMax. */
    private int unanswered;

    ServerHandler(NettyMessagingService service, TransportStats.LoopStats loopStats) {
        this.service = service;
        this.handshake = service.handshake();
        this.limits = service.limits();
        this.stats = service.transportStats();
        this.loopStats = loopStats;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        if (!service.inboundOpened(ctx.channel())) {
            ctx.close(); // accepted while the service was closing
            return;
        }
        serverNonce = handshake.newNonce();
        ctx.writeAndFlush(new OutboundFrame(WireProtocol.KIND_AUTH_CHALLENGE, 0, 0, serverNonce), ctx.voidPromise());
        long deadlineMillis = limits.connectTimeoutMillis();
        authDeadline = ctx.executor().schedule(() -> {
            if (from == null && !closing) {
                refuse(ctx, "no authentication within " + deadlineMillis + " ms");
            }
        }, deadlineMillis, TimeUnit.MILLISECONDS);
        super.channelActive(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (authDeadline != null) {
            authDeadline.cancel(false);
        }
        service.inboundClosed(ctx.channel());
        if (from != null) {
            log.info("cluster connection from {} at {} closed", from, ctx.channel().remoteAddress());
        }
        super.channelInactive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        InboundFrame frame = (InboundFrame) msg;
        inReadBatch = true;
        if (closing) {
            return; // frames decoded from the same read as a refused one
        }
        if (from == null) {
            authenticate(ctx, frame);
        } else if (frame.kind() == WireProtocol.KIND_REQUEST) {
            serve(ctx, frame);
        } else {
            violation(ctx, "unexpected " + WireProtocol.kindName(frame.kind()) + " after authentication");
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        inReadBatch = false;
        if (flushNeeded) {
            flushNeeded = false;
            ctx.flush();
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        // A peer that does not read its replies stops being read from, so replies cannot pile
        // up beyond the water mark plus what the requests already read produce.
        ctx.channel().config().setAutoRead(ctx.channel().isWritable());
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (closing) {
            return;
        }
        String reason = PeerConnection.describe(cause);
        if (from == null && cause instanceof DecoderException) {
            refuse(ctx, reason); // garbage or an over-long frame before authentication
        } else if (cause instanceof DecoderException) {
            violation(ctx, reason);
        } else {
            // Reset or broken pipe: routine when a peer goes away; the close is logged once.
            log.debug("cluster connection from {} at {} failed: {}", from, ctx.channel().remoteAddress(), reason);
            closing = true;
            ctx.close();
        }
    }

    private void authenticate(ChannelHandlerContext ctx, InboundFrame frame) {
        if (frame.kind() != WireProtocol.KIND_AUTH_RESPONSE) {
            refuse(ctx, "expected auth-response, got " + WireProtocol.kindName(frame.kind()));
            return;
        }
        Handshake.AuthResponse response;
        try {
            response = Handshake.parseAuthResponse(frame.payload());
        } catch (IllegalArgumentException e) {
            refuse(ctx, "malformed auth-response: " + e.getMessage());
            return;
        }
        if (!handshake.verifyClient(serverNonce, response)) {
            refuse(ctx, "bad cluster secret");
            return;
        }
        from = response.nodeId();
        authDeadline.cancel(false);
        ctx.pipeline().get(FrameDecoder.class).authenticated();
        ctx.write(new OutboundFrame(WireProtocol.KIND_AUTH_OK, 0, 0, handshake.authOk(response.clientNonce())),
                ctx.voidPromise());
        flushNeeded = true;
        log.info("accepted cluster connection from {} at {}", from, ctx.channel().remoteAddress());
    }

    private void serve(ChannelHandlerContext ctx, InboundFrame frame) {
        loopStats.requestsReceived.increment();
        long requestId = frame.requestId();
        int verbCode = frame.verbCode();
        Verb verb = Verb.ofCode(verbCode);
        RequestHandler handler = verb == null ? null : service.handlerFor(verb);
        if (handler == null) {
            replyNow(ctx, Replies.error(requestId, verbCode, "unknown verb " + verbCode));
            return;
        }
        if (unanswered >= limits.inFlightPerPeerMax()) {
            // Only a peer ignoring its own in-flight bound (or with a larger one) gets here.
            replyNow(ctx, Replies.error(requestId, verbCode, "too many requests in flight from " + from));
            return;
        }
        CompletableFuture<byte[]> result;
        try {
            result = handler.handle(from, frame.payload());
            if (result == null) {
                throw new IllegalStateException("handler for " + verb + " returned no future");
            }
        } catch (RuntimeException e) {
            replyNow(ctx, Replies.error(requestId, verbCode, Replies.messageOf(e)));
            return;
        }
        if (result.isDone()) {
            replyNow(ctx, Replies.of(requestId, verbCode, result, limits.payloadBytesMax()));
            return;
        }
        unanswered++;
        EventLoop loop = ctx.channel().eventLoop();
        result.whenComplete((reply, failure) -> {
            OutboundFrame frameOut = Replies.of(requestId, verbCode, reply, failure, limits.payloadBytesMax());
            if (loop.inEventLoop()) {
                replyLater(ctx, frameOut);
            } else {
                try {
                    loop.execute(() -> replyLater(ctx, frameOut));
                } catch (RejectedExecutionException e) {
                    // The event loop is gone and the connection with it; nobody awaits this reply.
                    log.debug("dropping reply to {} for {}: event loop shut down", from, verb);
                }
            }
        });
    }

    /** During a read: write now, flush at the end of the read batch. */
    private void replyNow(ChannelHandlerContext ctx, OutboundFrame reply) {
        ctx.write(reply, ctx.voidPromise());
        flushNeeded = true;
    }

    /** A handler completed after its request was read: flush now unless a read batch will. */
    private void replyLater(ChannelHandlerContext ctx, OutboundFrame reply) {
        unanswered--;
        if (!ctx.channel().isActive()) {
            return; // the requester's connection is gone; its request failed there already
        }
        ctx.write(reply, ctx.voidPromise());
        if (inReadBatch) {
            flushNeeded = true;
        } else if (!laterFlushScheduled) {
            // Replies completing in one burst (a coordinator's quorum answering many requests)
            // share one flush: a task queued behind the burst's other completions.
            laterFlushScheduled = true;
            ctx.channel().eventLoop().execute(() -> {
                laterFlushScheduled = false;
                ctx.flush();
            });
        }
    }

    /** Authentication failed: counted, logged with the remote address, connection closed. */
    private void refuse(ChannelHandlerContext ctx, String reason) {
        closing = true;
        stats.connectionsRefused.increment();
        log.warn("refused cluster connection from {}: {}", remote(ctx), reason);
        ctx.close();
    }

    private void violation(ChannelHandlerContext ctx, String reason) {
        closing = true;
        log.warn("closing cluster connection from {} at {}: {}", from, remote(ctx), reason);
        ctx.close();
    }

    private static SocketAddress remote(ChannelHandlerContext ctx) {
        return ctx.channel().remoteAddress();
    }
}
