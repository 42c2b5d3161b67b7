package io.ringkv.resp.command;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** SCAN cursors are read like Redis's strtoul-based parseScanCursorOrReply. */
class ScanCursorTest {
    private static long cursor(String s) throws Args.NotANumber {
        return Args.parseScanCursor(s.getBytes(StandardCharsets.ISO_8859_1));
    }

    @Test
    void acceptsUnsignedDecimalsWithStrtoulQuirks() throws Exception {
        assertThat(cursor("0")).isZero();
        assertThat(cursor("")).isZero();
        assertThat(cursor("00")).isZero();
        assertThat(cursor("+7")).isEqualTo(7);
        assertThat(cursor("18446744073709551615")).isEqualTo(-1L);
        // strtoul negates in unsigned arithmetic: "-1" is 2^64-1.
        assertThat(cursor("-1")).isEqualTo(-1L);
        assertThat(cursor("-18446744073709551615")).isEqualTo(1L);
        // Parsing stops at a NUL byte, as for a C string.
        assertThat(cursor("5\u0000junk")).isEqualTo(5);
    }

    @Test
    void refusesSpacesJunkAndOverflow() {
        for (String bad : new String[] {" 1", "1 ", "-", "+", "abc", "0x0", "1.5", "18446744073709551616",
                "-18446744073709551616"}) {
            assertThatThrownBy(() -> cursor(bad)).as("'%s'", bad).isInstanceOf(Args.NotANumber.class);
        }
    }
}
