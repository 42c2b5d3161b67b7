package io.ringkv.resp.command;

/** Command flags, named as Redis's COMMAND INFO prints them. */
public enum CommandFlag {
    WRITE("write"),
    READONLY("readonly"),
    DENYOOM("denyoom"),
    ADMIN("admin"),
    NOSCRIPT("noscript"),
    LOADING("loading"),
    STALE("stale"),
    FAST("fast"),
    NO_AUTH("no_auth"),
    ALLOW_BUSY("allow_busy");

    private final String redisName;

    CommandFlag(String redisName) {
        this.redisName = redisName;
    }

    public String redisName() {
        return redisName;
    }
}
