#!/usr/bin/env bash
# Throughput, latency and inter-node messages of a three-node RingKV cluster (three JVMs on
# this machine) against a single RingKV node and a real redis-server, measured in the same run.
#
#   bench/cluster-benchmark.sh                        # the full run (N=90000, 3 repetitions; ~10 min, more when busy)
#   N=30000 REPS=1 bench/cluster-benchmark.sh         # a quick look
#   CONFIGS="redis cluster3" bench/cluster-benchmark.sh
#
# Configurations (all on 127.0.0.1, free ports; a node's cluster port is its client port + 10000):
#   redis          redis-server, appendonly yes, appendfsync everysec
#   single         one RingKV node, memory engine
#   cluster3       three RingKV nodes, memory engine, N=3, read/write QUORUM (the defaults)
#   cluster1       three RingKV nodes, memory engine, --replication-factor 1 (forwarding only)
#   cluster3-lsm   three RingKV nodes, LSM engine (appendfsync everysec), N=3, QUORUM
#
# Every configuration is driven the same way: three redis-benchmark processes run concurrently
# (client i talks to node i; for redis/single all three talk to the one server), each with
# `-t TEST -n N/3 -r 100000 -d 100 -c 17 -P depth --csv`, one test at a time so that the three
# processes run the same command. MSET (10 keys per request) runs N/MSET_DIV requests. At depth
# > 1, redis and the single node run REF_SCALE times as many requests, so that their runs last
# about a second instead of a fraction of one (ops/s are comparable; run length is not).
# Throughput = all requests / elapsed time of the slowest of the three (the sum of the three
# rps is also recorded); p50 = median of the three processes' p50, p99 = worst of their p99.
# Each (repetition, depth) runs every configuration in turn; configurations not being measured
# are paused with SIGSTOP so their idle threads do not steal CPU. Tables show medians over REPS.
# Around each cluster run the INFO ring counters of all three nodes are read, giving inter-node
# messages per client request. A redis-benchmark process still running after RUN_TIMEOUT seconds
# is killed and the run counted as failed; all servers are stopped on exit, Ctrl-C or SIGTERM.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
N="${N:-90000}"
REPS="${REPS:-3}"
TESTS="${TESTS:-set get incr mset}"
PIPELINES="${PIPELINES:-1 16}"
CLIENTS_EACH="${CLIENTS_EACH:-17}"
MSET_DIV="${MSET_DIV:-10}"
WARMUP_N="${WARMUP_N:-60000}"
REF_SCALE="${REF_SCALE:-3}"  # redis and single run REF_SCALE x N requests at depth > 1
RUN_TIMEOUT="${RUN_TIMEOUT:-300}"  # seconds one redis-benchmark process may take before it is killed
CONFIGS="${CONFIGS:-redis single cluster3 cluster1 cluster3-lsm}"
JAVA_OPTS="${JAVA_OPTS:--Xms1g -Xmx1g -XX:+UseParallelGC}"
OUT="$(mktemp -d /tmp/ringkv-cluster-bench.XXXXXX)"
JAR="$ROOT/resp-server/target/ringkv.jar"

[[ -f "$JAR" ]] || (cd "$ROOT" && mvn -q -B -DskipTests -pl resp-server -am package)

