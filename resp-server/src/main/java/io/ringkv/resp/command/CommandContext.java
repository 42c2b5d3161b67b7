package io.ringkv.resp.command;

import io.netty.channel.Channel;
import io.ringkv.ring.Consistency;
import io.ringkv.resp.protocol.RespWriter;
import java.util.concurrent.CompletableFuture;

/**
 * The state of one client connection (what Redis keeps in its {@code client} struct) plus a
 * reference to the node it talks to. Touched only from the connection's event-loop thread,
 * except for fields read by CLIENT LIST/KILL and the idle check, which are volatile.
 */
public final class CommandContext {
    private final ServerContext server;
    private final long id;
    private final Channel channel;
    private final String addr;
    private final String laddr;
    private final long createdMillis;
    private volatile long lastInteractionMillis;
    private volatile String name = "";
    private volatile String libName = "";
    private volatile String libVer = "";
    private volatile int protocol = 2;
    private volatile boolean authenticated;
    private volatile String lastCommand = "NULL";
    private volatile boolean noEvict;
    private volatile boolean noTouch;
    private volatile boolean closeAfterReply;
    /** Levels set by CONSISTENCY; null = the server's defaults. */
    private volatile Consistency connectionConsistency;
    /** Levels of the command being run under CL; null outside CL. */
    private Consistency commandConsistency;
    /** True for the context that runs requests forwarded by another node (never re-forwards). */
    private final boolean forwarded;
    private Deferred<?> deferred;

    public CommandContext(ServerContext server, long id, Channel channel, String addr, String laddr, long nowMillis) {
        this.server = server;
        this.id = id;
        this.channel = channel;
        this.addr = addr;
        this.laddr = laddr;
        this.createdMillis = nowMillis;
        this.lastInteractionMillis = nowMillis;
        this.authenticated = server.config().requirePass().isEmpty();
        this.forwarded = false;
    }

    private CommandContext(ServerContext server, int protocol, Consistency consistency) {
        this.server = server;
        this.id = 0;
        this.channel = null;
        this.addr = "cluster";
        this.laddr = "cluster";
        this.createdMillis = server.clock().currentTimeMillis();
        this.lastInteractionMillis = createdMillis;
        this.authenticated = true;
        this.protocol = protocol;
        this.connectionConsistency = consistency;
        this.forwarded = true;
    }

    /**
     * A context for requests another node forwarded here: already authenticated there, with the
     * client's protocol and consistency levels; its commands run here, never forwarded again.
     */
    public static CommandContext forwarded(ServerContext server, int protocol, Consistency consistency) {
        return new CommandContext(server, protocol, consistency);
    }

    public boolean isForwarded() {
        return forwarded;
    }

    /** The levels the current command runs with: CL's, else the connection's, else the server's. */
    public Consistency consistency() {
        Consistency c = commandConsistency;
        if (c != null) {
            return c;
        }
        c = connectionConsistency;
        return c != null ? c : server.defaultConsistency();
    }

    /** The levels CONSISTENCY set for this connection, or null for the server defaults. */
    public Consistency connectionConsistency() {
        return connectionConsistency;
    }

    public void connectionConsistency(Consistency c) {
        connectionConsistency = c;
    }

    /** Sets (non-null) or clears (null) the levels of the command CL is running. */
    public void commandConsistency(Consistency c) {
        commandConsistency = c;
    }

    /**
     * Replies with what {@code f} produces: at once when it is already complete (the common,
     * local case), otherwise later, in order with the connection's other replies. Failures
     * become Redis error replies (UNAVAILABLE, TIMEOUT, ...). At most once per command.
     */
    public <T> void reply(RespWriter out, CompletableFuture<T> f, Deferred.Renderer<T> render) {
        if (f.isDone()) {
            Deferred.render(out, f, render);
            return;
        }
        if (deferred != null) {
            throw new IllegalStateException("a command may defer its reply only once");
        }
        deferred = new Deferred<>(f, render);
    }

    /** The reply the last command deferred, if any; clears it. */
    public Deferred<?> takeDeferred() {
        Deferred<?> d = deferred;
        deferred = null;
        return d;
    }

    public ServerContext server() {
        return server;
    }

    public long id() {
        return id;
    }

    public Channel channel() {
        return channel;
    }

    public String addr() {
        return addr;
    }

    public String laddr() {
        return laddr;
    }

    public long createdMillis() {
        return createdMillis;
    }

    public long lastInteractionMillis() {
        return lastInteractionMillis;
    }

    public void touch(long nowMillis) {
        lastInteractionMillis = nowMillis;
    }

    public String name() {
        return name;
    }

    public void name(String n) {
        name = n;
    }

    public String libName() {
        return libName;
    }

    public void libName(String v) {
        libName = v;
    }

    public String libVer() {
        return libVer;
    }

    public void libVer(String v) {
        libVer = v;
    }

    public int protocol() {
        return protocol;
    }

    public void protocol(int p) {
        protocol = p;
    }

    /** True when no password is configured or the client has authenticated. */
    public boolean authenticated() {
        return authenticated || server.config().requirePass().isEmpty();
    }

    public void authenticated(boolean a) {
        authenticated = a;
    }

    public String lastCommand() {
        return lastCommand;
    }

    public void lastCommand(String c) {
        lastCommand = c;
    }

    public void noEvict(boolean v) {
        noEvict = v;
    }

    public void noTouch(boolean v) {
        noTouch = v;
    }

    public String flags() {
        StringBuilder sb = new StringBuilder();
        if (noEvict) {
            sb.append('e');
        }
        if (noTouch) {
            sb.append('T');
        }
        return sb.length() == 0 ? "N" : sb.toString();
    }

    /** Ask the connection to close once the current reply has been written (QUIT). */
    public void closeAfterReply() {
        closeAfterReply = true;
    }

    public boolean shouldCloseAfterReply() {
        return closeAfterReply;
    }
}
