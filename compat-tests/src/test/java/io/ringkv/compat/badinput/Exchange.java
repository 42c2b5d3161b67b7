package io.ringkv.compat.badinput;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringkv.compat.harness.RawRespClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/**
 * One raw exchange on a fresh connection: send bytes, collect every byte the server sends
 * back until it closes the connection or stays quiet for a while. Records whether the server
 * closed the connection (EOF), which is half of what a protocol error must do.
 */
record Exchange(byte[] reply, boolean closedByServer) {
    static final int QUIET_MILLIS = 250;

    static Exchange send(int port, byte[] request) throws IOException {
        return send(port, request, QUIET_MILLIS, false);
    }

    /**
     * @param halfClose shut down our output after sending, so the server sees EOF (as Redis
     *     does, it then closes): bounds the exchange without waiting for a quiet period.
     */
    static Exchange send(int port, byte[] request, int quietMillis, boolean halfClose) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(quietMillis);
            s.setTcpNoDelay(true);
            try {
                s.getOutputStream().write(request);
                s.getOutputStream().flush();
                if (halfClose) {
                    s.shutdownOutput();
                }
            } catch (IOException e) {
                // The server may close while we are still writing (after a protocol error).
            }
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            InputStream in = s.getInputStream();
            byte[] buf = new byte[8192];
            while (true) {
                int n;
                try {
                    n = in.read(buf);
                } catch (SocketTimeoutException e) {
                    return new Exchange(got.toByteArray(), false);
                } catch (IOException e) {
                    return new Exchange(got.toByteArray(), true); // reset by the server
                }
                if (n < 0) {
                    return new Exchange(got.toByteArray(), true);
                }
                got.write(buf, 0, n);
            }
        }
    }

    String text() {
        return new String(reply, StandardCharsets.ISO_8859_1);
    }

    /** The server answers PING on a fresh connection and {@code key} still holds {@code value}. */
    static void assertHealthy(int port, String key, String value) throws IOException {
        try (RawRespClient c = new RawRespClient(port)) {
            assertThat(c.callString("PING")).isEqualTo("+PONG\r\n");
            assertThat(c.callString("GET", key)).isEqualTo("$" + value.length() + "\r\n" + value + "\r\n");
        }
    }

    static void put(int port, String key, String value) throws IOException {
        try (RawRespClient c = new RawRespClient(port)) {
            assertThat(c.callString("SET", key, value)).isEqualTo("+OK\r\n");
        }
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    static String show(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (byte x : b) {
            int c = x & 0xff;
            if (c == '\r') {
                sb.append("\\r");
            } else if (c == '\n') {
                sb.append("\\n");
            } else if (c < 32 || c > 126) {
                sb.append(String.format("\\x%02x", c));
            } else {
                sb.append((char) c);
            }
        }
        return sb.toString();
    }
}
