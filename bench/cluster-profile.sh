#!/usr/bin/env bash
# Where a three-node RingKV cluster (three JVMs on this machine) spends its CPU under load,
# per client request, next to the same numbers for a single node.
#
#   bench/cluster-profile.sh                          # SET and GET at -P 16, memory engine, N=3
#   MODE=single bench/cluster-profile.sh              # the same load on one node
#   TESTS=set P=1 RF=1 bench/cluster-profile.sh
#   ENGINE=lsm TESTS=set bench/cluster-profile.sh
#
# Starts the nodes on free loopback ports, warms them, then for each test runs three
# redis-benchmark processes (cluster: one per node; single: all on the one node), each
# `-t TEST -n REQ -r 100000 -d 100 -c 17 -P P`, and while they run measures for DURATION
# seconds: a JFR recording of the first node (`jcmd <pid> JFR.start duration=...s
# settings=profile`), per-thread CPU of every node (/proc/<pid>/task/*/stat), and
# `perf stat` software events and syscall tracepoints of every node. Prints per client
# request: server CPU, system calls, context switches, bytes allocated (JFR
# jdk.ThreadAllocationStatistics) and inter-node messages; then the hottest frames (self, and
# as in `jfr print --events jdk.ExecutionSample | grep ... | sort | uniq -c`), the biggest
# allocation sites (jdk.ObjectAllocationSample weight) and GC counts. Recordings and raw
# output stay in the printed directory. perf is optional (skipped if missing or not permitted).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MODE="${MODE:-cluster}"
TESTS="${TESTS:-set get}"
P="${P:-16}"
RF="${RF:-3}"
ENGINE="${ENGINE:-memory}"
DURATION="${DURATION:-20}"
REQ="${REQ:-5000000}"  # per client process; clients are stopped when the measurement ends
JAVA_OPTS="${JAVA_OPTS:--Xms1g -Xmx1g -XX:+UseParallelGC}"
OUT="$(mktemp -d /tmp/ringkv-cluster-profile.XXXXXX)"
JAR="$ROOT/resp-server/target/ringkv.jar"
[[ -f "$JAR" ]] || (cd "$ROOT" && mvn -q -B -DskipTests -pl resp-server -am package)

PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
trap 'exit 130' INT TERM

NODES=3; [[ $MODE == single ]] && NODES=1
PORTS=$(python3 - "$NODES" <<'PY'
import random, socket, sys
def free(p):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try: s.bind(("127.0.0.1", p)); return True
    except OSError: return False
    finally: s.close()
got = []
for p in random.sample(range(11000, 22000), 5000):
    if free(p) and free(p + 10000) and all(abs(p - q) != 10000 for q in got): got.append(p)
    if len(got) == int(sys.argv[1]): break
print(" ".join(map(str, got)))
PY
)
NODE_PIDS=()
if [[ $MODE == single ]]; then
  java $JAVA_OPTS -jar "$JAR" server --port "$PORTS" --data-dir "$OUT/n1" --storage-engine "$ENGINE" >"$OUT/n1.log" 2>&1 &
  NODE_PIDS+=($!); PIDS+=($!)
  for _ in $(seq 1 300); do redis-cli -p "$PORTS" ping >/dev/null 2>&1 && break; sleep 0.1; done
  CLIENT_PORTS="$PORTS $PORTS $PORTS"
else
  seeds=""; i=1; for p in $PORTS; do seeds+="${seeds:+,}n$i@127.0.0.1:$p"; i=$((i + 1)); done
  i=1
  for p in $PORTS; do
    java $JAVA_OPTS -jar "$JAR" server --port "$p" --node-id "n$i" --seeds "$seeds" --cluster-secret bench \
      --data-dir "$OUT/n$i" --storage-engine "$ENGINE" --replication-factor "$RF" >"$OUT/n$i.log" 2>&1 &
    NODE_PIDS+=($!); PIDS+=($!); i=$((i + 1))
  done
  for p in $PORTS; do
    for _ in $(seq 1 300); do redis-cli -p "$p" info ring 2>/dev/null | grep -q '^members_up:3' && break; sleep 0.1; done
  done
  CLIENT_PORTS="$PORTS"
fi
echo "$MODE: pids ${NODE_PIDS[*]}, ports $PORTS (engine $ENGINE, N=$RF, -P $P, ${DURATION}s); output in $OUT"

warm=(); for p in $CLIENT_PORTS; do redis-benchmark -p "$p" -t set,get,incr -n 50000 -r 100000 -d 100 -c 17 -P 16 -q >/dev/null 2>&1 & warm+=($!); done
for w in "${warm[@]}"; do wait "$w" || true; done

PERF_EVENTS="task-clock,context-switches,cpu-migrations,raw_syscalls:sys_enter,syscalls:sys_enter_sendto,syscalls:sys_enter_writev,syscalls:sys_enter_write,syscalls:sys_enter_recvfrom,syscalls:sys_enter_epoll_pwait2,syscalls:sys_enter_epoll_wait,syscalls:sys_enter_futex"
HAVE_PERF=0; command -v perf >/dev/null && perf stat -e "$PERF_EVENTS" -- true >/dev/null 2>&1 && HAVE_PERF=1

