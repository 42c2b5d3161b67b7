package io.ringkv.compat.harness;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/**
 * A byte-level RESP client for differential and bad-input tests: sends raw bytes and reads one
 * complete reply (RESP2 or RESP3) back as the exact bytes the server sent.
 */
public final class RawRespClient implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    public RawRespClient(int port) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(5000);
        socket.setTcpNoDelay(true);
        in = new java.io.BufferedInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    public static byte[] command(String... args) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        byte[][] parts = new byte[args.length][];
        for (int i = 0; i < args.length; i++) {
            parts[i] = args[i].getBytes(StandardCharsets.UTF_8);
        }
        return command(parts);
    }

    public static byte[] command(byte[]... args) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(("*" + args.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
        for (byte[] a : args) {
            b.writeBytes(("$" + a.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
            b.writeBytes(a);
            b.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        return b.toByteArray();
    }

    public void send(byte[] raw) throws IOException {
        out.write(raw);
        out.flush();
    }

    /** Sends a command and returns its reply's bytes. */
    public byte[] call(String... args) throws IOException {
        send(command(args));
        return readReply();
    }

    public String callString(String... args) throws IOException {
        return new String(call(args), StandardCharsets.UTF_8);
    }

    public void setTimeoutMillis(int millis) throws IOException {
        socket.setSoTimeout(millis);
    }

    /** Reads one full reply; throws EOFException if the server closed the connection. */
    public byte[] readReply() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        readValue(b);
        return b.toByteArray();
    }

    /** True if the server closed the connection (EOF) within the socket timeout. */
    public boolean isClosedByServer() throws IOException {
        try {
            return in.read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    private void readValue(ByteArrayOutputStream b) throws IOException {
        String line = readLine(b);
        char type = line.charAt(0);
        switch (type) {
            case '+', '-', ':', '_', ',', '#', '(' -> { }
            case '$', '=', '!' -> {
                int len = Integer.parseInt(line.substring(1));
                if (len >= 0) {
                    byte[] body = in.readNBytes(len + 2);
                    if (body.length < len + 2) {
                        throw new EOFException("connection closed inside a bulk reply");
                    }
                    b.writeBytes(body);
                }
            }
            case '*', '~', '>' -> {
                int n = Integer.parseInt(line.substring(1));
                for (int i = 0; i < n; i++) {
                    readValue(b);
                }
            }
            case '%', '|' -> {
                int n = Integer.parseInt(line.substring(1));
                for (int i = 0; i < 2 * n; i++) {
                    readValue(b);
                }
            }
            default -> throw new IOException("unexpected reply type '" + type + "' in line: " + line);
        }
    }

    private String readLine(ByteArrayOutputStream b) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int prev = -1;
        while (true) {
            int c = in.read();
            if (c < 0) {
                throw new EOFException("connection closed by server");
            }
            b.write(c);
            if (prev == '\r' && c == '\n') {
                byte[] l = line.toByteArray();
                return new String(l, 0, l.length - 1, StandardCharsets.UTF_8);
            }
            line.write(c);
            prev = c;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
