package io.ringkv.ring.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.TooLongFrameException;
import io.ringkv.ring.transport.netty.FrameDecoder;
import io.ringkv.ring.transport.netty.FrameEncoder;
import io.ringkv.ring.transport.netty.InboundFrame;
import io.ringkv.ring.transport.netty.OutboundFrame;
import io.ringkv.ring.transport.netty.WireProtocol;
import java.util.Arrays;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The frame encoder and decoder on {@link EmbeddedChannel}s, without sockets. */
class FrameCodecTest {
    private static final int FRAME_BYTES_MAX = 64 * 1024;

    private final LongAdder bytesSent = new LongAdder();
    private final LongAdder bytesReceived = new LongAdder();

    @BeforeAll
    static void paranoidLeakDetection() {
        TransportTestSupport.paranoidLeakDetectionAndQuietLogs();
    }

    private EmbeddedChannel decoderChannel(boolean authenticated) {
        FrameDecoder decoder = new FrameDecoder(FRAME_BYTES_MAX, bytesReceived::add);
        if (authenticated) {
            decoder.authenticated();
        }
        return new EmbeddedChannel(decoder);
    }

    /** The bytes the encoder writes for {@code frame}, as one buffer. */
    private ByteBuf encode(OutboundFrame frame) {
        EmbeddedChannel out = new EmbeddedChannel(new FrameEncoder(bytesSent::add));
        out.writeOutbound(frame);
        ByteBuf all = Unpooled.buffer();
        for (ByteBuf part; (part = out.readOutbound()) != null; ) {
            all.writeBytes(part);
            part.release();
        }
        assertThat(out.finish()).isFalse();
        return all;
    }

    @Test
    void frameFedOneByteAtATimeIsEmittedOnlyWhenItsLastByteArrives() {
        byte[] payload = "replica write".getBytes();
        ByteBuf wire = encode(new OutboundFrame(WireProtocol.KIND_REQUEST, 77, Verb.REPLICA_WRITE.code(), payload));
        EmbeddedChannel in = decoderChannel(true);
        int length = wire.readableBytes();

        for (int i = 0; i < length - 1; i++) {
            in.writeInbound(wire.readRetainedSlice(1));
            assertThat((Object) in.readInbound()).as("after byte %d of %d", i + 1, length).isNull();
        }
        in.writeInbound(wire.readRetainedSlice(1));
        wire.release();

        InboundFrame frame = in.readInbound();
        assertThat(frame.kind()).isEqualTo(WireProtocol.KIND_REQUEST);
        assertThat(frame.requestId()).isEqualTo(77);
        assertThat(frame.verbCode()).isEqualTo(Verb.REPLICA_WRITE.code());
        assertThat(frame.payload()).isEqualTo(payload);
        assertThat(in.finish()).isFalse();
        assertThat(bytesReceived.sum()).isEqualTo(length).isEqualTo(bytesSent.sum());
    }

    @Test
    void largePayloadIsWrittenAfterItsHeaderAndDecodesIntact() {
        byte[] payload = new byte[10_000];
        Arrays.fill(payload, (byte) 7);
        EmbeddedChannel out = new EmbeddedChannel(new FrameEncoder(bytesSent::add));
        out.writeOutbound(new OutboundFrame(WireProtocol.KIND_RESPONSE, 5, 1, payload));
        ByteBuf header = out.readOutbound();
        ByteBuf body = out.readOutbound();
        assertThat(header.readableBytes()).isEqualTo(WireProtocol.LENGTH_FIELD_BYTES + WireProtocol.HEADER_BYTES);
        assertThat(body.readableBytes()).as("wrapped, not copied behind the header").isEqualTo(payload.length);
        EmbeddedChannel in = decoderChannel(true);

        in.writeInbound(header, body);

        InboundFrame frame = in.readInbound();
        assertThat(frame.payload()).isEqualTo(payload);
        assertThat(in.finish()).isFalse();
        assertThat(out.finish()).isFalse();
    }

    @Test
    void severalFramesInOneReadAreAllEmitted() {
        ByteBuf wire = Unpooled.buffer();
        for (int i = 1; i <= 3; i++) {
            ByteBuf one = encode(new OutboundFrame(WireProtocol.KIND_REQUEST, i, 1, new byte[i]));
            wire.writeBytes(one);
            one.release();
        }
        EmbeddedChannel in = decoderChannel(true);

        in.writeInbound(wire);

        for (int i = 1; i <= 3; i++) {
            InboundFrame frame = in.readInbound();
            assertThat(frame.requestId()).isEqualTo(i);
            assertThat(frame.payload()).hasSize(i);
        }
        assertThat(in.finish()).isFalse();
    }

    @Test
    void frameOfAnotherProtocolVersionIsRejected() {
        ByteBuf wire = encode(new OutboundFrame(WireProtocol.KIND_REQUEST, 1, 1, new byte[3]));
        wire.setByte(WireProtocol.LENGTH_FIELD_BYTES, 2); // the version byte
        EmbeddedChannel in = decoderChannel(true);

        assertThatThrownBy(() -> in.writeInbound(wire))
                .isInstanceOf(CorruptedFrameException.class).hasMessageContaining("unsupported protocol version 2");
        assertThat((Object) in.readInbound()).isNull();
        in.finishAndReleaseAll();
    }

    @Test
    void frameLongerThanTheLimitIsRejectedAsSoonAsItsLengthIsRead() {
        EmbeddedChannel in = decoderChannel(true);
        ByteBuf lengthOnly = Unpooled.buffer().writeInt(FRAME_BYTES_MAX); // plus the 4-byte prefix: one too many

        assertThatThrownBy(() -> in.writeInbound(lengthOnly)).isInstanceOf(TooLongFrameException.class);
        in.finishAndReleaseAll();
    }

    @Test
    void frameOfExactlyTheLimitIsAccepted() {
        int payloadBytes = FRAME_BYTES_MAX - WireProtocol.LENGTH_FIELD_BYTES - WireProtocol.HEADER_BYTES;
        ByteBuf wire = encode(new OutboundFrame(WireProtocol.KIND_REQUEST, 1, 1, new byte[payloadBytes]));
        EmbeddedChannel in = decoderChannel(true);

        in.writeInbound(wire);

        assertThat(((InboundFrame) in.readInbound()).payload()).hasSize(payloadBytes);
        assertThat(in.finish()).isFalse();
    }

    @Test
    void largeFrameBeforeAuthenticationIsRejected() {
        EmbeddedChannel in = decoderChannel(false);
        ByteBuf lengthOnly = Unpooled.buffer().writeInt(WireProtocol.HANDSHAKE_FRAME_BYTES_MAX);

        assertThatThrownBy(() -> in.writeInbound(lengthOnly))
                .isInstanceOf(TooLongFrameException.class).hasMessageContaining("before authentication");
        in.finishAndReleaseAll();
    }

    @Test
    void frameShorterThanTheHeaderIsRejected() {
        EmbeddedChannel in = decoderChannel(true);
        ByteBuf wire = Unpooled.buffer().writeInt(3).writeByte(WireProtocol.VERSION).writeByte(1).writeByte(0);

        assertThatThrownBy(() -> in.writeInbound(wire)).isInstanceOf(CorruptedFrameException.class);
        in.finishAndReleaseAll();
    }
}
