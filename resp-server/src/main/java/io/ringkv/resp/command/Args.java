package io.ringkv.resp.command;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;

/** Redis's number parsing and formatting rules (string2ll, string2ld, ld2string). */
public final class Args {
    /** Returned by {@link #parseLong} for input that is not a valid integer. */
    public static final class NotANumber extends Exception {
        public NotANumber() {
            super(null, null, false, false);
        }
    }

    private Args() {}

    /** Redis's string2ll: optional '-', digits, no leading zeros, no spaces, no overflow. */
    public static long parseLong(byte[] b) throws NotANumber {
        int len = b.length;
        if (len == 0 || len > 20) {
            throw new NotANumber();
        }
        int i = 0;
        boolean negative = false;
        if (b[0] == '-') {
            negative = true;
            i = 1;
            if (len == 1) {
                throw new NotANumber();
            }
        }
        if (b[i] == '0') {
            if (len == 1) {
                return 0;
            }
            throw new NotANumber();
        }
        long v = 0;
        for (; i < len; i++) {
            int d = b[i] - '0';
            if (d < 0 || d > 9) {
                throw new NotANumber();
            }
            // Accumulate negatively so Long.MIN_VALUE parses without overflow.
            if (v < (Long.MIN_VALUE + d) / 10) {
                throw new NotANumber();
            }
            v = v * 10 - d;
        }
        if (!negative) {
            if (v == Long.MIN_VALUE) {
                throw new NotANumber();
            }
            return -v;
        }
        return v;
    }

    public static long parseLong(byte[] b, int off, int len) throws NotANumber {
        byte[] c = new byte[len];
        System.arraycopy(b, off, c, 0, len);
        return parseLong(c);
    }

    /**
     * Redis's string2ld for INCRBYFLOAT: what glibc's {@code strtold} accepts (decimal or hex
     * float, "inf"/"infinity", optional sign), with no leading space, nothing left over, and
     * neither NaN nor an overflow/underflow to infinity or zero. Returns the exact value of the
     * nearest x87 80-bit long double (Redis on x86-64 computes in that type, and its replies
     * show the binary rounding), or null for an infinity.
     */
    public static BigDecimal parseDecimal(byte[] b) throws NotANumber {
        // Redis copies into a MAX_LONG_DOUBLE_CHARS (5 KiB) buffer and refuses longer input.
        if (b.length == 0 || b.length >= 5 * 1024) {
            throw new NotANumber();
        }
        int i = 0;
        int n = b.length;
        boolean negative = false;
        if (b[0] == '+' || b[0] == '-') {
            negative = b[0] == '-';
            i++;
        }
        if (matchesIgnoreCase(b, i, "infinity") || matchesIgnoreCase(b, i, "inf")) {
            int len = matchesIgnoreCase(b, i, "infinity") ? 8 : 3;
            if (i + len != n) {
                throw new NotANumber();
            }
            return null;
        }
        BigDecimal exact = (i + 1 < n && b[i] == '0' && (b[i + 1] == 'x' || b[i + 1] == 'X'))
                ? parseHexFloat(b, i + 2) : parseDecimalFloat(b, i);
        if (exact.signum() == 0) {
            return BigDecimal.ZERO;
        }
        BigDecimal rounded = LongDouble.round(exact);
        // strtold reports ERANGE with HUGE_VAL or zero; Redis refuses both.
        if (rounded == null || rounded.signum() == 0) {
            throw new NotANumber();
        }
        return negative ? rounded.negate() : rounded;
    }

    /** Long-double addition as Redis's INCRBYFLOAT does it; null when the sum overflows. */
    public static BigDecimal addLongDouble(BigDecimal a, BigDecimal b) {
        return LongDouble.round(a.add(b));
    }

    private static boolean matchesIgnoreCase(byte[] b, int at, String lower) {
        if (b.length - at < lower.length()) {
            return false;
        }
        for (int k = 0; k < lower.length(); k++) {
            int c = b[at + k];
            if (c >= 'A' && c <= 'Z') {
                c += 32;
            }
            if (c != lower.charAt(k)) {
                return false;
            }
        }
        return true;
    }

    /** Exponents beyond this are certain overflow or underflow for any mantissa up to 5 KiB. */
    private static final long EXPONENT_CLAMP = 1_000_000;

