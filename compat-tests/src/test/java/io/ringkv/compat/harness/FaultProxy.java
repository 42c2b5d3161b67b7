package io.ringkv.compat.harness;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A fault-injecting TCP proxy on loopback: listens on a free port and relays each connection to
 * one target, byte for byte, until {@link #cut()} closes every relayed connection (with a reset)
 * and refuses new ones (accepted, then reset at once) until {@link #heal()}. One proxy carries
 * one direction of a node pair's cluster traffic, so cutting proxies makes network partitions
 * between real processes. {@link #holdReplies()} lets requests through but holds the target's
 * replies, so a test can lose a reply after its request was executed (then {@link #cut()}).
 *
 * <p>Thread per connection direction, bounded by {@link #CONNECTIONS_MAX}; all threads are
 * daemons and {@link #close()} stops them.
 */
public final class FaultProxy implements AutoCloseable {
    /** Relayed connections at once; a node pair needs one, reconnects briefly need two. */
    private static final int CONNECTIONS_MAX = 16;
    private static final int CONNECT_TIMEOUT_MILLIS = 1000;
    private static final int BUFFER_BYTES = 64 * 1024;

    private final String name;
    private final InetSocketAddress target;
    private final ServerSocket server;
    private final Thread acceptor;
    private final Object lock = new Object();
    /** Guarded by lock: both sockets of every relayed connection. */
    private final List<Socket> open = new ArrayList<>();
    /** Guarded by lock. */
    private final List<Thread> pumps = new ArrayList<>();
    /** Guarded by lock. */
    private boolean cut;
    /** Guarded by lock. */
    private boolean closed;
    /** Guarded by lock: bytes from the target wait until released, cut or healed. */
    private boolean holdingReplies;
    /** Guarded by lock: connections relayed, and refused (while cut, or over the bound). */
    private long relayed;
    /** Guarded by lock. */
    private long refused;

    private FaultProxy(String name, InetSocketAddress target) throws IOException {
        this.name = name;
        this.target = target;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.acceptor = new Thread(this::acceptLoop, "proxy-" + name + "-accept");
        acceptor.setDaemon(true);
    }

    /** Starts a proxy relaying to {@code 127.0.0.1:targetPort}. */
    public static FaultProxy start(String name, int targetPort) throws IOException {
        FaultProxy p = new FaultProxy(name, new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort));
        p.acceptor.start();
        return p;
    }

    public int port() {
        return server.getLocalPort();
    }

    public String name() {
        return name;
    }

    /** Closes every relayed connection and refuses new ones until {@link #heal()}. */
    public void cut() {
        List<Socket> toClose;
        synchronized (lock) {
            cut = true;
            toClose = new ArrayList<>(open);
            open.clear();
            lock.notifyAll();
        }
        toClose.forEach(FaultProxy::reset);
    }

    /** Relays new connections again (the nodes reconnect by themselves); stops holding replies. */
    public void heal() {
        synchronized (lock) {
            cut = false;
            holdingReplies = false;
            lock.notifyAll();
        }
    }

    /**
     * Keeps relaying what the connecting side sends, but holds what the target sends back
     * (replies) until {@link #releaseReplies()}; a {@link #cut()} meanwhile drops them.
     */
    public void holdReplies() {
        synchronized (lock) {
            holdingReplies = true;
        }
    }

    public void releaseReplies() {
        synchronized (lock) {
            holdingReplies = false;
            lock.notifyAll();
        }
    }

    /** Blocks a reply pump while replies are held; false if the connection was cut meanwhile. */
    private boolean awaitRepliesReleased() throws InterruptedException {
        synchronized (lock) {
            while (holdingReplies && !cut && !closed) {
                lock.wait();
            }
            return !cut && !closed;
        }
    }

    public boolean isCut() {
        synchronized (lock) {
            return cut;
        }
    }

    /** Connections refused while cut (shows the nodes kept trying). */
    public long refused() {
        synchronized (lock) {
            return refused;
        }
    }

    public long relayed() {
        synchronized (lock) {
            return relayed;
        }
    }

    private void acceptLoop() {
        while (true) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            boolean admit;
            synchronized (lock) {
                admit = !cut && !closed && open.size() < CONNECTIONS_MAX * 2;
                if (admit) {
                    open.add(client);
                } else {
                    refused++;
                }
            }
            if (!admit) {
                reset(client);
                continue;
            }
            Socket upstream = new Socket();
            try {
                upstream.connect(target, CONNECT_TIMEOUT_MILLIS);
            } catch (IOException e) {
                // The target is down: the client sees its connection reset, as it would directly.
                closeQuietly(upstream);
                forget(client);
                reset(client);
                continue;
            }
            synchronized (lock) {
                if (cut || closed || !open.contains(client)) {
                    admit = false;
                } else {
                    open.add(upstream);
                    relayed++;
                    pumps.removeIf(t -> !t.isAlive());
                    pumps.add(pump(client, upstream, "up", false));
                    pumps.add(pump(upstream, client, "down", true));
                }
            }
            if (!admit) {
                forget(client);
                reset(client);
                reset(upstream);
            }
        }
    }

    private Thread pump(Socket from, Socket to, String direction, boolean replies) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[BUFFER_BYTES];
            try {
                InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream();
                int n;
                while ((n = in.read(buf)) >= 0) {
                    if (replies && !awaitRepliesReleased()) {
                        break;
                    }
                    out.write(buf, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                // The connection was closed (by a side, or by cut()): close the other half too.
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                forget(from);
                forget(to);
                closeQuietly(from);
                closeQuietly(to);
            }
        }, "proxy-" + name + "-" + direction);
        t.setDaemon(true);
        t.start();
        return t;
    }

    private void forget(Socket s) {
        synchronized (lock) {
            open.remove(s);
        }
    }

    /** Closes with RST (SO_LINGER 0), as a dropped link or a refused port looks to the peer. */
    private static void reset(Socket s) {
        try {
            s.setSoLinger(true, 0);
        } catch (IOException e) {
            // already closed
        }
        closeQuietly(s);
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // closing is best effort: the socket is unusable either way
        }
    }

    @Override
    public void close() throws InterruptedException {
        List<Socket> toClose;
        List<Thread> threads;
        synchronized (lock) {
            closed = true;
            toClose = new ArrayList<>(open);
            open.clear();
            threads = new ArrayList<>(pumps);
            lock.notifyAll();
        }
        try {
            server.close();
        } catch (IOException e) {
            // already closed
        }
        toClose.forEach(FaultProxy::reset);
        acceptor.join(TimeUnit.SECONDS.toMillis(5));
        for (Thread t : threads) {
            t.join(TimeUnit.SECONDS.toMillis(5));
        }
    }

    @Override
    public String toString() {
        return "proxy " + name + " :" + port() + " -> " + target.getPort() + (isCut() ? " (cut)" : "");
    }
}
