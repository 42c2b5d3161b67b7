package io.ringkv.ring.sim;

import java.util.ArrayDeque;

/**
 * The text of a run's history: one line per operation start and end, write event, fault and
 * phase change, stamped with virtual time. Keeps a fingerprint of every line (for the
 * determinism check), the last {@value #TAIL_LINES} lines (for failure messages) and, when
 * asked, the whole text.
 */
final class HistoryLog {
    static final int TAIL_LINES = 60;

    private final ArrayDeque<String> tail = new ArrayDeque<>(TAIL_LINES);
    private final StringBuilder all;
    private long fingerprint = 0xcbf29ce484222325L;

    HistoryLog(boolean keepAll) {
        this.all = keepAll ? new StringBuilder(1 << 16) : null;
    }

    void add(long millis, String text) {
        String line = (millis - SimConfig.EPOCH_MILLIS) + " " + text;
        // FNV-1a over the line's characters: stable across JVMs, unlike String.hashCode mixing.
        for (int i = 0; i < line.length(); i++) {
            fingerprint = (fingerprint ^ line.charAt(i)) * 0x100000001b3L;
        }
        fingerprint = (fingerprint ^ '\n') * 0x100000001b3L;
        if (tail.size() == TAIL_LINES) {
            tail.removeFirst();
        }
        tail.addLast(line);
        if (all != null) {
            all.append(line).append('\n');
        }
    }

    long fingerprint() {
        return fingerprint;
    }

    /** The whole history, or null when it was not kept. */
    String text() {
        return all == null ? null : all.toString();
    }

    String tail() {
        return String.join("\n", tail);
    }
}