    /** digits [. digits] [e [+-] digits], at least one mantissa digit, from {@code i} to the end. */
    private static BigDecimal parseDecimalFloat(byte[] b, int i) throws NotANumber {
        int n = b.length;
        StringBuilder digits = new StringBuilder();
        int fraction = 0;
        while (i < n && isDigit(b[i])) {
            digits.append((char) b[i++]);
        }
        if (i < n && b[i] == '.') {
            i++;
            while (i < n && isDigit(b[i])) {
                digits.append((char) b[i++]);
                fraction++;
            }
        }
        if (digits.length() == 0) {
            throw new NotANumber();
        }
        long exponent = 0;
        if (i < n && (b[i] == 'e' || b[i] == 'E')) {
            i++;
            exponent = parseExponent(b, i);
            i = n;
        }
        if (i != n) {
            throw new NotANumber();
        }
        BigInteger unscaled = new BigInteger(digits.toString());
        if (unscaled.signum() == 0) {
            return BigDecimal.ZERO;
        }
        return new BigDecimal(unscaled, (int) (fraction - exponent));
    }

    /** hexdigits [. hexdigits] [p [+-] digits] after "0x"; the value as an exact decimal. */
    private static BigDecimal parseHexFloat(byte[] b, int i) throws NotANumber {
        int n = b.length;
        StringBuilder digits = new StringBuilder();
        int fraction = 0;
        while (i < n && Character.digit(b[i], 16) >= 0) {
            digits.append((char) b[i++]);
        }
        if (i < n && b[i] == '.') {
            i++;
            while (i < n && Character.digit(b[i], 16) >= 0) {
                digits.append((char) b[i++]);
                fraction++;
            }
        }
        if (digits.length() == 0) {
            // strtold reads "0x" as the number 0 followed by junk: refused as trailing bytes.
            throw new NotANumber();
        }
        long exponent = 0;
        if (i < n && (b[i] == 'p' || b[i] == 'P')) {
            i++;
            exponent = parseExponent(b, i);
            i = n;
        }
        if (i != n) {
            throw new NotANumber();
        }
        BigInteger mantissa = new BigInteger(digits.toString(), 16);
        if (mantissa.signum() == 0) {
            return BigDecimal.ZERO;
        }
        long binaryExponent = exponent - 4L * fraction;
        long top = mantissa.bitLength() + binaryExponent;
        if (top > LongDouble.EXPONENT_MAX + 2) {
            throw new NotANumber(); // overflows to infinity
        }
        if (top < LongDouble.SUBNORMAL_EXPONENT - 2) {
            throw new NotANumber(); // underflows to zero
        }
        return LongDouble.exact(mantissa, (int) binaryExponent);
    }

    /** [+-] digits to the end of {@code b}; an exponent without digits is refused. */
    private static long parseExponent(byte[] b, int i) throws NotANumber {
        int n = b.length;
        boolean negative = false;
        if (i < n && (b[i] == '+' || b[i] == '-')) {
            negative = b[i] == '-';
            i++;
        }
        if (i >= n) {
            throw new NotANumber();
        }
        long v = 0;
        for (; i < n; i++) {
            if (!isDigit(b[i])) {
                throw new NotANumber();
            }
            v = Math.min(EXPONENT_CLAMP, v * 10 + (b[i] - '0'));
        }
        return negative ? -v : v;
    }

    private static boolean isDigit(byte c) {
        return c >= '0' && c <= '9';
    }

    /**
     * The x87 extended format (64-bit significand, 15-bit exponent, subnormals) that Redis's
     * {@code long double} is on x86-64, emulated exactly with big numbers: a value is kept as
     * the exact decimal of a representable long double, and every operation rounds its exact
     * result to the nearest representable one (ties to even), as the FPU does.
     */
    static final class LongDouble {
        static final int SIGNIFICAND_BITS = 64;
        /** Largest exponent of a finite value: everything is below 2^(EXPONENT_MAX + 1). */
        static final int EXPONENT_MAX = 16383;
        /** Smallest exponent of a normal value. */
        static final int EXPONENT_MIN = -16382;
        /** Exponent of the smallest subnormal step, 2^-16445. */
        static final int SUBNORMAL_EXPONENT = EXPONENT_MIN - (SIGNIFICAND_BITS - 1);

        private LongDouble() {}

        /** {@code mantissa * 2^exponent} as an exact decimal. */
        static BigDecimal exact(BigInteger mantissa, int exponent) {
            if (exponent >= 0) {
                return new BigDecimal(mantissa.shiftLeft(exponent));
            }
            return new BigDecimal(mantissa.multiply(BigInteger.valueOf(5).pow(-exponent)), -exponent);
        }

