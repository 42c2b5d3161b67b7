package io.ringkv.resp.command;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringkv.common.GlobMatcher;
import org.junit.jupiter.api.Test;

/** KEYS/SCAN MATCH patterns behave like Redis's stringmatchlen, C char signedness included. */
class KeyPatternTest {
    private static boolean matches(byte[] pattern, byte[] key) {
        return GlobMatcher.matches(pattern, key, false);
    }

    @Test
    void rangeBoundsCompareAsSignedChars() {
        // [a-\xff] is the range [-1, 97] for Redis: ASCII up to 'a' and the byte 0xff.
        byte[] range = {'[', 'a', '-', (byte) 0xff, ']'};
        assertThat(matches(range, new byte[] {'a'})).isTrue();
        assertThat(matches(range, new byte[] {'A'})).isTrue();
        assertThat(matches(range, new byte[] {(byte) 0xff})).isTrue();
        assertThat(matches(range, new byte[] {'b'})).isFalse();
        assertThat(matches(range, new byte[] {0x7f})).isFalse();
        assertThat(matches(range, new byte[] {(byte) 0x80})).isFalse();
        assertThat(matches(range, new byte[] {(byte) 0xfe})).isFalse();
    }

    @Test
    void highByteRangesMatchHighBytes() {
        byte[] range = {'[', (byte) 0x80, '-', (byte) 0xff, ']'};
        assertThat(matches(range, new byte[] {(byte) 0x90})).isTrue();
        assertThat(matches(range, new byte[] {'a'})).isFalse();
    }
}
