package io.ringkv.resp.protocol;

import java.nio.charset.StandardCharsets;
import java.util.List;

/** One client command: its arguments as received (binary-safe), the command name first. */
public final class Request {
    private final List<byte[]> args;

    public Request(List<byte[]> args) {
        if (args.isEmpty()) {
            throw new IllegalArgumentException("a request has at least one argument");
        }
        this.args = args;
    }

    public int argc() {
        return args.size();
    }

    public byte[] arg(int i) {
        return args.get(i);
    }

    public String argString(int i) {
        return new String(args.get(i), StandardCharsets.UTF_8);
    }

    public List<byte[]> args() {
        return args;
    }

    /** Whether argument {@code i} equals {@code lower} ignoring ASCII case ({@code lower} is lowercase). */
    public boolean argIs(int i, String lower) {
        byte[] a = args.get(i);
        if (a.length != lower.length()) {
            return false;
        }
        for (int j = 0; j < a.length; j++) {
            int c = a[j];
            if (c >= 'A' && c <= 'Z') {
                c += 32;
            }
            if (c != lower.charAt(j)) {
                return false;
            }
        }
        return true;
    }
}
