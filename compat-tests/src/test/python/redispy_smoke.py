#!/usr/bin/python3
"""redis-py smoke test for RingKV: every string/keyspace command, a pipeline, and RESP3.

Usage: redispy_smoke.py PORT
Exits 0 when every check passes, 1 on the first failure (printed to stderr), 2 when the
redis module is missing. Written for Debian's python3-redis 4.3.4, which predates redis-py's
RESP3 support (protocol=3 arrived in 5.0): when the module has no RESP3, the RESP3 part
speaks HELLO 3 over a plain socket with a minimal RESP3 reader below.
"""
import socket
import sys
import time
import traceback

try:
    import redis
except ImportError:
    print("redis module not installed", file=sys.stderr)
    sys.exit(2)


def check(actual, expected, what):
    if actual != expected:
        raise AssertionError("%s: expected %r, got %r" % (what, expected, actual))


def check_error(fn, expected_text, what):
    try:
        fn()
    except redis.ResponseError as e:
        check(str(e), expected_text, what)
        return
    raise AssertionError("%s: expected error %r, got success" % (what, expected_text))


def is_ringkv(r):
    """RingKV's INFO has a ring section; a real redis-server has none."""
    return bool(r.info("ring"))


def strings_and_keyspace(r):
    r.flushall()
    check(r.set("k", "v"), True, "SET")
    check(r.get("k"), b"v", "GET")
    check(r.get("missing"), None, "GET missing")
    check(r.set("k", "x", nx=True), None, "SET NX on existing")
    check(r.set("k", "x", xx=True), True, "SET XX")
    check(r.set("k", "y", ex=100), True, "SET EX")
    check(r.ttl("k") in (99, 100), True, "TTL after SET EX")
    check(r.set("k", "y", px=100000), True, "SET PX")
    check(99000 <= r.pttl("k") <= 100000, True, "PTTL after SET PX")
    now = int(r.time()[0])
    check(r.set("k", "y", exat=now + 100), True, "SET EXAT")
    check(r.execute_command("EXPIRETIME", "k"), now + 100, "EXPIRETIME")
    check(r.set("k", "y", pxat=now * 1000 + 100500), True, "SET PXAT")
    check(r.execute_command("PEXPIRETIME", "k"), now * 1000 + 100500, "PEXPIRETIME")
    check(r.set("k", "z", keepttl=True), True, "SET KEEPTTL")
    check(r.pttl("k") > 0, True, "KEEPTTL kept the TTL")
    check(r.set("k", "w", get=True), b"z", "SET GET")
    check_error(lambda: r.execute_command("SET", "k", "v", "EX", "0"),
                "invalid expire time in 'set' command", "SET EX 0")

    check(r.setnx("n", "1"), True, "SETNX new")
    check(r.setnx("n", "2"), False, "SETNX existing")
    check(r.setex("se", 30, "v"), True, "SETEX")
    check(r.psetex("pse", 30000, "v"), True, "PSETEX")
    check(r.getset("n", "5"), b"1", "GETSET")
    check(r.getdel("n"), b"5", "GETDEL")
    check(r.getdel("n"), None, "GETDEL missing")
    check(r.getex("se", persist=True), b"v", "GETEX PERSIST")
    check(r.ttl("se"), -1, "TTL after PERSIST")
    check(r.getex("se", ex=50), b"v", "GETEX EX")
    check(r.ttl("se") in (49, 50), True, "TTL after GETEX EX")

    check(r.mset({"{t}a": "1", "{t}b": "2"}), True, "MSET")
    check(r.mget("{t}a", "{t}x", "{t}b"), [b"1", None, b"2"], "MGET")
    check(r.msetnx({"{t}c": "3", "{t}d": "4"}), True, "MSETNX new")
    check(r.msetnx({"{t}c": "9", "{t}e": "9"}), False, "MSETNX existing")
    if is_ringkv(r):  # a standalone redis-server has no partitions
        check_error(lambda: r.msetnx({"{a}1": "1", "{b}2": "2"}),
                    "CROSSSLOT Keys in request don't hash to the same slot", "MSETNX cross-slot")
    check(r.rename("{t}a", "{t}aa"), True, "RENAME")
    check(r.get("{t}aa"), b"1", "GET after RENAME")
    check_error(lambda: r.rename("{t}nope", "{t}z"), "no such key", "RENAME missing")

    check(r.exists("{t}aa", "{t}b", "nothing"), 2, "EXISTS")
    check(r.type("{t}aa"), b"string", "TYPE")
    check(r.type("nothing"), b"none", "TYPE none")
    check(r.delete("{t}aa", "nothing"), 1, "DEL")
    check(r.unlink("{t}b"), 1, "UNLINK")

    r.set("e", "v")
    check(r.expire("e", 100, xx=True), False, "EXPIRE XX without TTL")
    check(r.expire("e", 100, nx=True), True, "EXPIRE NX")
    check(r.expire("e", 200, gt=True), True, "EXPIRE GT")
    check(r.expire("e", 300, lt=True), False, "EXPIRE LT")
    check(r.pexpire("e", 150000), True, "PEXPIRE")
    check(r.expireat("e", now + 1000), True, "EXPIREAT")
    check(r.pexpireat("e", (now + 900) * 1000), True, "PEXPIREAT")
    check(r.execute_command("PEXPIRETIME", "e"), (now + 900) * 1000, "PEXPIRETIME after PEXPIREAT")
    check(r.persist("e"), True, "PERSIST")
    check(r.ttl("e"), -1, "TTL after PERSIST")
    check(r.ttl("nothing"), -2, "TTL missing")
    check(r.pttl("nothing"), -2, "PTTL missing")

    check(r.incr("c"), 1, "INCR")
    check(r.incrby("c", 9), 10, "INCRBY")
    check(r.decr("c"), 9, "DECR")
    check(r.decrby("c", 10), -1, "DECRBY")
    check(r.incrbyfloat("f", 1.5), 1.5, "INCRBYFLOAT")
    check(r.get("f"), b"1.5", "GET after INCRBYFLOAT")
    r.set("s", "abc")
    check_error(lambda: r.incr("s"), "value is not an integer or out of range", "INCR on text")
    check(r.append("s", "def"), 6, "APPEND")
    check(r.strlen("s"), 6, "STRLEN")
    check(r.getrange("s", 1, -2), b"bcde", "GETRANGE")
    check(r.setrange("s", 1, "XY"), 6, "SETRANGE")
    check(r.get("s"), b"aXYdef", "GET after SETRANGE")

    r.flushdb()
    for i in range(300):
        r.set("scan:%d" % i, "v")
    r.set("other", "v")
    seen = list(r.scan_iter(match="scan:*", count=40))
    check(len(seen), 300, "SCAN MATCH count")
    check(len(set(seen)), 300, "SCAN MATCH has no duplicates")
    check(len(list(r.scan_iter(count=50, _type="string"))), 301, "SCAN TYPE string")
    check(list(r.scan_iter(count=1000, _type="list")), [], "SCAN TYPE list")
    check(sorted(r.keys("scan:1?")), sorted(b"scan:1%d" % i for i in range(10)), "KEYS")
    check(r.randomkey() is not None, True, "RANDOMKEY")
    check(r.dbsize(), 301, "DBSIZE")
    check(r.flushdb(), True, "FLUSHDB")
    check(r.dbsize(), 0, "DBSIZE after FLUSHDB")
    check(r.randomkey(), None, "RANDOMKEY on empty")
    r.set("x", "1")
    check(r.flushall(), True, "FLUSHALL")
    check(r.dbsize(), 0, "DBSIZE after FLUSHALL")


