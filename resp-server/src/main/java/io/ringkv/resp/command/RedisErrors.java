package io.ringkv.resp.command;

/**
 * Every error text RingKV sends, in one place, word for word as Redis 7 sends it (clients and
 * scripts match on these). RingKV's own errors keep Redis's conventions: an upper-case code,
 * then a sentence.
 */
public final class RedisErrors {
    private RedisErrors() {}

    public static final String SYNTAX = "ERR syntax error";
    public static final String NOT_INTEGER = "ERR value is not an integer or out of range";
    public static final String NOT_FLOAT = "ERR value is not a valid float";
    public static final String WRONG_TYPE = "WRONGTYPE Operation against a key holding the wrong kind of value";
    public static final String OVERFLOW = "ERR increment or decrement would overflow";
    public static final String DECR_OVERFLOW = "ERR decrement would overflow";
    public static final String NAN_OR_INFINITY = "ERR increment would produce NaN or Infinity";
    public static final String NO_SUCH_KEY = "ERR no such key";
    public static final String OFFSET_OUT_OF_RANGE = "ERR offset is out of range";
    public static final String STRING_TOO_LONG = "ERR string exceeds maximum allowed size (proto-max-bulk-len)";
    public static final String INVALID_CURSOR = "ERR invalid cursor";
    public static final String NOAUTH = "NOAUTH Authentication required.";
    public static final String WRONGPASS = "WRONGPASS invalid username-password pair or user is disabled.";
    public static final String AUTH_WITHOUT_PASSWORD =
            "ERR AUTH <password> called without any password configured for the default user. "
                    + "Are you sure your configuration is correct?";
    public static final String NOPROTO = "NOPROTO unsupported protocol version";
    public static final String HELLO_PROTO_NOT_INTEGER = "ERR Protocol version is not an integer or out of range";
    public static final String HELLO_NOAUTH =
            "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH "
                    + "<user> <pass> option can be used to authenticate the client and select the RESP protocol "
                    + "version at the same time";
    public static final String CLIENT_NAME_INVALID =
            "ERR Client names cannot contain spaces, newlines or special characters.";
    public static final String NO_SUCH_CLIENT = "ERR No such client";
    public static final String CROSSSLOT = "CROSSSLOT Keys in request don't hash to the same slot";
    public static final String SELECT_NOT_ALLOWED = "ERR SELECT is not allowed in cluster mode";
    public static final String EXPIRE_NX_CONFLICT = "ERR NX and XX, GT or LT options at the same time are not compatible";
    public static final String EXPIRE_GT_LT_CONFLICT = "ERR GT and LT options at the same time are not compatible";
    public static final String MAX_CLIENTS = "ERR max number of clients reached";
    public static final String PROTECTED_MODE =
            "DENIED Redis is running in protected mode because protected mode is enabled and no password is set "
                    + "for the default user. In this mode connections are only accepted from the loopback interface. "
                    + "If you want to connect from external computers to RingKV you may adopt one of the following "
                    + "solutions: 1) Set a password with the requirepass configuration key. 2) Bind to an explicit "
                    + "address with --bind. 3) Disable protected mode with --protected-mode no.";

    public static String wrongArity(String fullName) {
        return "ERR wrong number of arguments for '" + fullName + "' command";
    }

    public static String invalidExpireTime(String fullName) {
        return "ERR invalid expire time in '" + fullName + "' command";
    }

    public static String unsupportedExpireOption(String option) {
        return "ERR Unsupported option " + option;
    }

    public static String unknownSubcommand(String sub, String commandUpper) {
        return "ERR unknown subcommand '" + truncate(sub, 128) + "'. Try " + commandUpper + " HELP.";
    }

    /** Redis's text for an unknown command: the name, then up to ~128 bytes of arguments. */
    public static String unknownCommand(String name, java.util.List<String> args) {
        StringBuilder sb = new StringBuilder();
        for (String a : args) {
            if (sb.length() >= 128) {
                break;
            }
            sb.append('\'').append(truncate(a, 128 - sb.length())).append("' ");
        }
        return "ERR unknown command '" + truncate(name, 128) + "', with args beginning with: " + sb;
    }

    /** For Redis features RingKV does not offer yet: a clear error, never a silent success. */
    public static String notSupported(String commandUpper, String why) {
        return "ERR " + commandUpper + " is not supported by RingKV yet (" + why + ")";
    }

    public static String unknownConfigParameter(String name) {
        return "ERR Unknown option or number of arguments for CONFIG SET - '" + name + "'";
    }

    public static String helloSyntax(String option) {
        return "ERR Syntax error in HELLO option '" + option + "'";
    }

    private static String truncate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, Math.max(0, max));
    }
}
