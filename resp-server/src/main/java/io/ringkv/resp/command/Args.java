package io.ringkv.resp.command;

import java.math.BigDecimal;
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
     * Redis's string2ld for INCRBYFLOAT: a decimal number without surrounding spaces. Infinity
     * is returned as null (the caller reports NaN/Infinity); invalid input throws.
     */
    public static BigDecimal parseDecimal(byte[] b) throws NotANumber {
        if (b.length == 0 || b.length > 5 * 1024) {
            throw new NotANumber();
        }
        String s = new String(b, StandardCharsets.US_ASCII);
        if (Character.isWhitespace(s.charAt(0)) || Character.isWhitespace(s.charAt(s.length() - 1))) {
            throw new NotANumber();
        }
        String l = s.toLowerCase(java.util.Locale.ROOT);
        String unsigned = l.startsWith("-") || l.startsWith("+") ? l.substring(1) : l;
        if (unsigned.equals("inf") || unsigned.equals("infinity")) {
            return null;
        }
        if (unsigned.startsWith("nan") || unsigned.contains("x") || unsigned.isEmpty()) {
            throw new NotANumber();
        }
        for (int i = 0; i < unsigned.length(); i++) {
            char c = unsigned.charAt(i);
            if (!(Character.isDigit(c) || c == '.' || c == 'e' || c == '-' || c == '+')) {
                throw new NotANumber();
            }
        }
        try {
            return new BigDecimal(s.startsWith("+") ? s.substring(1) : s);
        } catch (NumberFormatException e) {
            // "1." and ".5" are valid for strtold but not for BigDecimal in every form.
            try {
                return new BigDecimal(Double.toString(Double.parseDouble(s)));
            } catch (NumberFormatException e2) {
                throw new NotANumber();
            }
        }
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