ALL_PIDS=()
BENCH_PIDS=()
cleanup() {
  local p
  for p in "${BENCH_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${ALL_PIDS[@]}"; do kill -CONT "$p" 2>/dev/null || true; kill "$p" 2>/dev/null || true; done
  for _ in $(seq 1 50); do
    local alive=0
    for p in "${ALL_PIDS[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
    [[ $alive == 0 ]] && break; sleep 0.1
  done
  for p in "${ALL_PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
STOPPING=
trap cleanup EXIT
trap 'STOPPING=1; exit 130' INT TERM

# Free loopback client ports p (11000..21999) whose cluster port p+10000 is free too; below the
# ephemeral range so outgoing connections cannot take them.
free_ports() { python3 - "$1" <<'PY'
import random, socket, sys
want, got = int(sys.argv[1]), []
def free(p):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try: s.bind(("127.0.0.1", p)); return True
    except OSError: return False
    finally: s.close()
for p in random.sample(range(11000, 22000), 5000):
    if free(p) and free(p + 10000) and all(abs(p - q) != 10000 for q in got): got.append(p)
    if len(got) == want: break
print(" ".join(map(str, got)))
PY
}
wait_port() { for _ in $(seq 1 300); do redis-cli -p "$1" ping >/dev/null 2>&1 && return 0; sleep 0.1; done; echo "server on $1 did not start" >&2; return 1; }
wait_ring() { # all members up as seen from every node
  for _ in $(seq 1 300); do
    local ok=1 port
    for port in "$@"; do redis-cli -p "$port" info ring 2>/dev/null | grep -q "^members_up:$#" || ok=0; done
    [[ $ok == 1 ]] && return 0; sleep 0.1
  done
  echo "cluster on $* did not come up" >&2; return 1
}

declare -A CPORTS CPIDS CDESC
start_redis() {
  local p; p=$(free_ports 1)
  redis-server --port "$p" --bind 127.0.0.1 --save "" --appendonly yes --appendfsync everysec \
    --dir "$OUT" --daemonize no --logfile "$OUT/redis.log" &
  CPIDS[redis]=$!; ALL_PIDS+=($!); CPORTS[redis]="$p $p $p"
  CDESC[redis]="redis-server --port $p --bind 127.0.0.1 --save '' --appendonly yes --appendfsync everysec"
  wait_port "$p"
}
start_single() {
  local p; p=$(free_ports 1)
  java $JAVA_OPTS -jar "$JAR" server --port "$p" --storage-engine memory --data-dir "$OUT/single" >"$OUT/single.log" 2>&1 &
  CPIDS[single]=$!; ALL_PIDS+=($!); CPORTS[single]="$p $p $p"
  CDESC[single]="java $JAVA_OPTS -jar ringkv.jar server --port $p --storage-engine memory --data-dir DIR"
  wait_port "$p"
}
start_cluster() { # name engine replication-factor
  local name=$1 engine=$2 rf=$3 ports seeds="" i=1 p pids=""
  ports=$(free_ports 3)
  for p in $ports; do seeds+="${seeds:+,}n$i@127.0.0.1:$p"; i=$((i + 1)); done
  i=1
  for p in $ports; do
    java $JAVA_OPTS -jar "$JAR" server --port "$p" --node-id "n$i" --seeds "$seeds" --cluster-secret bench \
      --data-dir "$OUT/$name-n$i" --storage-engine "$engine" --replication-factor "$rf" >"$OUT/$name-n$i.log" 2>&1 &
    pids+="$! "; ALL_PIDS+=($!); i=$((i + 1))
  done
  CPIDS[$name]="$pids"; CPORTS[$name]="$ports"
  CDESC[$name]="java $JAVA_OPTS -jar ringkv.jar server --port P{1,2,3} --node-id n{1,2,3} --seeds $seeds --cluster-secret bench --data-dir DIR --storage-engine $engine --replication-factor $rf"
  for p in $ports; do wait_port "$p"; done
  wait_ring $ports
}

# One measured run: TEST at depth P against configuration CFG, three concurrent clients.
run_one() { # cfg P rep test n_total
  local cfg=$1 P=$2 rep=$3 test=$4 n=$5 i=0 port rc=0
  local each=$((n / 3)) cluster=0
  [[ -z $STOPPING ]] || exit 130
  [[ $cfg == cluster* ]] && cluster=1
  if [[ $cluster == 1 ]]; then for port in ${CPORTS[$cfg]}; do redis-cli -p "$port" info ring | tr -d '\r' | sed "s/^/before,$port,/"; done >"$OUT/ctr.txt"; fi
  for port in ${CPORTS[$cfg]}; do
    timeout "$RUN_TIMEOUT" redis-benchmark -p "$port" -t "$test" -n "$each" -r 100000 -d 100 -c "$CLIENTS_EACH" \
      -P "$P" --csv >"$OUT/run.$i.csv" 2>"$OUT/run.$i.err" &
    BENCH_PIDS+=($!); i=$((i + 1))
  done
  for i in 0 1 2; do wait "${BENCH_PIDS[$i]}" || rc=1; done
  BENCH_PIDS=()
  if [[ $cluster == 1 ]]; then for port in ${CPORTS[$cfg]}; do redis-cli -p "$port" info ring | tr -d '\r' | sed "s/^/after,$port,/"; done >>"$OUT/ctr.txt"; fi
  if [[ $rc != 0 ]]; then
    echo "  $cfg -P $P rep $rep $test: a redis-benchmark failed: $(cat "$OUT"/run.*.err | tr '\n' ' ')" >&2
    echo "$cfg,$P,$rep,$test,FAILED" >>"$OUT/failures.csv"; return 0
  fi
  for i in 0 1 2; do tail -n +2 "$OUT/run.$i.csv" | sed "s/^/$cfg,$P,$rep,$i,$each,/" >>"$OUT/results.csv"; done
  if [[ $cluster == 1 ]]; then
    python3 - "$OUT/ctr.txt" "$cfg,$P,$rep,$test,$n" >>"$OUT/counters.csv" <<'PY'
import sys
keys = ["forwarded_requests", "transport_requests_sent", "coordinated_reads", "coordinated_writes",
        "quorum_timeouts", "unavailable", "read_repairs"]
v = {}
for line in open(sys.argv[1]):
    parts = line.rstrip("\n").split(",", 2)
    if len(parts) < 3 or ":" not in parts[2]: continue
    k, _, val = parts[2].partition(":")
    if k in keys: v[(parts[0], parts[1], k)] = int(val)
ports = sorted({p for (_, p, _) in v})
print(sys.argv[2] + "," + ",".join(str(sum(v[("after", p, k)] - v[("before", p, k)] for p in ports)) for k in keys))
PY
  fi
}

pause() { [[ -n "${CPIDS[$1]:-}" ]] && kill -STOP ${CPIDS[$1]} || true; }
resume() {
  [[ -n "${CPIDS[$1]:-}" ]] || return 0
  kill -CONT ${CPIDS[$1]}
  sleep 1  # let timers, probes and any pending background work settle
  [[ $1 == cluster* ]] && wait_ring ${CPORTS[$1]}
  return 0
}

echo "results in $OUT" >&2
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)" >"$OUT/load.txt"
for cfg in $CONFIGS; do
  case $cfg in
    redis) start_redis ;;
    single) start_single ;;
    cluster3) start_cluster cluster3 memory 3 ;;
    cluster1) start_cluster cluster1 memory 1 ;;
    cluster3-lsm) start_cluster cluster3-lsm lsm 3 ;;
    *) echo "unknown configuration $cfg" >&2; exit 2 ;;
  esac
  if [[ $cfg != redis ]]; then
    # JIT warm-up so the first measured repetition is not the interpreter's.
    for t in set get incr; do run_one "$cfg" 16 0 "$t" "$WARMUP_N" 2>/dev/null; done
    run_one "$cfg" 16 0 mset $((WARMUP_N / MSET_DIV)) 2>/dev/null
  fi
  pause "$cfg"
