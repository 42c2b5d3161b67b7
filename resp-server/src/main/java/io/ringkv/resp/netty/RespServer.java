package io.ringkv.resp.netty;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.ringkv.resp.command.CommandContext;
import io.ringkv.resp.command.ServerContext;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * The client-facing RESP listener of one node: native epoll where available, else NIO. Each
 * connection gets a decoder and a {@link ConnectionHandler} sharing one {@link CommandContext}.
 */
public final class RespServer implements AutoCloseable {
    private final ServerContext server;
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final Class<? extends ServerChannel> channelClass;
    private Channel listener;

    public RespServer(ServerContext server, int ioThreads) {
        this.server = server;
        IoHandlerFactory factory = Epoll.isAvailable() ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        this.channelClass = Epoll.isAvailable() ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        this.boss = new MultiThreadIoEventLoopGroup(1, factory);
        this.workers = new MultiThreadIoEventLoopGroup(ioThreads, factory);
    }

    /** Binds and returns the actual address (port 0 picks a free port). */
    public InetSocketAddress start(String bind, int port) throws InterruptedException {
        ServerBootstrap b = new ServerBootstrap()
                .group(boss, workers)
                .channel(channelClass)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        // The connection stops reading while this many reply bytes are queued
                        // (ConnectionHandler.channelWritabilityChanged), resuming at a quarter.
                        int outputMax = server.config().getInt("client-output-buffer-bytes-max");
                        ch.config().setWriteBufferWaterMark(new WriteBufferWaterMark(outputMax / 4, outputMax));
                        CommandContext client = new CommandContext(server, server.newClientId(), ch,
                                format(ch.remoteAddress()), format(ch.localAddress()), server.clock().currentTimeMillis());
                        ch.pipeline().addLast("resp-decoder", new RespDecoder(server.config()::requestLimits, client::authenticated));
                        ch.pipeline().addLast("connection", new ConnectionHandler(server, client));
                    }
                });
        listener = b.bind(bind, port).sync().channel();
        InetSocketAddress addr = (InetSocketAddress) listener.localAddress();
        server.boundPort(addr.getPort());
        return addr;
    }

    private static String format(InetSocketAddress a) {
        if (a == null) {
            return "?:0";
        }
        return a.getAddress().getHostAddress() + ":" + a.getPort();
    }

    /** Closes clients idle longer than {@code timeout} seconds (0 = never), like Redis's clientsCron. */
    public void closeIdleClients() {
        long timeoutSeconds = server.config().getLong("timeout");
        if (timeoutSeconds <= 0) {
            return;
        }
        long now = server.clock().currentTimeMillis();
        for (CommandContext c : server.clients()) {
            if (now - c.lastInteractionMillis() > timeoutSeconds * 1000) {
                c.channel().close();
            }
        }
    }

    @Override
    public void close() {
        if (listener != null) {
            listener.close().syncUninterruptibly();
        }
        for (CommandContext c : server.clients()) {
            c.channel().close();
        }
        boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
