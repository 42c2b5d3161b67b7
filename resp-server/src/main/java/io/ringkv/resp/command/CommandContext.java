package io.ringkv.resp.command;

import io.netty.channel.Channel;

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

    public CommandContext(ServerContext server, long id, Channel channel, String addr, String laddr, long nowMillis) {
        this.server = server;
        this.id = id;
        this.channel = channel;
        this.addr = addr;
        this.laddr = laddr;
        this.createdMillis = nowMillis;
        this.lastInteractionMillis = nowMillis;
        this.authenticated = server.config().requirePass().isEmpty();
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