done
: >"$OUT/results.csv"; : >"$OUT/counters.csv"; rm -f "$OUT/failures.csv"  # drop the warm-up rows
for cfg in $CONFIGS; do echo "$cfg: ${CDESC[$cfg]}" >>"$OUT/commands.txt"; done

start=$SECONDS
for rep in $(seq 1 "$REPS"); do
  for P in $PIPELINES; do
    for cfg in $CONFIGS; do
      resume "$cfg"
      for t in $TESTS; do
        n=$N; [[ $t == mset ]] && n=$((N / MSET_DIV))
        [[ $P -gt 1 && ( $cfg == redis || $cfg == single ) ]] && n=$((n * REF_SCALE))
        run_one "$cfg" "$P" "$rep" "$t" "$n"
      done
      pause "$cfg"
    done
    echo "  rep $rep -P $P done after $((SECONDS - start)) s" >&2
  done
done

echo "load after: $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15-min load averages; 2 cores)" >>"$OUT/load.txt"
python3 - "$OUT" "$N" "$REPS" "$CONFIGS" "$CLIENTS_EACH" "$MSET_DIV" "$REF_SCALE" <<'PY'
import csv, os, statistics, sys
out, n, reps, configs, ce, mdiv, scale = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4].split(), sys.argv[5], sys.argv[6], sys.argv[7]
med = statistics.median
runs = {}  # (cfg, P, rep, test) -> list of (n, rps, p50, p99)
for r in csv.reader(open(os.path.join(out, "results.csv"))):
    cfg, p, rep, idx, each, test = r[0], r[1], r[2], r[3], int(r[4]), r[5].strip('"')
    rps, p50, p99 = float(r[6]), float(r[9]), float(r[11])
    runs.setdefault((cfg, p, rep, test), []).append((each, rps, p50, p99))
