package io.ringkv.compat.diff;

/**
 * The allow-list of replies in which RingKV differs from redis-server on purpose. A corpus line
 * marked {@code @differs <id>} must name one of these; anything else that differs is a bug.
 * Kept in step with {@code diff/INTENDED_DIFFERENCES.md}, which explains each entry for users.
 */
enum IntendedDifference {
    CLUSTER_SELECT("cluster-select",
            "RingKV has one database (it is a partitioned cluster, like Redis Cluster): SELECT of any database "
                    + "other than 0 answers 'ERR SELECT is not allowed in cluster mode'."),
    CROSSSLOT("crossslot",
            "MSETNX, RENAME and RENAMENX are atomic only within one partition; keys in different partitions "
                    + "answer Redis Cluster's CROSSSLOT error where a standalone Redis executes the command."),
    REDIS_72("redis-7.2",
            "The reference redis-server is Debian's 7.0; RingKV implements Redis 7.2 (reports 7.2.4). "
                    + "Commands and options added in 7.2 (CLIENT SETINFO, CLIENT NO-TOUCH, CLIENT LIST's "
                    + "lib-name/lib-ver fields) are unknown to 7.0."),
    NOT_SUPPORTED("not-supported",
            "Transactions, scripting, functions, pub/sub, MONITOR and replication commands have no meaning in "
                    + "RingKV yet; they answer 'ERR <CMD> is not supported by RingKV yet (...)' instead of "
                    + "executing."),
    NO_DATA_TYPES("no-data-types",
            "RingKV stores strings only so far; commands of other data types (hashes, lists, sets, sorted sets, "
                    + "streams...) and Redis-internal commands (OBJECT, DEBUG, SAVE...) are unknown commands."),
    COMMAND_TABLE("command-table",
            "COMMAND, COMMAND COUNT/INFO/DOCS/LIST describe RingKV's own (smaller) command table, without "
                    + "Redis's key specs, tips and argument docs; they serve redis-cli hints, not byte equality."),
    CONFIG_PARAMS("config-params",
            "CONFIG GET/SET know RingKV's own parameters (ring, storage); Redis-only parameters are absent "
                    + "and some defaults differ (e.g. databases=1, save empty)."),
    SERVER_STATE("server-state",
            "Replies that describe the server process or connection rather than data (INFO fields, CLIENT "
                    + "LIST/INFO lines, LASTSAVE, connection ids, run ids) differ between any two servers.");

    private final String id;
    private final String reason;

    IntendedDifference(String id, String reason) {
        this.id = id;
        this.reason = reason;
    }

    String id() {
        return id;
    }

    String reason() {
        return reason;
    }

    static IntendedDifference byId(String id) {
        for (IntendedDifference d : values()) {
            if (d.id.equals(id)) {
                return d;
            }
        }
        throw new IllegalArgumentException("unknown intended difference '" + id + "'; add it to IntendedDifference "
                + "and INTENDED_DIFFERENCES.md with its reason first");
    }
}
