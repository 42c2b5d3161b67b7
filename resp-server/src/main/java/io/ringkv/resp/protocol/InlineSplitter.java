package io.ringkv.resp.protocol;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits an inline command line into arguments exactly as Redis's {@code sdssplitargs}: words
 * separated by whitespace; "double quotes" with \n \r \t \b \a \\ \" and \xHH escapes;
 * 'single quotes' with only \' ; a closing quote must be followed by whitespace or the end.
 */
final class InlineSplitter {
    private InlineSplitter() {}

    /** Returns the words, or null when quotes are unbalanced. */
    static List<byte[]> split(byte[] line) {
        List<byte[]> out = new ArrayList<>();
        int p = 0;
        int n = line.length;
        while (true) {
            while (p < n && isSpace(line[p])) {
                p++;
            }
            if (p >= n) {
                return out;
            }
            boolean inDq = false;
            boolean inSq = false;
            boolean done = false;
            ByteArrayOutputStream cur = new ByteArrayOutputStream();
            while (!done) {
                if (inDq) {
                    if (p >= n) {
                        return null;
                    }
                    if (line[p] == '\\' && p + 3 < n && line[p + 1] == 'x' && isHex(line[p + 2]) && isHex(line[p + 3])) {
                        cur.write(hex(line[p + 2]) * 16 + hex(line[p + 3]));
                        p += 3;
                    } else if (line[p] == '\\' && p + 1 < n) {
                        p++;
                        byte c = line[p];
                        switch (c) {
                            case 'n' -> cur.write('\n');
                            case 'r' -> cur.write('\r');
                            case 't' -> cur.write('\t');
                            case 'b' -> cur.write('\b');
                            case 'a' -> cur.write(7);
                            default -> cur.write(c);
                        }
                    } else if (line[p] == '"') {
                        if (p + 1 < n && !isSpace(line[p + 1])) {
                            return null;
                        }
                        done = true;
                    } else {
                        cur.write(line[p]);
                    }
                } else if (inSq) {
                    if (p >= n) {
                        return null;
                    }
                    if (line[p] == '\\' && p + 1 < n && line[p + 1] == '\'') {
                        p++;
                        cur.write('\'');
                    } else if (line[p] == '\'') {
                        if (p + 1 < n && !isSpace(line[p + 1])) {
                            return null;
                        }
                        done = true;
                    } else {
                        cur.write(line[p]);
                    }
                } else {
                    if (p >= n) {
                        done = true;
                    } else {
                        switch (line[p]) {
                            case ' ', '\n', '\r', '\t', 0 -> done = true;
                            case '"' -> inDq = true;
                            case '\'' -> inSq = true;
                            default -> cur.write(line[p]);
                        }
                    }
                }
                if (p < n) {
                    p++;
                }
            }
            out.add(cur.toByteArray());
        }
    }

    private static boolean isSpace(byte c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == 0x0B || c == '\f';
    }

    private static boolean isHex(byte c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    private static int hex(byte c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        return c - 'A' + 10;
    }
}
