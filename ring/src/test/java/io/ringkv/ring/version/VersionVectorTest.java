package io.ringkv.ring.version;

import static io.ringkv.ring.version.Fixtures.A;
import static io.ringkv.ring.version.Fixtures.B;
import static io.ringkv.ring.version.Fixtures.C;
import static io.ringkv.ring.version.Fixtures.vv;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ringkv.ring.NodeId;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class VersionVectorTest {
    @Test
    void absentNodesReadAsZeroAndZeroEntriesAreNotStored() {
        VersionVector v = vv("b", 2, "a", 0);
        assertThat(v.get(A)).isZero();
        assertThat(v.get(B)).isEqualTo(2);
        assertThat(v.size()).isEqualTo(1);
        assertThat(v).isEqualTo(vv("b", 2)).hasSameHashCodeAs(vv("b", 2));
        assertThat(vv("a", 0).isEmpty()).isTrue();
        assertThat(vv("a", 0)).isSameAs(VersionVector.empty());
    }

    @Test
    void entriesAreOrderedByNodeId() {
        VersionVector v = vv("c", 3, "a", 1, "b", 2);
        assertThat(v.entries().keySet()).containsExactly(A, B, C);
        assertThat(v).hasToString("{a=1, b=2, c=3}");
        assertThatThrownBy(() -> v.entries().put(A, 9L)).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void withOnlyRaisesAnEntry() {
        VersionVector v = vv("b", 2);
        assertThat(v.with(B, 1)).isSameAs(v);
        assertThat(v.with(B, 5)).isEqualTo(vv("b", 5));
        assertThat(v.with(A, 1)).isEqualTo(vv("a", 1, "b", 2));
        assertThat(v.with(C, 1).entries().keySet()).containsExactly(B, C);
        assertThat(v.with(A, 0)).isSameAs(v);
        assertThat(v).isEqualTo(vv("b", 2)); // unchanged
        assertThatThrownBy(() -> v.with(A, -1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void joinIsThePointwiseMaximum() {
        VersionVector x = vv("a", 3, "b", 1);
        VersionVector y = vv("b", 4, "c", 2);
        assertThat(x.join(y)).isEqualTo(vv("a", 3, "b", 4, "c", 2)).isEqualTo(y.join(x));
        // An operand that already dominates comes back as is.
        assertThat(x.join(vv("a", 1))).isSameAs(x);
        assertThat(vv("a", 1).join(x)).isSameAs(x);
        assertThat(x.join(VersionVector.empty())).isSameAs(x);
    }

    @Test
    void coversDotsUpToEachCounter() {
        VersionVector v = vv("a", 3);
        assertThat(v.covers(new Dot(A, 1))).isTrue();
        assertThat(v.covers(new Dot(A, 3))).isTrue();
        assertThat(v.covers(new Dot(A, 4))).isFalse();
        assertThat(v.covers(new Dot(B, 1))).isFalse();
    }

    @Test
    void descendsWhenEveryEntryIsAtLeastAsHigh() {
        VersionVector v = vv("a", 3, "c", 1);
        assertThat(v.descends(vv("a", 3))).isTrue();
        assertThat(v.descends(vv("a", 2, "c", 1))).isTrue();
        assertThat(v.descends(VersionVector.empty())).isTrue();
        assertThat(v.descends(v)).isTrue();
        assertThat(v.descends(vv("a", 4))).isFalse();
        assertThat(v.descends(vv("b", 1))).isFalse();
        assertThat(v.descends(vv("a", 1, "b", 1, "c", 1))).isFalse();
        assertThat(VersionVector.empty().descends(v)).isFalse();
    }

    @Test
    void ofRejectsNegativeCountersAndNulls() {
        assertThatThrownBy(() -> vv("a", -1)).isInstanceOf(IllegalArgumentException.class);
        Map<NodeId, Long> withNull = new HashMap<>();
        withNull.put(A, null);
        assertThatThrownBy(() -> VersionVector.of(withNull)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void encodesAsCountThenLengthPrefixedIdsAndVarintCounters() {
        assertThat(VersionVector.empty().encode()).containsExactly(0);
        assertThat(vv("n1", 1).encode()).containsExactly(1, 2, 'n', '1', 1);
        assertThat(vv("a", 300, "b", 1).encode()).containsExactly(2, 1, 'a', 0xAC, 0x02, 1, 'b', 1);
    }

    @Test
    void codecRoundTripsUpToTheLargestCounter() {
        for (VersionVector v : new VersionVector[] {
                VersionVector.empty(), vv("a", 1), vv("a", 127, "b", 128, "c", 16_384),
                vv("n-1.x_Y", Long.MAX_VALUE), vv("z".repeat(NodeId.MAX_LENGTH), 1L << 62)}) {
            assertThat(VersionVector.decode(v.encode())).isEqualTo(v);
        }
    }

    @Test
    void decodeRejectsEveryTruncationAndTrailingBytes() {
        byte[] full = vv("a", 300, "bb", 1, "c", Long.MAX_VALUE).encode();
        for (int n = 0; n < full.length; n++) {
            byte[] prefix = Arrays.copyOf(full, n);
            assertThatThrownBy(() -> VersionVector.decode(prefix)).as("prefix %d", n)
                    .isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> VersionVector.decode(Arrays.copyOf(full, full.length + 1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("trailing");
    }

    @Test
    void decodeRejectsNonCanonicalOrInvalidEntries() {
        assertInvalid(bytes(1, 0, 'a', 1), "length 0");
        assertInvalid(bytes(1, 65, 'a', 1), "length 65");
        assertInvalid(bytes(1, 1, '!', 1), "node id may hold");
        assertInvalid(bytes(1, 1, 0xC3, 1), "node id may hold"); // non-ASCII
        assertInvalid(bytes(1, 1, 'a', 0), "zero counter");
        assertInvalid(bytes(2, 1, 'a', 1, 1, 'a', 2), "ascending"); // duplicate
        assertInvalid(bytes(2, 1, 'b', 1, 1, 'a', 2), "ascending"); // unsorted
        assertInvalid(bytes(1, 1, 'a', 0x81, 0x00), "overlong"); // 1 written in two bytes
        assertInvalid(bytes(0x80, 0x00), "overlong");
        // Nine full groups then a tenth: beyond Long.MAX_VALUE.
        assertInvalid(bytes(1, 1, 'a', 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01), "Long.MAX_VALUE");
        assertInvalid(bytes(0x81, 0x08), "exceeds 1024"); // 1025 entries
    }

    @Test
    void decodeAcceptsExactlyTheEntryBound() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0x80);
        out.write(0x08); // 1024
        for (int i = 0; i < VersionVector.ENTRIES_MAX; i++) {
            byte[] id = String.format("n%04d", i).getBytes();
            out.write(id.length);
            out.writeBytes(id);
            out.write(1);
        }
        assertThat(VersionVector.decode(out.toByteArray()).size()).isEqualTo(VersionVector.ENTRIES_MAX);
    }

    private static void assertInvalid(byte[] encoded, String message) {
        assertThatThrownBy(() -> VersionVector.decode(encoded)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
    }

    static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
    }
}
