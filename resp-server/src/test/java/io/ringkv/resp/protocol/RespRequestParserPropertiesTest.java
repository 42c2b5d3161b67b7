package io.ringkv.resp.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/** Any split of a valid request stream yields the same requests as the unsplit stream. */
class RespRequestParserPropertiesTest {

    @Provide
    Arbitrary<List<List<byte[]>>> requests() {
        Arbitrary<byte[]> arg = Arbitraries.bytes().array(byte[].class).ofMaxSize(40);
        return arg.list().ofMinSize(1).ofMaxSize(6).list().ofMinSize(1).ofMaxSize(8);
    }

    private static byte[] encode(List<List<byte[]>> reqs) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (List<byte[]> r : reqs) {
            b.writeBytes(("*" + r.size() + "\r\n").getBytes(StandardCharsets.US_ASCII));
            for (byte[] a : r) {
                b.writeBytes(("$" + a.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
                b.writeBytes(a);
                b.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
            }
        }
        return b.toByteArray();
    }

    @Property(tries = 300)
    void chunkBoundariesNeverChangeTheRequests(@ForAll("requests") List<List<byte[]>> reqs, @ForAll @IntRange(min = 1, max = 17) int chunk)
            throws ProtocolException {
        byte[] wire = encode(reqs);
        RespRequestParser parser = new RespRequestParser(RequestLimits::defaults);
        ByteBuf cumulation = Unpooled.buffer();
        List<List<byte[]>> got = new ArrayList<>();
        for (int off = 0; off < wire.length; off += chunk) {
            cumulation.writeBytes(wire, off, Math.min(chunk, wire.length - off));
            Request r;
            while ((r = parser.parse(cumulation, true)) != null) {
                got.add(r.args());
            }
            cumulation.discardReadBytes();
        }
        assertThat(cumulation.isReadable()).isFalse();
        cumulation.release();
        assertThat(got).hasSameSizeAs(reqs);
        for (int i = 0; i < reqs.size(); i++) {
            assertThat(got.get(i)).containsExactlyElementsOf(reqs.get(i));
        }
    }
}
