#!/usr/bin/env bash
# Throughput and latency of RingKV against a real redis-server, measured in the same run.
#
#   bench/redis-benchmark.sh                 # the full run (N=1000000, 3 repetitions)
#   N=100000 REPS=1 bench/redis-benchmark.sh # a quick look
#   ENGINE=lsm bench/redis-benchmark.sh      # RingKV on its LSM engine (appendfsync everysec)
#
# Both servers listen on free loopback ports. Redis runs with appendonly yes, appendfsync
# everysec. Each (server, pipeline depth) runs `redis-benchmark -t set,get,incr,mset -n N
# -r 100000 -d 100 -c 50 -P depth --csv` REPS times; the table shows medians and the
# RingKV/Redis ratio of ops/s.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
N="${N:-1000000}"
REPS="${REPS:-3}"
ENGINE="${ENGINE:-memory}"
TESTS="${TESTS:-set,get,incr,mset}"
PIPELINES="${PIPELINES:-1 16}"
CLIENTS="${CLIENTS:-50}"
JAVA_OPTS="${JAVA_OPTS:--Xms1g -Xmx1g -XX:+UseParallelGC}"
OUT="$(mktemp -d /tmp/ringkv-bench.XXXXXX)"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_port() { for _ in $(seq 1 200); do redis-cli -p "$1" ping >/dev/null 2>&1 && return 0; sleep 0.1; done; echo "server on $1 did not start" >&2; return 1; }

[[ -f "$ROOT/resp-server/target/ringkv.jar" ]] || (cd "$ROOT" && mvn -q -B -DskipTests -pl resp-server -am package)

RPORT=$(free_port); KPORT=$(free_port)
redis-server --port "$RPORT" --bind 127.0.0.1 --save "" --appendonly yes --appendfsync everysec \
  --dir "$OUT" --daemonize no --logfile "$OUT/redis.log" &
RPID=$!
java $JAVA_OPTS -jar "$ROOT/resp-server/target/ringkv.jar" server --port "$KPORT" \
  --storage-engine "$ENGINE" --data-dir "$OUT/ringkv" --appendfsync everysec >"$OUT/ringkv.log" 2>&1 &
KPID=$!
trap 'kill $RPID $KPID 2>/dev/null || true; wait 2>/dev/null || true' EXIT
wait_port "$RPORT"; wait_port "$KPORT"

# JIT warm-up for RingKV so the first measured repetition is not the interpreter's.
redis-benchmark -p "$KPORT" -t "$TESTS" -n 200000 -r 100000 -d 100 -c "$CLIENTS" -P 16 -q >/dev/null 2>&1 || true

for P in $PIPELINES; do
  for rep in $(seq 1 "$REPS"); do
    for target in redis:$RPORT ringkv:$KPORT; do
      name=${target%%:*}; port=${target##*:}
      redis-benchmark -p "$port" -t "$TESTS" -n "$N" -r 100000 -d 100 -c "$CLIENTS" -P "$P" --csv 2>/dev/null \
        | tail -n +2 | sed "s/^/$name,$P,$rep,/" >>"$OUT/results.csv"
    done
  done
done

python3 - "$OUT/results.csv" "$N" "$REPS" "$ENGINE" <<'PY'
import csv, statistics, sys
path, n, reps, engine = sys.argv[1:5]
rows = {}
for r in csv.reader(open(path)):
    server, p, rep, test = r[0], r[1], r[2], r[3].strip('"')
    rps, p50, p99 = float(r[4].strip('"')), float(r[7].strip('"')), float(r[9].strip('"'))
    rows.setdefault((test, p, server), []).append((rps, p50, p99))
print(f"redis-benchmark -n {n} -r 100000 -d 100 -c 50, medians of {reps} runs; RingKV engine: {engine}")
print(f"| test | -P | Redis ops/s | Redis p50/p99 ms | RingKV ops/s | RingKV p50/p99 ms | ratio |")
print(f"|---|---|---|---|---|---|---|")
for (test, p, server) in sorted(k for k in rows if k[2] == 'redis'):
    red = rows[(test, p, 'redis')]; kv = rows.get((test, p, 'ringkv'), [])
    if not kv: continue
    med = lambda xs, i: statistics.median(x[i] for x in xs)
    ratio = med(kv, 0) / med(red, 0)
    print(f"| {test} | {p} | {med(red,0):,.0f} | {med(red,1):.3f}/{med(red,2):.3f} | {med(kv,0):,.0f} | {med(kv,1):.3f}/{med(kv,2):.3f} | {ratio:.2f} |")
PY
echo "raw results: $OUT/results.csv"
