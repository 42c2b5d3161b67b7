package io.ringkv.ring.transport.netty;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.ringkv.ring.NodeId;
import java.net.InetSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connecting side of one connection: answers the server's challenge, checks the server's
 * proof and node id, then hands replies to its {@link Owner}. Until the server is verified
 * nothing but the auth-response is written. Runs on the connection's event loop.
 */
final class ClientHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(ClientHandler.class);

    /** Who the connection serves: a {@link PeerConnection}, or a one-off identification. */
    interface Owner {
        /** Loop: the server proved it holds the secret; {@code server} is its node id. */
        void onAuthenticated(ClientHandler handler, NodeId server);

        /** Loop: a reply (or error reply) to one of the owner's requests. */
        void onResponse(InboundFrame frame);
    }

    private final Handshake handshake;
    private final Owner owner;
    /** The node expected at the address; null accepts whichever node answers. */
    private final NodeId expectedPeer;
    private final InetSocketAddress address;
    private final TransportStats stats;
    private byte[] clientNonce;
    private boolean authenticated;
    /** First reason this connection failed, reported to the requests it fails. */
    private String failureReason;

    ClientHandler(Handshake handshake, Owner owner, NodeId expectedPeer, InetSocketAddress address, TransportStats stats) {
        this.handshake = handshake;
        this.owner = owner;
        this.expectedPeer = expectedPeer;
        this.address = address;
        this.stats = stats;
    }

    /**
     * Why the connection ended, for the requests it fails. Called from the close future's
     * listener, which Netty runs before {@code channelInactive}, so the state is read here.
     */
    String closeReason() {
        if (failureReason != null) {
            return failureReason;
        }
        if (authenticated) {
            return "connection closed";
        }
        if (clientNonce != null) {
            // A server refuses a bad MAC by closing without a word, so this is the usual sign.
            return "closed by the peer during the handshake (different cluster secret?)";
        }
        return "closed by the peer before the handshake";
    }

    /** Records why the connection is failing; the first reason wins. */
    void failed(String reason) {
        if (failureReason == null) {
            failureReason = reason;
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        InboundFrame frame = (InboundFrame) msg;
        if (failureReason != null) {
            return; // closing; frames decoded from the same read are moot
        }
        if (authenticated) {
            if (frame.kind() == WireProtocol.KIND_RESPONSE || frame.kind() == WireProtocol.KIND_ERROR) {
                owner.onResponse(frame);
            } else {
                violation(ctx, "unexpected " + WireProtocol.kindName(frame.kind()) + " after authentication");
            }
        } else if (clientNonce == null) {
            answerChallenge(ctx, frame);
        } else {
            checkAuthOk(ctx, frame);
        }
    }

    private void answerChallenge(ChannelHandlerContext ctx, InboundFrame frame) {
        if (frame.kind() != WireProtocol.KIND_AUTH_CHALLENGE) {
            violation(ctx, "expected auth-challenge, got " + WireProtocol.kindName(frame.kind()));
            return;
        }
        byte[] serverNonce;
        try {
            serverNonce = Handshake.parseChallenge(frame.payload());
        } catch (IllegalArgumentException e) {
            violation(ctx, e.getMessage());
            return;
        }
        clientNonce = handshake.newNonce();
        ctx.writeAndFlush(new OutboundFrame(WireProtocol.KIND_AUTH_RESPONSE, 0, 0,
                handshake.authResponse(serverNonce, clientNonce)), ctx.voidPromise());
    }

    private void checkAuthOk(ChannelHandlerContext ctx, InboundFrame frame) {
        if (frame.kind() != WireProtocol.KIND_AUTH_OK) {
            violation(ctx, "expected auth-ok, got " + WireProtocol.kindName(frame.kind()));
            return;
        }
        Handshake.AuthOk ok;
        try {
            ok = Handshake.parseAuthOk(frame.payload());
        } catch (IllegalArgumentException e) {
            violation(ctx, "malformed auth-ok: " + e.getMessage());
            return;
        }
        if (!handshake.verifyServer(clientNonce, ok)) {
            stats.connectionsRefused.increment();
            violation(ctx, "it failed authentication (bad cluster secret)");
            return;
        }
        if (expectedPeer != null && !ok.nodeId().equals(expectedPeer)) {
            // The address now belongs to another node (membership moved on); do not mix them up.
            violation(ctx, "expected node " + expectedPeer + " but " + ok.nodeId() + " answered");
            return;
        }
        authenticated = true;
        ctx.pipeline().get(FrameDecoder.class).authenticated();
        owner.onAuthenticated(this, ok.nodeId());
    }

    private void violation(ChannelHandlerContext ctx, String reason) {
        log.warn("closing cluster connection to {} at {}: {}", expectedPeer, address, reason);
        failed(reason);
        ctx.close();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof DecoderException) {
            violation(ctx, PeerConnection.describe(cause)); // malformed or over-long frame
        } else {
            // I/O errors (reset, broken pipe) are logged once, as the disconnect, by PeerConnection.
            failed(PeerConnection.describe(cause));
            ctx.close();
        }
    }
}