thread_cpu() { # pid -> "comm ticks" per thread name
  for t in /proc/"$1"/task/*; do
    echo "$(tr ' ' '_' <"$t/comm") $(awk '{print $14 + $15}' "$t/stat" 2>/dev/null || echo 0)"
  done | awk '{s[$1] += $2} END {for (k in s) print k, s[k]}'
  awk '{print "=user", $14; print "=sys", $15}' /proc/"$1"/stat
}
counters() { for p in $PORTS; do redis-cli -p "$p" info everything | tr -d '\r' | sed "s/^/$p,/"; done; }

for test in $TESTS; do
  bench=()
  for p in $CLIENT_PORTS; do
    redis-benchmark -p "$p" -t "$test" -n "$REQ" -r 100000 -d 100 -c 17 -P "$P" -q >"$OUT/$test.bench.$p.$RANDOM" 2>&1 &
    bench+=($!); PIDS+=($!)
  done
  sleep 3
  counters >"$OUT/$test.ctr0"
  for k in $(seq 0 $((NODES - 1))); do thread_cpu "${NODE_PIDS[$k]}" >"$OUT/$test.cpu0.$k"; done
  perfs=()
  if [[ $HAVE_PERF == 1 ]]; then
    for k in $(seq 0 $((NODES - 1))); do
      perf stat -x, -e "$PERF_EVENTS" -p "${NODE_PIDS[$k]}" -o "$OUT/$test.perf.$k" -- sleep "$DURATION" >/dev/null 2>&1 &
      perfs+=($!)
    done
  fi
  t0=$(date +%s.%N)
  jcmd "${NODE_PIDS[0]}" JFR.start name=prof duration="${DURATION}s" filename="$OUT/$test.jfr" settings=profile >/dev/null
  sleep "$DURATION"
  for k in $(seq 0 $((NODES - 1))); do thread_cpu "${NODE_PIDS[$k]}" >"$OUT/$test.cpu1.$k"; done
  counters >"$OUT/$test.ctr1"
  t1=$(date +%s.%N)
  for f in "${perfs[@]}"; do wait "$f" || true; done
  sleep 2  # the JFR file is written when the recording ends
  for b in "${bench[@]}"; do kill "$b" 2>/dev/null || true; done
  for b in "${bench[@]}"; do wait "$b" 2>/dev/null || true; done
  jfr print --json --events jdk.ExecutionSample "$OUT/$test.jfr" >"$OUT/$test.samples.json"
  jfr print --json --events jdk.ObjectAllocationSample "$OUT/$test.jfr" >"$OUT/$test.alloc.json"
  jfr print --json --events jdk.ThreadAllocationStatistics "$OUT/$test.jfr" >"$OUT/$test.talloc.json"
  echo
  echo "=================== $test -P $P ($MODE, engine $ENGINE, N=$RF) ==================="
  python3 - "$OUT/$test" "$t0" "$t1" "$NODES" "$test" "$MODE" <<'PY'
import collections, json, os, sys
base, t0, t1, nodes, test, mode = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6]
secs = t1 - t0
def info(path):
    d = collections.defaultdict(dict)
    for line in open(path):
        port, _, kv = line.rstrip("\n").partition(",")
        k, sep, v = kv.partition(":")
        if sep: d[port][k] = v
    return d
c0, c1 = info(base + ".ctr0"), info(base + ".ctr1")
def delta(k): return sum(int(c1[p].get(k, 0)) - int(c0[p].get(k, 0)) for p in c1)
if mode == "single":
    reqs = delta("total_commands_processed")
else:
    reqs = {"set": delta("coordinated_writes"), "incr": delta("coordinated_writes"), "get": delta("coordinated_reads"),
            "mset": delta("coordinated_writes") / 10}.get(test) or delta("total_commands_processed")
print(f"client requests: {reqs:,.0f} in {secs:.1f} s = {reqs / secs:,.0f} ops/s")
if mode != "single":
    for k in ("forwarded_requests", "transport_requests_sent", "transport_request_flushes"):
        print(f"  {k}: {delta(k) / reqs:.2f} per client request")
print(f"\nper-thread CPU, % of one core ({' | '.join('n%d' % (k + 1) for k in range(nodes))})")
tables = []
for k in range(nodes):
    a = dict(l.split() for l in open(f"{base}.cpu0.{k}")); b = dict(l.split() for l in open(f"{base}.cpu1.{k}"))
    tables.append({n: (int(b[n]) - int(a.get(n, 0))) / secs for n in b})  # ticks are 1/100 s
us = [(t.pop("=user", 0), t.pop("=sys", 0)) for t in tables]
for n in sorted({n for t in tables for n in t}, key=lambda n: -sum(t.get(n, 0) for t in tables)):
    vals = [t.get(n, 0) for t in tables]
    if max(vals) >= 1: print(f"  {n:<28} " + " | ".join(f"{v:5.0f}%" for v in vals))
total_cpu = sum(sum(t.values()) for t in tables)
print(f"  {'total':<28} " + " | ".join(f"{sum(t.values()):5.0f}%" for t in tables))
print(f"  {'(user/sys)':<28} " + " | ".join(f"{u:.0f}/{s:.0f}%" for u, s in us))
print(f"server CPU per client request: {total_cpu / 100 * secs / reqs * 1e6:.1f} us (all nodes; "
      f"user {sum(u for u, _ in us) / 100 * secs / reqs * 1e6:.1f}, sys {sum(s for _, s in us) / 100 * secs / reqs * 1e6:.1f})")
perf = collections.Counter()
for k in range(nodes):
    path = f"{base}.perf.{k}"
    if not os.path.exists(path): continue
    for line in open(path):
        f = line.strip().split(",")
        if len(f) > 3 and f[0] and f[0][0].isdigit(): perf[f[2]] += float(f[0])
if perf:
    print("per client request (perf stat, all nodes): " + ", ".join(
        f"{k.replace('syscalls:sys_enter_', '').replace('raw_syscalls:sys_enter', 'syscalls')} {v / reqs:.2f}"
        for k, v in perf.items() if k != "task-clock") + f", task-clock {perf['task-clock'] * 1e3 / reqs:.1f} us")
ta = json.load(open(base + ".talloc.json"))["recording"]["events"]
first, last = {}, {}
for e in ta:
    v = e["values"]; tid = v["thread"]["javaThreadId"] if v.get("thread") else None
    if tid is None: continue
    first.setdefault(tid, v["allocated"]); last[tid] = (v["allocated"], v["thread"]["javaName"])
alloc = {last[t][1]: last[t][0] - first[t] for t in last}
tot = sum(alloc.values())
print(f"node n1 allocation: {tot / secs / 2**20:,.0f} MiB/s = {tot / (reqs / nodes):,.0f} bytes per client request entering n1 "
      f"(" + ", ".join(f"{n} {100 * b / tot:.0f}%" for n, b in sorted(alloc.items(), key=lambda x: -x[1])[:4] if tot) + ")")
ev = json.load(open(base + ".samples.json"))["recording"]["events"]
def name(f): return f["method"]["type"]["name"].replace("/", ".") + "." + f["method"]["name"]
self_c, incl, thr = collections.Counter(), collections.Counter(), collections.Counter()
for e in ev:
    v = e["values"]; frames = v["stackTrace"]["frames"] if v.get("stackTrace") else []
    if not frames: continue
    thr[v["sampledThread"]["javaName"]] += 1
    self_c[name(frames[0])] += 1
    for f in {name(f) for f in frames}: incl[f] += 1
n = max(1, sum(thr.values()))
print(f"\nJFR execution samples, node n1: {n} (" + ", ".join(f"{t} {c}" for t, c in thr.most_common(4)) + ")")
print("top frames, self:")
for k, v in self_c.most_common(30): print(f"  {100 * v / n:5.1f}%  {k}")
print("top project frames, inclusive (within the 64 recorded frames):")
for k, v in [kv for kv in incl.most_common(2000) if kv[0].startswith("io.ringkv") and "$$Lambda" not in kv[0]][:30]:
    print(f"  {100 * v / n:5.1f}%  {k}")
ev = json.load(open(base + ".alloc.json"))["recording"]["events"]
by_class, by_site = collections.Counter(), collections.Counter()
total = 0
for e in ev:
    v = e["values"]; w = v.get("weight", 0); total += w
    frames = v["stackTrace"]["frames"] if v.get("stackTrace") else []
    site = next((name(f) for f in frames if f["method"]["type"]["name"].startswith("io/ringkv") and "$$Lambda" not in f["method"]["type"]["name"]),
                name(frames[0]) if frames else "?")
    by_class[v["objectClass"]["name"]] += w; by_site[(v["objectClass"]["name"], site)] += w
print(f"\nallocation samples, node n1 ({len(ev)} samples; weights are TLAB-sized, so only the large shares mean much):")
for k, w in by_class.most_common(12): print(f"  {100 * w / max(1, total):5.1f}%  {k}")
print("by (class, first project frame):")
for (c, s), w in by_site.most_common(20): print(f"  {100 * w / max(1, total):5.1f}%  {c}  <-  {s}")
PY
  echo "--- top frames: jfr print --events jdk.ExecutionSample | grep 'line:' | sort | uniq -c | sort -rn | head -40 (any of the top 5 frames) ---"
  jfr print --events jdk.ExecutionSample "$OUT/$test.jfr" | grep 'line:' | sed 's/ line:.*//' | sort | uniq -c | sort -rn | head -40 || true
  echo "--- jfr summary (selected) ---"
  jfr summary "$OUT/$test.jfr" | grep -E 'jdk.(ExecutionSample|ObjectAllocationSample|GarbageCollection|ThreadPark|JavaMonitorEnter) ' || true
done
echo; echo "recordings: $OUT/*.jfr"
