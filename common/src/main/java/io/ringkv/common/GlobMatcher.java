package io.ringkv.common;

/**
 * Redis's {@code stringmatchlen}: glob matching over bytes with {@code *}, {@code ?},
 * {@code [abc]}, {@code [^abc]}, {@code [a-z]} and backslash escapes, with Redis's quirks
 * (an unterminated '[' matches up to the end of the pattern, ranges may be reversed, range
 * bounds compare as signed chars).
 * Recursion on '*' is bounded by the pattern's stars, as in Redis 7.
 */
public final class GlobMatcher {
    private GlobMatcher() {}

    public static boolean matches(byte[] pattern, byte[] string, boolean nocase) {
        boolean[] skipLongerMatches = new boolean[1];
        return match(pattern, 0, string, 0, nocase, skipLongerMatches, 0);
    }

    private static boolean match(byte[] p, int pi, byte[] s, int si, boolean nocase, boolean[] skipLonger, int nesting) {
        // Redis caps nesting at 1000 to avoid stack overflow on pathological patterns.
        if (nesting > 1000) {
            return false;
        }
        int plen = p.length;
        int slen = s.length;
        while (pi < plen && si < slen) {
            switch (p[pi]) {
                case '*' -> {
                    while (pi + 1 < plen && p[pi + 1] == '*') {
                        pi++;
                    }
                    if (pi + 1 == plen) {
                        return true;
                    }
                    while (si < slen) {
                        if (match(p, pi + 1, s, si, nocase, skipLonger, nesting + 1)) {
                            return true;
                        }
                        if (skipLonger[0]) {
                            return false;
                        }
                        si++;
                    }
                    skipLonger[0] = true;
                    return false;
                }
                case '?' -> si++;
                case '[' -> {
                    pi++;
                    boolean not = pi < plen && p[pi] == '^';
                    if (not) {
                        pi++;
                    }
                    boolean found = false;
                    while (true) {
                        if (pi < plen && p[pi] == '\\' && pi + 1 < plen) {
                            pi++;
                            if (p[pi] == s[si]) {
                                found = true;
                            }
                        } else if (pi >= plen) {
                            pi--;
                            break;
                        } else if (p[pi] == ']') {
                            break;
                        } else if (pi + 2 < plen && p[pi + 1] == '-') {
                            // Redis compares C chars, which are signed on x86-64: bytes
                            // 0x80-0xFF sort below 0x00 in a range such as [a-\xff].
                            int start = p[pi];
                            int end = p[pi + 2];
                            int c = s[si];
                            if (start > end) {
                                int t = start;
                                start = end;
                                end = t;
                            }
                            if (nocase) {
                                start = lower(start);
                                end = lower(end);
                                c = lower(c);
                            }
                            pi += 2;
                            if (c >= start && c <= end) {
                                found = true;
                            }
                        } else {
                            if (nocase ? lower(p[pi] & 0xFF) == lower(s[si] & 0xFF) : p[pi] == s[si]) {
                                found = true;
                            }
                        }
                        pi++;
                    }
                    if (not) {
                        found = !found;
                    }
                    if (!found) {
                        return false;
                    }
                    si++;
                }
                case '\\' -> {
                    if (pi + 1 < plen) {
                        pi++;
                    }
                    if (!eq(p[pi], s[si], nocase)) {
                        return false;
                    }
                    si++;
                }
                default -> {
                    if (!eq(p[pi], s[si], nocase)) {
                        return false;
                    }
                    si++;
                }
            }
            pi++;
            if (si == slen) {
                while (pi < plen && p[pi] == '*') {
                    pi++;
                }
                break;
            }
        }
        return pi == plen && si == slen;
    }

    private static boolean eq(byte a, byte b, boolean nocase) {
        return nocase ? lower(a & 0xFF) == lower(b & 0xFF) : a == b;
    }

    private static int lower(int c) {
        return c >= 'A' && c <= 'Z' ? c + 32 : c;
    }
}
