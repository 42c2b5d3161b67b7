package io.ringkv.resp.command;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * INCRBYFLOAT computes like Redis on x86-64: strtold parsing, 80-bit long double addition and
 * "%.17Lf" printing. Expected strings are replies of a real redis-server 7.0 for the same input.
 */
class IncrByFloatArithmeticTest {
    private static BigDecimal parse(String s) throws Args.NotANumber {
        return Args.parseDecimal(s.getBytes(StandardCharsets.US_ASCII));
    }

    /** Redis's reply to INCRBYFLOAT on a key holding {@code stored} (null: no key). */
    private static String incr(String stored, String by) throws Args.NotANumber {
        BigDecimal value = stored == null ? BigDecimal.ZERO : parse(stored);
        return Args.formatHuman(Args.addLongDouble(value, parse(by)));
    }

    @Test
    void smallDecimalsRoundTripAsTyped() throws Exception {
        assertThat(incr(null, "0.1")).isEqualTo("0.1");
        assertThat(incr("0.1", "0.2")).isEqualTo("0.3");
        assertThat(incr("10.5", "0.1")).isEqualTo("10.6");
        assertThat(incr(null, "3.0000000000000000000001")).isEqualTo("3");
    }

    @Test
    void binaryRoundingShowsWhereRedisShowsIt() throws Exception {
        assertThat(incr(null, "2010.01")).isEqualTo("2010.01000000000000001");
        assertThat(incr("2010.01000000000000001", "5e3")).isEqualTo("7010.00999999999999979");
        assertThat(incr(null, "12345678.123456789")).isEqualTo("12345678.12345678899964696");
        assertThat(incr("12345678.12345678899964696", "0.000000001")).isEqualTo("12345678.12345679000009113");
        assertThat(incr(null, "99999999999999999999")).isEqualTo("100000000000000000000");
        assertThat(incr(null, "1e308")).isEqualTo("99999999999999999996685879655845645660560099847415567207797047994921734868838061872100"
                + "126921888539320446747225054013223152134749593960583597420814430196418767959100019603190778663109604507106667939"
                + "153395788938914560543563061268364901618630217086589253444881623791300855757318142424510452728255046343928578048");
    }

    @Test
    void printingRoundsHalfToEvenAtSeventeenDecimals() throws Exception {
        assertThat(incr("0.000003814697265625", "0")).isEqualTo("0.00000381469726562");
        assertThat(incr(null, "-1e-18")).isEqualTo("0");
        assertThat(incr(null, "-0")).isEqualTo("0");
    }

    @Test
    void acceptsWhatStrtoldAccepts() throws Exception {
        assertThat(incr(null, "0x10")).isEqualTo("16");
        assertThat(incr(null, "0x1p-2")).isEqualTo("0.25");
        assertThat(incr(null, "0X.8")).isEqualTo("0.5");
        assertThat(incr(null, ".5")).isEqualTo("0.5");
        assertThat(incr(null, "5.")).isEqualTo("5");
        assertThat(incr(null, "+5")).isEqualTo("5");
        assertThat(incr(null, "1E3")).isEqualTo("1000");
        assertThat(incr(null, "0e-99999")).isEqualTo("0");
        // A subnormal is accepted (no ERANGE-to-zero) and prints as 0.
        assertThat(incr(null, "1e-4950")).isEqualTo("0");
        assertThat(incr(null, "1.18e4932")).startsWith("11800000000000000000006528129180936992026904").hasSize(4933);
    }

    @Test
    void infinityParsesAsNullAndOverflowIsNull() throws Exception {
        assertThat(parse("inf")).isNull();
        assertThat(parse("-Infinity")).isNull();
        assertThat(parse("+INF")).isNull();
        assertThat(Args.addLongDouble(parse("1.18e4932"), parse("1.18e4932"))).isNull();
    }

    @Test
    void refusesWhatRedisRefuses() {
        for (String bad : new String[] {"", " 1", "1 ", "abc", "nan", "NaN", "1e", "1e+", "e5", ".", "-", "0x", "0xg",
                "1.5.5", "infin", "infinityx", "1\u0000", "1e5000", "1.19e4932", "1e-4952", "--1"}) {
            assertThatThrownBy(() -> parse(bad)).as("'%s'", bad).isInstanceOf(Args.NotANumber.class);
        }
    }
}
