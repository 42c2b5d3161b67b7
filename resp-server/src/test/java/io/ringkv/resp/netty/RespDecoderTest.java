package io.ringkv.resp.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ResourceLeakDetector;
import io.ringkv.resp.protocol.ProtocolException;
import io.ringkv.resp.protocol.Request;
import io.ringkv.resp.protocol.RequestLimits;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The decoder fed byte by byte through an EmbeddedChannel, with leak detection PARANOID. */
class RespDecoderTest {
    private static ResourceLeakDetector.Level previous;

    @BeforeAll
    static void paranoid() {
        previous = ResourceLeakDetector.getLevel();
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
    }

    @AfterAll
    static void restore() {
        ResourceLeakDetector.setLevel(previous);
    }

    private final AtomicBoolean authenticated = new AtomicBoolean(true);
    private RequestLimits limits = RequestLimits.defaults();

    private EmbeddedChannel channel() {
        return new EmbeddedChannel(new RespDecoder(() -> limits, authenticated::get));
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Writes {@code input} one byte at a time; returns everything emitted, in order. */
    private static List<Object> feedByteByByte(EmbeddedChannel ch, byte[] input, int expectAfterLastByteOnly) {
        List<Object> out = new ArrayList<>();
        for (int i = 0; i < input.length; i++) {
            ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {input[i]}));
            Object o;
            while ((o = ch.readInbound()) != null) {
                out.add(o);
            }
            if (i < input.length - 1 && expectAfterLastByteOnly > 0) {
                assertThat(out).as("nothing emitted before the frame completes (byte %d)", i).isEmpty();
            }
        }
        return out;
    }

    private static List<String> args(Object o) {
        assertThat(o).isInstanceOf(Request.class);
        List<String> s = new ArrayList<>();
        for (byte[] a : ((Request) o).args()) {
            s.add(new String(a, StandardCharsets.ISO_8859_1));
        }
        return s;
    }

    @Test
    void multibulkArrivingOneByteAtATimeEmitsOnlyWhenComplete() {
        EmbeddedChannel ch = channel();
        List<Object> out = feedByteByByte(ch, b("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nv\r\nxy\r\n"), 1);
        assertThat(out).hasSize(1);
        assertThat(args(out.get(0))).containsExactly("SET", "k", "v\r\nxy");
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void pipelinedRequestsComeOutInOrder() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(Unpooled.wrappedBuffer(b("*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$0\r\n\r\nPING\r\n")));
        assertThat(args(ch.readInbound())).containsExactly("PING");
        assertThat(args(ch.readInbound())).containsExactly("ECHO", "");
        assertThat(args(ch.readInbound())).containsExactly("PING");
        assertThat((Object) ch.readInbound()).isNull();
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void inlineCommandsSplitLikeRedis() {
        EmbeddedChannel ch = channel();
        List<Object> out = feedByteByByte(ch, b("set \"a b\\x41\\n\" 'it\\'s'  x\r\n"), 1);
        assertThat(args(out.get(0))).containsExactly("set", "a bA\n", "it's", "x");
        ch.writeInbound(Unpooled.wrappedBuffer(b("\r\n   \nping\n")));
        assertThat(args(ch.readInbound())).containsExactly("ping");
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void emptyMultibulkIsSkipped() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(Unpooled.wrappedBuffer(b("*0\r\n*-1\r\n*1\r\n$4\r\nPING\r\n")));
        assertThat(args(ch.readInbound())).containsExactly("PING");
        assertThat(ch.finish()).isFalse();
    }

    private static String errorOf(EmbeddedChannel ch, String input) {
        ch.writeInbound(Unpooled.wrappedBuffer(b(input)));
        Object o = ch.readInbound();
        assertThat(o).isInstanceOf(ProtocolException.class);
        return ((ProtocolException) o).getMessage();
    }

    @Test
    void malformedLengthsGetRedisErrors() {
        assertThat(errorOf(channel(), "*abc\r\n")).isEqualTo("ERR Protocol error: invalid multibulk length");
        assertThat(errorOf(channel(), "*01\r\n")).isEqualTo("ERR Protocol error: invalid multibulk length");
        assertThat(errorOf(channel(), "*1\r\n$-1\r\n")).isEqualTo("ERR Protocol error: invalid bulk length");
        assertThat(errorOf(channel(), "*1\r\n$x\r\n")).isEqualTo("ERR Protocol error: invalid bulk length");
        assertThat(errorOf(channel(), "*1\r\nfoo\r\n")).isEqualTo("ERR Protocol error: expected '$', got 'f'");
        assertThat(errorOf(channel(), "*3000000000\r\n")).isEqualTo("ERR Protocol error: invalid multibulk length");
        assertThat(errorOf(channel(), "set \"unbalanced\r\n")).isEqualTo("ERR Protocol error: unbalanced quotes in request");
        assertThat(errorOf(channel(), "set \"a\"b\r\n")).isEqualTo("ERR Protocol error: unbalanced quotes in request");
    }

    @Test
    void bulkAboveProtoMaxBulkLenIsRejected() {
        limits = new RequestLimits(10, 1 << 30);
        assertThat(errorOf(channel(), "*1\r\n$11\r\n")).isEqualTo("ERR Protocol error: invalid bulk length");
        EmbeddedChannel ok = channel();
        ok.writeInbound(Unpooled.wrappedBuffer(b("*1\r\n$10\r\n0123456789\r\n")));
        assertThat(args(ok.readInbound())).containsExactly("0123456789");
        assertThat(ok.finish()).isFalse();
    }

    @Test
    void oversizedInlineAndLengthLinesAreRejected() {
        String big = "x".repeat(RequestLimits.INLINE_MAX_BYTES + 1);
        assertThat(errorOf(channel(), big)).isEqualTo("ERR Protocol error: too big inline request");
        assertThat(errorOf(channel(), "*" + big)).isEqualTo("ERR Protocol error: too big mbulk count string");
        assertThat(errorOf(channel(), "*1\r\n$" + big)).isEqualTo("ERR Protocol error: too big bulk count string");
    }

    @Test
    void unauthenticatedClientsGetTighterLimits() {
        authenticated.set(false);
        assertThat(errorOf(channel(), "*11\r\n")).isEqualTo("ERR Protocol error: unauthenticated multibulk length");
        assertThat(errorOf(channel(), "*1\r\n$16385\r\n")).isEqualTo("ERR Protocol error: unauthenticated bulk length");
        EmbeddedChannel ok = channel();
        ok.writeInbound(Unpooled.wrappedBuffer(b("*2\r\n$4\r\nAUTH\r\n$3\r\npw!\r\n")));
        assertThat(args(ok.readInbound())).containsExactly("AUTH", "pw!");
        assertThat(ok.finish()).isFalse();
    }

    @Test
    void hugeDeclaredCountIsAcceptedWithoutPreallocation() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(Unpooled.wrappedBuffer(b("*2147483647\r\n$4\r\nPING\r\n")));
        assertThat((Object) ch.readInbound()).isNull();
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void inputAfterAProtocolErrorIsDiscarded() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(Unpooled.wrappedBuffer(b("*1\r\n$4\r\nPING\r\n*x\r\n*1\r\n$4\r\nPING\r\n")));
        assertThat(args(ch.readInbound())).containsExactly("PING");
        assertThat(ch.<Object>readInbound()).isInstanceOf(ProtocolException.class);
        ch.writeInbound(Unpooled.wrappedBuffer(b("*1\r\n$4\r\nPING\r\n")));
        assertThat((Object) ch.readInbound()).isNull();
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void largeBulkArrivingInChunksIsReassembled() {
        EmbeddedChannel ch = channel();
        int size = 3 * 1024 * 1024 + 7;
        byte[] value = new byte[size];
        for (int i = 0; i < size; i++) {
            value[i] = (byte) (i * 31);
        }
        ch.writeInbound(Unpooled.wrappedBuffer(b("*2\r\n$3\r\nSET\r\n$" + size + "\r\n")));
        for (int off = 0; off < size; off += 65536) {
            ByteBuf chunk = Unpooled.wrappedBuffer(value, off, Math.min(65536, size - off));
            ch.writeInbound(chunk);
            assertThat((Object) ch.readInbound()).isNull();
        }
        ch.writeInbound(Unpooled.wrappedBuffer(b("\r\n")));
        Request r = ch.readInbound();
        assertThat(r.arg(1)).isEqualTo(value);
        assertThat(ch.finish()).isFalse();
    }
}
