package io.ringkv.ring.transport;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.ringkv.ring.NodeId;
import io.ringkv.ring.transport.netty.FrameDecoder;
import io.ringkv.ring.transport.netty.FrameEncoder;
import io.ringkv.ring.transport.netty.Handshake;
import io.ringkv.ring.transport.netty.InboundFrame;
import io.ringkv.ring.transport.netty.OutboundFrame;
import io.ringkv.ring.transport.netty.WireProtocol;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A hand-driven cluster connection for tests that need to send what a well-behaved
 * {@link io.ringkv.ring.transport.netty.NettyMessagingService} never would.
 */
final class RawClusterClient implements AutoCloseable {
    private final Channel channel;
    private final BlockingQueue<InboundFrame> received = new LinkedBlockingQueue<>();

    RawClusterClient(EventLoopGroup group, InetSocketAddress server) throws InterruptedException {
        channel = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline()
                                .addLast(new FrameDecoder(1 << 20, bytes -> { }))
                                .addLast(new FrameEncoder(bytes -> { }))
                                .addLast(new SimpleChannelInboundHandler<InboundFrame>() {
                                    @Override
                                    protected void channelRead0(ChannelHandlerContext ctx, InboundFrame frame) {
                                        received.add(frame);
                                    }
                                });
                    }
                })
                .connect(server).sync().channel();
    }

    /** Runs the client half of the handshake as {@code self}; returns the auth-ok frame. */
    InboundFrame authenticate(NodeId self, byte[] secret) throws InterruptedException {
        InboundFrame challenge = next();
        Handshake handshake = new Handshake(self, secret, new SecureRandom());
        send(new OutboundFrame(WireProtocol.KIND_AUTH_RESPONSE, 0, 0,
                handshake.authResponse(Handshake.parseChallenge(challenge.payload()), handshake.newNonce())));
        InboundFrame ok = next();
        channel.eventLoop().submit(() -> channel.pipeline().get(FrameDecoder.class).authenticated()).sync();
        return ok;
    }

    void send(OutboundFrame frame) {
        channel.writeAndFlush(frame);
    }

    void sendRaw(ByteBuf bytes) {
        channel.writeAndFlush(bytes);
    }

    InboundFrame next() throws InterruptedException {
        InboundFrame frame = received.poll(TransportTestSupport.WAIT_MAX.toMillis(), TimeUnit.MILLISECONDS);
        if (frame == null) {
            throw new AssertionError("no frame from the server within " + TransportTestSupport.WAIT_MAX);
        }
        return frame;
    }

    /** True once the server closed the connection. */
    boolean awaitClosed() {
        return channel.closeFuture().awaitUninterruptibly(TransportTestSupport.WAIT_MAX.toMillis());
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
    }
}
