package io.ringkv.ring;

/** Fewer live replicas are known than the level needs; nothing was attempted. */
public final class UnavailableException extends RuntimeException {
    public UnavailableException(ConsistencyLevel level, String operation, int needed, int alive) {
        super(level + " " + operation + " needs " + needed + " live replica" + (needed == 1 ? "" : "s") + ", " + alive + " alive");
    }

    public UnavailableException(String detail) {
        super(detail);
    }
}