def connection_commands(r):
    check(r.ping(), True, "PING")
    check(r.echo("hi"), b"hi", "ECHO")
    check(r.execute_command("SELECT", 0), True, "SELECT 0")
    check(r.client_setname("pyclient"), True, "CLIENT SETNAME")
    check(r.client_getname(), "pyclient", "CLIENT GETNAME")
    cid = r.client_id()
    check(cid > 0, True, "CLIENT ID")
    check(any(c["id"] == str(cid) for c in r.client_list()), True, "CLIENT LIST has this client")
    check(r.config_get("maxclients"), {"maxclients": "10000"}, "CONFIG GET")
    info = r.info()
    check("redis_version" in info and "connected_clients" in info, True, "INFO fields")
    check(isinstance(r.time()[0], int), True, "TIME")
    check(r.execute_command("COMMAND COUNT") > 50, True, "COMMAND COUNT")


def pipeline(r):
    r.flushall()
    p = r.pipeline(transaction=False)
    for i in range(2000):
        p.set("p:%d" % i, i)
        p.incr("pc")
    for i in range(2000):
        p.get("p:%d" % i)
    p.incr("p:nope-text")
    p.set("p:text", "t")
    p.incr("p:text")
    p.ping()
    res = p.execute(raise_on_error=False)
    check(len(res), 6004, "pipeline reply count")
    for i in range(2000):
        check(res[2 * i], True, "pipelined SET %d" % i)
        check(res[2 * i + 1], i + 1, "pipelined INCR %d" % i)
        check(res[4000 + i], str(i).encode(), "pipelined GET %d" % i)
    check(res[6000], 1, "INCR of a new key")
    check(isinstance(res[6002], redis.ResponseError), True, "error inside pipeline")
    check(res[6003], True, "PING after the error")


def binary(r):
    key = b"\x00\r\n\xff bin"
    value = bytes(range(256)) * 10
    check(r.set(key, value), True, "binary SET")
    check(r.get(key), value, "binary GET")
    check(r.strlen(key), 2560, "binary STRLEN")