        /** The nearest long double to {@code x}, exactly; null on overflow (infinity). */
        static BigDecimal round(BigDecimal x) {
            if (x.signum() == 0) {
                return BigDecimal.ZERO;
            }
            // Screen the decimal magnitude first, so no huge power is ever computed:
            // the largest long double is about 1.19e4932, the smallest subnormal 3.6e-4951.
            long decimalExponent = (long) x.precision() - x.scale() - 1;
            if (decimalExponent > 4933) {
                return null;
            }
            if (decimalExponent < -4953) {
                return BigDecimal.ZERO;
            }
            boolean negative = x.signum() < 0;
            BigInteger unscaled = x.unscaledValue().abs();
            BigInteger p;
            BigInteger q;
            if (x.scale() >= 0) {
                p = unscaled;
                q = BigInteger.TEN.pow(x.scale());
            } else {
                p = unscaled.multiply(BigInteger.TEN.pow(-x.scale()));
                q = BigInteger.ONE;
            }
            // e = floor(log2(p / q)).
            int e = p.bitLength() - q.bitLength();
            if (compareWithPowerOfTwo(p, q, e) < 0) {
                e--;
            }
            int quantum = Math.max(e, EXPONENT_MIN) - (SIGNIFICAND_BITS - 1);
            BigInteger num = quantum >= 0 ? p : p.shiftLeft(-quantum);
            BigInteger den = quantum >= 0 ? q.shiftLeft(quantum) : q;
            BigInteger[] qr = num.divideAndRemainder(den);
            BigInteger m = qr[0];
            int half = qr[1].shiftLeft(1).compareTo(den);
            if (half > 0 || (half == 0 && m.testBit(0))) {
                m = m.add(BigInteger.ONE);
            }
            if (m.bitLength() > SIGNIFICAND_BITS) {
                m = m.shiftRight(1);
                quantum++;
            }
            if (m.signum() != 0 && m.bitLength() - 1 + quantum > EXPONENT_MAX) {
                return null;
            }
            BigDecimal v = exact(m, quantum);
            return negative ? v.negate() : v;
        }

        /** Sign of {@code p/q - 2^e}. */
        private static int compareWithPowerOfTwo(BigInteger p, BigInteger q, int e) {
            return e >= 0 ? p.compareTo(q.shiftLeft(e)) : p.shiftLeft(-e).compareTo(q);
        }
    }

    /**
     * A SCAN cursor as Redis reads it, with {@code strtoul}: optional sign (a negative number
     * wraps modulo 2^64), decimal digits, parsing stopping at a NUL byte; the empty string is
     * cursor 0. Leading white space, other trailing bytes and values above 2^64-1 are refused.
     */
    public static long parseScanCursor(byte[] b) throws NotANumber {
        int n = b.length;
        for (int k = 0; k < b.length; k++) {
            if (b[k] == 0) {
                n = k;
                break;
            }
        }
        if (n == 0) {
            return 0;
        }
        if (isCSpace(b[0])) {
            throw new NotANumber();
        }
        int i = 0;
        boolean negative = false;
        if (b[0] == '+' || b[0] == '-') {
            negative = b[0] == '-';
            i++;
        }
        if (i >= n) {
            throw new NotANumber();
        }
        BigInteger v = BigInteger.ZERO;
        for (; i < n; i++) {
            if (!isDigit(b[i])) {
                throw new NotANumber();
            }
            v = v.multiply(BigInteger.TEN).add(BigInteger.valueOf(b[i] - '0'));
            if (v.bitLength() > 64) {
                throw new NotANumber();
            }
        }
        long bits = v.longValue();
        return negative ? -bits : bits;
    }

    private static boolean isCSpace(byte c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == 0x0B || c == '\f';
    }

    /** Redis's ld2string(LD_STR_HUMAN): 17 decimals, trailing zeros and dot removed, no "-0". */
    public static String formatHuman(BigDecimal v) {
        String s = v.setScale(17, RoundingMode.HALF_EVEN).toPlainString();
        if (s.indexOf('.') >= 0) {
            int end = s.length();
            while (s.charAt(end - 1) == '0') {
                end--;
            }
            if (s.charAt(end - 1) == '.') {
                end--;
            }
            s = s.substring(0, end);
        }
        if (s.equals("-0")) {
            return "0";
        }
        return s;
    }

    public static byte[] ascii(long v) {
        return Long.toString(v).getBytes(StandardCharsets.US_ASCII);
    }

    public static String lower(byte[] b) {
        return new String(b, StandardCharsets.UTF_8).toLowerCase(java.util.Locale.ROOT);
    }
}
