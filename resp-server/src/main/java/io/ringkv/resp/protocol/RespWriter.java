package io.ringkv.resp.protocol;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * Writes replies in RESP2 or RESP3 straight into the connection's outbound buffer, choosing
 * the encoding of each type by protocol version as Redis does (maps, sets, doubles, booleans
 * and null fall back to their RESP2 shapes). No reply objects are allocated on the hot path.
 */
public final class RespWriter {
    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] OK = "+OK\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NULL_BULK = "$-1\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NULL_ARRAY = "*-1\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NULL3 = "_\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[][] SMALL_INTS = new byte[1024][];

    static {
        for (int i = 0; i < SMALL_INTS.length; i++) {
            SMALL_INTS[i] = (":" + i + "\r\n").getBytes(StandardCharsets.US_ASCII);
        }
    }

    private ByteBuf out;
    private int protocol = 2;

    public RespWriter() {}

    public RespWriter(ByteBuf out, int protocol) {
        this.out = out;
        this.protocol = protocol;
    }

    public void target(ByteBuf out) {
        this.out = out;
    }

    public ByteBuf buffer() {
        return out;
    }

    public int protocol() {
        return protocol;
    }

    public void protocol(int protocol) {
        this.protocol = protocol;
    }

    public boolean resp3() {
        return protocol == 3;
    }

    /** Bytes that are already a complete RESP reply (from a coordinator), written unchanged. */
    public void raw(byte[] reply) {
        out.writeBytes(reply);
    }

    public void ok() {
        out.writeBytes(OK);
    }

    public void simple(String s) {
        out.writeByte('+');
        writeAsciiSanitized(s);
        out.writeBytes(CRLF);
    }

    /**
     * An error reply. {@code message} starts with its code (e.g. "ERR ..."); CR and LF are
     * replaced by spaces as Redis does, so a reply can never break the framing.
     */
    public void error(String message) {
        out.writeByte('-');
        writeAsciiSanitized(message);
        out.writeBytes(CRLF);
    }

    /**
     * An error reply whose text quotes client bytes verbatim, as Redis does (the String form
     * would re-encode non-UTF-8 bytes). CR and LF become spaces, as in Redis's
     * addReplyErrorLength.
     */
    public void error(byte[] message) {
        out.writeByte('-');
        for (byte b : message) {
            out.writeByte(b == '\r' || b == '\n' ? ' ' : b);
        }
        out.writeBytes(CRLF);
    }

    private void writeAsciiSanitized(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < b.length; i++) {
            if (b[i] == '\r' || b[i] == '\n') {
                b[i] = ' ';
            }
        }
        out.writeBytes(b);
    }

    public void integer(long v) {
        if (v >= 0 && v < SMALL_INTS.length) {
            out.writeBytes(SMALL_INTS[(int) v]);
            return;
        }
        out.writeByte(':');
        writeDecimal(v);
        out.writeBytes(CRLF);
    }

    public void bulk(byte[] b) {
        if (b == null) {
            nullBulk();
            return;
        }
        bulk(b, 0, b.length);
    }

    public void bulk(byte[] b, int off, int len) {
        out.writeByte('$');
        writeDecimal(len);
        out.writeBytes(CRLF);
        out.writeBytes(b, off, len);
        out.writeBytes(CRLF);
    }

    public void bulk(String s) {
        bulk(s.getBytes(StandardCharsets.UTF_8));
    }

    /** The null reply: {@code $-1} in RESP2, {@code _} in RESP3. */
    public void nullBulk() {
        out.writeBytes(protocol == 3 ? NULL3 : NULL_BULK);
    }

    /** The null array: {@code *-1} in RESP2, {@code _} in RESP3. */
    public void nullArray() {
        out.writeBytes(protocol == 3 ? NULL3 : NULL_ARRAY);
    }

    public void arrayHeader(long n) {
        out.writeByte('*');
        writeDecimal(n);
        out.writeBytes(CRLF);
    }

    /** A map of {@code pairs} entries; in RESP2 a flat array of 2*pairs elements. */
    public void mapHeader(long pairs) {
        if (protocol == 3) {
            out.writeByte('%');
            writeDecimal(pairs);
        } else {
            out.writeByte('*');
            writeDecimal(pairs * 2);
        }
        out.writeBytes(CRLF);
    }

    /** A set; in RESP2 an array. */
    public void setHeader(long n) {
        out.writeByte(protocol == 3 ? '~' : '*');
        writeDecimal(n);
        out.writeBytes(CRLF);
    }

    /** A double; in RESP2 a bulk string. {@code text} is already formatted as Redis would. */
    public void doubleReply(String text) {
        if (protocol == 3) {
            out.writeByte(',');
            out.writeCharSequence(text, StandardCharsets.US_ASCII);
            out.writeBytes(CRLF);
        } else {
            bulk(text);
        }
    }

    /** A boolean; in RESP2 the integer 1 or 0. */
    public void bool(boolean v) {
        if (protocol == 3) {
            out.writeBytes(v ? "#t\r\n".getBytes(StandardCharsets.US_ASCII) : "#f\r\n".getBytes(StandardCharsets.US_ASCII));
        } else {
            integer(v ? 1 : 0);
        }
    }

    /** Verbatim text (INFO, CLIENT INFO); in RESP2 a bulk string. */
    public void verbatim(String text) {
        if (protocol == 3) {
            byte[] b = text.getBytes(StandardCharsets.UTF_8);
            out.writeByte('=');
            writeDecimal(b.length + 4);
            out.writeBytes(CRLF);
            out.writeCharSequence("txt:", StandardCharsets.US_ASCII);
            out.writeBytes(b);
            out.writeBytes(CRLF);
        } else {
            bulk(text);
        }
    }

    private void writeDecimal(long v) {
        if (v >= 0 && v < 10) {
            out.writeByte('0' + (int) v);
            return;
        }
        out.writeCharSequence(Long.toString(v), StandardCharsets.US_ASCII);
    }
}