agg = {}  # (cfg, P, test) -> list of (ops/s by slowest, sum of rps, median p50, worst p99)
for (cfg, p, rep, test), xs in runs.items():
    if len(xs) != 3: continue
    tot = sum(x[0] for x in xs); slowest = max(x[0] / x[1] for x in xs)
    agg.setdefault((cfg, p, test), []).append((tot / slowest, sum(x[1] for x in xs), med(x[2] for x in xs), max(x[3] for x in xs)))
names = {"redis": "Redis", "single": "RingKV 1 node", "cluster3": "cluster N=3", "cluster1": "cluster N=1",
         "cluster3-lsm": "cluster N=3 LSM"}
cfgs = [c for c in configs if any(k[0] == c for k in agg)]
tests = sorted({(k[2], int(k[1])) for k in agg})
def m(cfg, p, test, i):
    xs = agg.get((cfg, p, test)); return med(x[i] for x in xs) if xs else None
print(f"3 x redis-benchmark -t TEST -n {int(n)//3} (MSET: {int(n)//int(mdiv)//3}) -r 100000 -d 100 -c {ce} -P depth --csv,"
      f" one per node (redis, single: all three on the one server, {scale}x the requests at -P > 1); medians of {reps} runs")
print()
print("Throughput, ops/s (ratio to Redis in parentheses)")
print()
print("| test | -P | " + " | ".join(names.get(c, c) for c in cfgs) + " |")
print("|---|---|" + "---|" * len(cfgs))
for test, p in tests:
    p = str(p); red = m("redis", p, test, 0)
    cells = []
    for c in cfgs:
        v = m(c, p, test, 0)
        if v is None: cells.append("–"); continue
        cells.append(f"{v:,.0f}" + (f" ({v / red:.2f})" if red and c != "redis" else ""))
    print(f"| {test} | {p} | " + " | ".join(cells) + " |")
print()
print("Latency p50/p99 ms (p50: median of the three clients; p99: worst of the three)")
print()
print("| test | -P | " + " | ".join(names.get(c, c) for c in cfgs) + " |")
print("|---|---|" + "---|" * len(cfgs))
for test, p in tests:
    p = str(p)
    cells = [(f"{m(c, p, test, 2):.3f}/{m(c, p, test, 3):.3f}" if m(c, p, test, 2) is not None else "–") for c in cfgs]
    print(f"| {test} | {p} | " + " | ".join(cells) + " |")
ctr = {}
path = os.path.join(out, "counters.csv")
for r in csv.reader(open(path)) if os.path.exists(path) else []:
    cfg, p, rep, test, total = r[0], r[1], r[2], r[3].upper(), int(r[4])
    vals = [int(x) for x in r[5:]]  # forwarded, sent, reads, writes, quorum_timeouts, unavailable, read_repairs
    ctr.setdefault((cfg, p, test), []).append([v / total for v in vals[:4]] + vals[4:])
if ctr:
    print()
    print("Inter-node requests per client request (INFO ring deltas summed over the three nodes; medians)")
    print()
    print("| config | test | -P | forwarded (commands) | transport requests sent | coordinated reads | coordinated writes | timeouts+unavailable |")
    print("|---|---|---|---|---|---|---|---|")
    for (cfg, p, test) in sorted(ctr, key=lambda k: (configs.index(k[0]), int(k[1]), k[2])):
        xs = ctr[(cfg, p, test)]
        cols = [f"{med(x[i] for x in xs):.2f}" for i in range(4)]
        errs = sum(x[4] + x[5] for x in xs)
        print(f"| {names.get(cfg, cfg)} | {test} | {p} | " + " | ".join(cols) + f" | {errs} |")
for k in ("cluster3",):
    r16s = [m("cluster3", "16", t, 0) / m("redis", "16", t, 0) for t in ("SET", "GET")
            if m("cluster3", "16", t, 0) and m("redis", "16", t, 0)]
    if len(r16s) == 2:
        print()
        print(f"Target cluster N=3 >= 0.35x Redis on SET and GET at -P 16: SET {r16s[0]:.2f}, GET {r16s[1]:.2f} -> "
              + ("met" if min(r16s) >= 0.35 else "NOT met"))
PY
[[ -s "$OUT/failures.csv" ]] && { echo "failed runs:" >&2; cat "$OUT/failures.csv" >&2; }
echo
cat "$OUT/load.txt"
echo "commands: $OUT/commands.txt"; cat "$OUT/commands.txt"
echo "raw results: $OUT/results.csv (cfg,P,rep,client,n,test,rps,avg,min,p50,p95,p99,max), $OUT/counters.csv"