def auth(port, password):
    r = redis.Redis(host="127.0.0.1", port=port, socket_timeout=10)
    try:
        r.ping()
        raise AssertionError("PING before AUTH succeeded")
    except redis.AuthenticationError as e:
        check(str(e), "Authentication required.", "NOAUTH text")
    bad = redis.Redis(host="127.0.0.1", port=port, password="wrong", socket_timeout=10)
    try:
        bad.ping()
        raise AssertionError("wrong password accepted")
    except (redis.AuthenticationError, redis.ResponseError) as e:
        # redis-py 4.3 raises a plain ResponseError for WRONGPASS, with Redis's text.
        check(str(e), "WRONGPASS invalid username-password pair or user is disabled.", "WRONGPASS text")
    good = redis.Redis(host="127.0.0.1", port=port, password=password, socket_timeout=10)
    check(good.ping(), True, "PING after AUTH")


# --- RESP3 over a raw socket -------------------------------------------------------------

class Resp3:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.buf = b""

    def call(self, *args):
        out = b"*%d\r\n" % len(args)
        for a in args:
            a = a if isinstance(a, bytes) else str(a).encode()
            out += b"$%d\r\n%s\r\n" % (len(a), a)
        self.sock.sendall(out)
        return self.read()

    def _line(self):
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("connection closed")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _exact(self, n):
        while len(self.buf) < n + 2:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("connection closed")
            self.buf += chunk
        data, self.buf = self.buf[:n], self.buf[n + 2:]
        return data

    def read(self):
        line = self._line()
        t, rest = line[:1], line[1:]
        if t == b"+":
            return rest.decode()
        if t == b"-":
            return RuntimeError(rest.decode())
        if t == b":":
            return int(rest)
        if t == b",":
            return float(rest)
        if t == b"_":
            return None
        if t == b"#":
            return rest == b"t"
        if t in (b"$", b"="):
            n = int(rest)
            return None if n < 0 else self._exact(n)
        if t in (b"*", b"~", b">"):
            return [self.read() for _ in range(int(rest))]
        if t == b"%":
            return {self._key(self.read()): self.read() for _ in range(int(rest))}
        raise AssertionError("unexpected RESP3 type %r" % line)

    @staticmethod
    def _key(k):
        return k.decode() if isinstance(k, bytes) else k


def resp3(port):
    c = Resp3(port)
    hello = c.call("HELLO", 3)
    check(isinstance(hello, dict), True, "HELLO 3 replies with a map")
    check(hello["proto"], 3, "HELLO proto")
    check(c.call("SET", "r3", "v"), "OK", "RESP3 SET")
    check(c.call("GET", "r3"), b"v", "RESP3 GET")
    check(c.call("GET", "r3-missing"), None, "RESP3 null")
    check(c.call("INCRBYFLOAT", "r3f", "1.5"), b"1.5", "RESP3 INCRBYFLOAT (a bulk, as in Redis)")
    check(c.call("MGET", "r3", "r3-missing"), [b"v", None], "RESP3 MGET")
    check(c.call("CONFIG", "GET", "timeout"), {"timeout": b"0"}, "RESP3 CONFIG GET is a map")
    check(c.call("EXISTS", "r3"), 1, "RESP3 EXISTS")
    check(c.call("TTL", "r3"), -1, "RESP3 TTL")
    back = c.call("HELLO", 2)
    check(isinstance(back, list) and back[back.index(b"proto") + 1] == 2, True, "HELLO 2 switches back (flat array)")
    check(c.call("CONFIG", "GET", "timeout"), [b"timeout", b"0"], "RESP2 CONFIG GET is a flat array")
    c.sock.close()


def main():
    port = int(sys.argv[1])
    password = sys.argv[2] if len(sys.argv) > 2 else None
    if password:
        auth(port, password)
        return
    r = redis.Redis(host="127.0.0.1", port=port, socket_timeout=10)
    strings_and_keyspace(r)
    connection_commands(r)
    pipeline(r)
    binary(r)
    if hasattr(redis.Redis, "__init__") and "protocol" in redis.Redis.__init__.__code__.co_varnames:
        r3 = redis.Redis(host="127.0.0.1", port=port, protocol=3, socket_timeout=10)
        check(r3.set("py3", "v"), True, "redis-py RESP3 SET")
        check(r3.get("py3"), b"v", "redis-py RESP3 GET")
        print("RESP3: redis-py protocol=3")
    else:
        print("RESP3: redis-py %s has no protocol=3; checked over a raw socket" % redis.__version__)
    resp3(port)
    print("redis-py %s smoke test passed" % redis.__version__)


if __name__ == "__main__":
    try:
        main()
    except Exception:
        traceback.print_exc()
        sys.exit(1)
