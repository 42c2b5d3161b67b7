package io.ringkv.ring.version;

import static io.ringkv.common.Bytes.utf8;
import static io.ringkv.ring.version.Fixtures.vv;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ringkv.ring.version.CausalContext.InvalidContextException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class CausalContextTest {
    private static final byte[] KEY = utf8("user:1");
    private static final byte[] SECRET = utf8("cluster secret");
    private static final String BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    private static final String MALFORMED = "malformed context";
    private static final String MISMATCH = "context does not match this key or cluster";

    @Test
    void roundTripsAsCompactPrintableText() {
        VersionVector clock = vv("n1", 7);
        byte[] ctx = CausalContext.encode(clock, KEY, SECRET);
        assertThat(new String(ctx, StandardCharsets.US_ASCII)).matches("[A-Za-z0-9_-]+");
        assertThat(ctx).hasSize(30); // 1 format + 5 vector + 16 tag bytes, base64url unpadded
        assertThat(CausalContext.decode(ctx, KEY, SECRET)).isEqualTo(clock);
    }

    @Test
    void roundTripsEmptyAndLargeVectors() {
        for (VersionVector clock : new VersionVector[] {
                VersionVector.empty(), vv("a", 1, "b", Long.MAX_VALUE, "node-3", 300)}) {
            assertThat(CausalContext.decode(CausalContext.encode(clock, KEY, SECRET), KEY, SECRET)).isEqualTo(clock);
        }
        byte[] emptyKey = new byte[0];
        assertThat(CausalContext.decode(CausalContext.encode(vv("a", 2), emptyKey, SECRET), emptyKey, SECRET))
                .isEqualTo(vv("a", 2));
    }

    @Test
    void everyAlteredCharacterIsRejected() {
        byte[] ctx = CausalContext.encode(vv("a", 3, "b", 1), KEY, SECRET);
        for (int i = 0; i < ctx.length; i++) {
            for (char c : BASE64URL.toCharArray()) {
                if (c == ctx[i]) {
                    continue;
                }
                byte[] bad = ctx.clone();
                bad[i] = (byte) c;
                assertThatThrownBy(() -> CausalContext.decode(bad, KEY, SECRET)).as("position %d to %s", i, c)
                        .isInstanceOf(InvalidContextException.class)
                        .extracting(Throwable::getMessage).isIn(MALFORMED, MISMATCH);
            }
        }
    }

    @Test
    void aRaisedCounterWithTheOldTagIsAForgery() {
        byte[] raw = Base64.getUrlDecoder().decode(CausalContext.encode(vv("a", 3), KEY, SECRET));
        raw[4] = 9; // the counter of a=3, after format, count, id length and the id
        byte[] forged = Base64.getUrlEncoder().withoutPadding().encode(raw);
        assertThatThrownBy(() -> CausalContext.decode(forged, KEY, SECRET)).hasMessage(MISMATCH);
    }

    @Test
    void contextOfOneKeyIsRejectedForAnother() {
        byte[] ctx = CausalContext.encode(vv("a", 3), utf8("key-a"), SECRET);
        assertThatThrownBy(() -> CausalContext.decode(ctx, utf8("key-b"), SECRET))
                .isInstanceOf(InvalidContextException.class).hasMessage(MISMATCH);
        assertThatThrownBy(() -> CausalContext.decode(ctx, utf8("key-a "), SECRET)).hasMessage(MISMATCH);
    }

    @Test
    void contextOfAnotherClusterIsRejected() {
        byte[] ctx = CausalContext.encode(vv("a", 3), KEY, SECRET);
        assertThatThrownBy(() -> CausalContext.decode(ctx, KEY, utf8("other secret"))).hasMessage(MISMATCH);
        assertThatThrownBy(() -> CausalContext.decode(ctx, KEY, new byte[0])).hasMessage(MISMATCH);
    }

    @Test
    void withoutASecretContextsStillRoundTripAndStayBoundToTheirKey() {
        byte[] none = new byte[0];
        byte[] ctx = CausalContext.encode(vv("a", 3), KEY, none);
        assertThat(CausalContext.decode(ctx, KEY, none)).isEqualTo(vv("a", 3));
        assertThatThrownBy(() -> CausalContext.decode(ctx, utf8("other"), none)).hasMessage(MISMATCH);
        assertThatThrownBy(() -> CausalContext.decode(ctx, KEY, SECRET)).hasMessage(MISMATCH);
    }

    @Test
    void garbageIsMalformed() {
        byte[] good = CausalContext.encode(vv("a", 3), KEY, SECRET);
        String text = new String(good, StandardCharsets.US_ASCII);
        for (String garbage : new String[] {
                "", "!!!!", "abc def", "a", text + "=", text + "==", text.substring(0, text.length() - 1),
                text + "A", "AAAA", Base64.getUrlEncoder().withoutPadding().encodeToString(new byte[18]),
                text.substring(0, 10) + "+" + text.substring(11), text.substring(0, 10) + "/" + text.substring(11)}) {
            assertThatThrownBy(() -> CausalContext.decode(garbage.getBytes(StandardCharsets.ISO_8859_1), KEY, SECRET))
                    .as("'%s'", garbage).isInstanceOf(InvalidContextException.class)
                    .extracting(Throwable::getMessage).isIn(MALFORMED, MISMATCH);
        }
        assertThatThrownBy(() -> CausalContext.decode(new byte[] {(byte) 0xC3, (byte) 0xA9}, KEY, SECRET))
                .hasMessage(MALFORMED);
        assertThatThrownBy(() -> CausalContext.decode(null, KEY, SECRET)).hasMessage(MALFORMED);
        byte[] huge = new byte[CausalContext.CONTEXT_CHARS_MAX + 1];
        Arrays.fill(huge, (byte) 'A');
        assertThatThrownBy(() -> CausalContext.decode(huge, KEY, SECRET)).hasMessage(MALFORMED);
    }

    @Test
    void unknownFormatVersionIsMalformed() {
        byte[] raw = Base64.getUrlDecoder().decode(CausalContext.encode(vv("a", 3), KEY, SECRET));
        raw[0] = 2;
        byte[] ctx = Base64.getUrlEncoder().withoutPadding().encode(raw);
        assertThatThrownBy(() -> CausalContext.decode(ctx, KEY, SECRET)).hasMessage(MALFORMED);
    }

    @Test
    void nonCanonicalBase64OfAValidContextIsRejected() {
        // 22 raw bytes leave 4 unused low bits in the last character; Java's decoder ignores them.
        byte[] ctx = CausalContext.encode(vv("n1", 7), KEY, SECRET);
        byte[] bad = ctx.clone();
        int last = BASE64URL.indexOf(ctx[ctx.length - 1]);
        bad[bad.length - 1] = (byte) BASE64URL.charAt(last ^ 0x1);
        assertThat(Base64.getUrlDecoder().decode(bad)).isEqualTo(Base64.getUrlDecoder().decode(ctx));
        assertThatThrownBy(() -> CausalContext.decode(bad, KEY, SECRET)).hasMessage(MALFORMED);
    }
}
