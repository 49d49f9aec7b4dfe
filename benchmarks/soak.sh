#!/bin/bash
# soak.sh -- pmult under steady load for a long time, watching for leaks (issue 8; not part of CI).
#
# Starts the real GNU mailfromd (benchmarks/soak-filter.mfl, through integration-tests/peers/start-mailfromd.sh),
# pmult (the shaded jar, -Xmx512m, metrics on loopback) with mailfromd as its one client, and the load
# generator (pmult-sim load) keeping 1,000 SMTP sessions in flight through pmult for the given time.
# Every 10 s it samples pmult's heap (jstat), open file descriptors (/proc/PID/fd), threads, RSS, Netty
# buffer memory and live sessions (/metrics) into samples.csv. At the end of the warm-up and just before
# the end it forces a full GC (jcmd GC.run) and records the live heap. It then says whether heap,
# descriptors, threads and Netty memory stayed flat, and exits 0 only if they did and no transaction
# failed.
#
# usage: benchmarks/soak.sh [--duration TIME] [--sessions N] [--connections N] [--think TIME]
#                           [--warmup TIME] [--no-build] [--out DIR]
#   --duration TIME   measured time after the warm-up: 90s, 5m, 1h (default 30m)
#   --sessions N      SMTP sessions in flight at once (default 1000)
#   --connections N   pmilter connections they share, as smtps has a few (default 4)
#   --think TIME      the SMTP client's pause after each command, so sessions stay open (default 2s)
#   --warmup TIME     ramp-up and JIT warm-up before measuring (default 60s; sessions start over half of it)
#   --no-build        use the jars already built (PMULT_JAR, SIM_JAR)
#   --out DIR         results and logs (default /tmp/pmult-soak-<date>)
# Env: JAVA, START_MFD (default integration-tests/peers/start-mailfromd.sh), BASE_PORT (default 17400; uses
#      BASE_PORT .. BASE_PORT+2), SAMPLE_EVERY (seconds, default 10), PMULT_JAR, SIM_JAR.
# Needs Linux (/proc), a JDK (jstat, jcmd), curl and python3.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
JAVA=${JAVA:-java}
START_MFD=${START_MFD:-$(cd "$(dirname "$0")/.." && pwd)/integration-tests/peers/start-mailfromd.sh}
BASE_PORT=${BASE_PORT:-17400}
SAMPLE_EVERY=${SAMPLE_EVERY:-10}
PMULT_JAR=${PMULT_JAR:-$ROOT/pmult-server/target/pmult.jar}
SIM_JAR=${SIM_JAR:-$ROOT/pmult-sim/target/pmult-sim.jar}
DURATION=30m
SESSIONS=1000
CONNECTIONS=4
THINK=2s
WARMUP=60s
BUILD=1
OUT=/tmp/pmult-soak-$(date +%Y%m%d-%H%M%S)

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }
while [ $# -gt 0 ]; do
    case "$1" in
        --duration) DURATION=$2; shift ;;
        --sessions) SESSIONS=$2; shift ;;
        --connections) CONNECTIONS=$2; shift ;;
        --think) THINK=$2; shift ;;
        --warmup) WARMUP=$2; shift ;;
        --no-build) BUILD=0 ;;
        --out) OUT=$2; shift ;;
        -h|--help) usage ;;
        *) echo "soak: unknown option $1" >&2; usage ;;
    esac
    shift
done

seconds() {   # 90s | 5m | 1h | 90 -> seconds
    case "$1" in
        *h) echo $(( ${1%h} * 3600 )) ;;
        *m) echo $(( ${1%m} * 60 )) ;;
        *s) echo "${1%s}" ;;
        *[!0-9]*|'') echo "soak: bad time \"$1\" (expected e.g. 90s, 5m, 1h)" >&2; exit 2 ;;
        *) echo "$1" ;;
    esac
}
DURATION_S=$(seconds "$DURATION")
WARMUP_S=$(seconds "$WARMUP")
RAMP_S=$(( WARMUP_S / 2 ))
MFD_PORT=$BASE_PORT
PMULT_PORT=$((BASE_PORT + 1))
METRICS_PORT=$((BASE_PORT + 2))
mkdir -p "$OUT"
STARTED=()      # pids this script started; only these are stopped
MFD_WORKDIR=$OUT/mailfromd

log() { echo "soak: $*" >&2; }

# host-wide count of connections dropped because a listen queue was full (mailfromd's, under load)
listen_overflows() { awk '/^TcpExt:/ {if (!n) {for (i = 1; i <= NF; i++) k[i] = $i; n = 1} else
    for (i = 1; i <= NF; i++) if (k[i] == "ListenOverflows") print $i}' /proc/net/netstat; }

cleanup() {
    set +e
    for pid in "${STARTED[@]}"; do
        kill "$pid" 2>/dev/null
    done
    for pid in "${STARTED[@]}"; do
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    done
    [ -d "$MFD_WORKDIR" ] && "$START_MFD" --stop "$MFD_WORKDIR" 2>/dev/null
}
trap cleanup EXIT

wait_for_line() {   # FILE PATTERN SECONDS
    for _ in $(seq $(($3 * 10))); do
        grep -q "$2" "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    log "timed out waiting for \"$2\" in $1:"; tail -20 "$1" >&2; exit 1
}

if [ $BUILD = 1 ]; then
    log "building pmult and pmult-sim (mvn package, tests skipped)"
    (cd "$ROOT" && mvn -B -q -o -DskipTests -pl pmult-server,pmult-sim -am package)
fi
[ -f "$PMULT_JAR" ] && [ -f "$SIM_JAR" ] || { log "missing $PMULT_JAR or $SIM_JAR (run without --no-build)"; exit 1; }
for tool in jstat jcmd curl python3; do
    command -v "$tool" >/dev/null || { log "needs $tool"; exit 1; }
done

{
    echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "commit: $(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo unknown)"
    echo "nproc: $(nproc)  memory: $(free -m | awk '/^Mem:/ {print $2 " MiB"}')  kernel: $(uname -r)"
    echo "java: $("$JAVA" -version 2>&1 | awk 'NR == 1')"
    echo "mailfromd: $( (mailfromd --version 2>/dev/null || echo unknown) | awk 'NR == 1')"
    echo "load: sessions=$SESSIONS connections=$CONNECTIONS think=$THINK warmup=${WARMUP_S}s duration=${DURATION_S}s"
    echo "loadavg-before: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "listen-overflows-before: $(listen_overflows)"
} > "$OUT/run.txt"
cat "$OUT/run.txt" >&2

# ---- mailfromd and pmult ----------------------------------------------------------------------
MFD_PID=$(MFD_FILTER=$HERE/soak-filter.mfl "$START_MFD" "inet:$MFD_PORT@127.0.0.1" "$MFD_WORKDIR" 2>"$OUT/mailfromd-start.log") \
    || { log "mailfromd did not start:"; cat "$OUT/mailfromd-start.log" >&2; exit 1; }
STARTED+=("$MFD_PID")
cat > "$OUT/pmult.conf" <<EOF
listen inet://127.0.0.1:$PMULT_PORT;
client mfd {
  url inet://127.0.0.1:$MFD_PORT;
}
metrics { address 127.0.0.1:$METRICS_PORT; }
EOF
"$JAVA" -Xms64m -Xmx512m -XX:+UseG1GC -Xlog:gc:file="$OUT/pmult-gc.log" -jar "$PMULT_JAR" \
    --config "$OUT/pmult.conf" --foreground > "$OUT/pmult.log" 2>&1 &
PMULT_PID=$!; STARTED+=("$PMULT_PID")
wait_for_line "$OUT/pmult.log" "pmult .* started" 60
log "mailfromd pid $MFD_PID on $MFD_PORT, pmult pid $PMULT_PID on $PMULT_PORT (metrics $METRICS_PORT), out $OUT"

# ---- sampler ----------------------------------------------------------------------------------
# heap_used_kib = survivors + eden + old (jstat -gc); netty_bytes = sum of pmult_netty_memory_used_bytes
sample() {   # ELAPSED PHASE -> one CSV line
    local gc fds threads rss metrics
    gc=$(jstat -gc "$PMULT_PID" 2>/dev/null | awk 'NR==1 {for (i = 1; i <= NF; i++) c[$i] = i}
        NR==2 {printf "%.0f,%.0f,%d,%d", $c["S0U"] + $c["S1U"] + $c["EU"] + $c["OU"], $c["OU"], $c["YGC"], $c["FGC"]}')
    fds=$(ls "/proc/$PMULT_PID/fd" 2>/dev/null | wc -l)
    threads=$(awk '/^Threads:/ {print $2}' "/proc/$PMULT_PID/status" 2>/dev/null)
    rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$PMULT_PID/status" 2>/dev/null)
    metrics=$(curl -s --max-time 5 "http://127.0.0.1:$METRICS_PORT/metrics" | awk '
        /^pmult_netty_memory_used_bytes/ {netty += $NF}
        /^pmult_sessions_active / {sessions = $NF}
        /^pmult_meta1_connections_active / {connections = $NF}
        END {printf "%.0f,%.0f,%.0f", netty, sessions, connections}')
    echo "$1,$2,${gc:-,,,},$fds,$threads,$rss,$metrics"
}
echo "elapsed_s,phase,heap_used_kib,old_used_kib,young_gcs,full_gcs,fds,threads,rss_kib,netty_bytes,sessions_active,meta1_connections" \
    > "$OUT/samples.csv"
T0=$(date +%s)
(
    while kill -0 "$PMULT_PID" 2>/dev/null; do
        now=$(( $(date +%s) - T0 ))
        phase=measure; [ "$now" -lt "$WARMUP_S" ] && phase=warmup
        sample "$now" "$phase" >> "$OUT/samples.csv"
        sleep "$SAMPLE_EVERY"
    done
) &
SAMPLER_PID=$!; STARTED+=("$SAMPLER_PID")

live_heap() {   # LABEL: full GC, then the heap that is left, in KiB, into live-heap.txt
    jcmd "$PMULT_PID" GC.run > /dev/null
    local used
    used=$(jstat -gc "$PMULT_PID" | awk 'NR==1 {for (i = 1; i <= NF; i++) c[$i] = i}
        NR==2 {printf "%.0f", $c["S0U"] + $c["S1U"] + $c["EU"] + $c["OU"]}')
    echo "$1 $(( $(date +%s) - T0 )) $used" >> "$OUT/live-heap.txt"
    log "live heap after a full GC ($1): $((used / 1024)) MiB"
}

# ---- the load ---------------------------------------------------------------------------------
log "load: $SESSIONS sessions over $CONNECTIONS connections, think $THINK, warm-up ${WARMUP_S}s, then ${DURATION_S}s"
"$JAVA" -Xmx1g -jar "$SIM_JAR" load --mode pmilter --connect "inet://127.0.0.1:$PMULT_PORT" \
    --sessions "$SESSIONS" --connections "$CONNECTIONS" --think "$THINK" --threads 2 \
    --ramp-up "${RAMP_S}s" --warmup "${WARMUP_S}s" --duration "${DURATION_S}s" --timeout 60s \
    --watch "pmult=$PMULT_PID" --watch "mailfromd=$MFD_PID" > "$OUT/generator.log" 2> "$OUT/generator.err" &
GEN_PID=$!; STARTED+=("$GEN_PID")

sleep "$WARMUP_S"
live_heap start
# the end sample: 15 s before the generator stops (its startup took a moment too, so load is still on)
sleep $(( DURATION_S > 30 ? DURATION_S - 15 : DURATION_S / 2 ))
live_heap end
GEN_STATUS=0
wait "$GEN_PID" || GEN_STATUS=$?
sleep "$SAMPLE_EVERY"   # one more sample after the load, for the record
kill "$SAMPLER_PID" 2>/dev/null || true
{
    echo "loadavg-after: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "listen-overflows-after: $(listen_overflows)"
    echo "pmult warnings (by kind):"
    (grep ' WARN ' "$OUT/pmult.log" || true) | sed -E 's/^[^ ]+ +WARN +\[[^]]*\] //; s/[0-9]+/N/g' | sort | uniq -c | sort -rn | head -10
} >> "$OUT/run.txt"
cat "$OUT/generator.log" >&2
sed -n '/^loadavg-after/,$p' "$OUT/run.txt" >&2

# ---- verdict ----------------------------------------------------------------------------------
python3 - "$OUT" "$GEN_STATUS" $((WARMUP_S + DURATION_S)) <<'PY'
import csv, re, sys
out, gen_status, load_ends = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
# the measured window only: after the warm-up, before the generator stops
rows = [r for r in csv.DictReader(open(f"{out}/samples.csv"))
        if r["phase"] == "measure" and r["heap_used_kib"] and int(r["elapsed_s"]) < load_ends]
live = {line.split()[0]: int(line.split()[2]) for line in open(f"{out}/live-heap.txt")}
result = next((l for l in open(f"{out}/generator.log") if l.startswith("result ")), "")
errors = int(re.search(r" errors=(\d+)", result).group(1)) if result else -1
ok = int(re.search(r" ok=(\d+)", result).group(1)) if result else 0
lines, flat = [], True
if len(rows) < 8:
    print(f"soak: only {len(rows)} samples under load; run longer"); sys.exit(1)
q = len(rows) // 4
first, last = rows[:q], rows[-q:]
def col(rs, name): return [float(r[name]) for r in rs]
def check(name, before, after, slack, unit):
    global flat
    good = after <= before + slack
    flat &= good
    lines.append(f"{name:<22} {before:>12.1f} -> {after:>12.1f} {unit:<6} {'flat' if good else 'GREW'} (allowed +{slack:.1f})")
check("live heap (full GC)", live["start"] / 1024, live["end"] / 1024, max(8, 0.10 * live["start"] / 1024), "MiB")
check("heap floor per quarter", min(col(first, "heap_used_kib")) / 1024, min(col(last, "heap_used_kib")) / 1024,
      max(16, 0.25 * min(col(first, "heap_used_kib")) / 1024), "MiB")
check("file descriptors (max)", max(col(first, "fds")), max(col(last, "fds")), max(20, 0.02 * max(col(first, "fds"))), "")
check("threads (max)", max(col(first, "threads")), max(col(last, "threads")), 2, "")
check("netty memory (max)", max(col(first, "netty_bytes")) / 2**20, max(col(last, "netty_bytes")) / 2**20,
      max(4, 0.10 * max(col(first, "netty_bytes")) / 2**20), "MiB")
sessions = col(rows, "sessions_active")
summary = [f"samples under load: {len(rows)} (first and last quarter: {q} each)",
           f"sessions active: min {min(sessions):.0f}, max {max(sessions):.0f}",
           f"transactions: {ok} ok, {errors} errors (generator exit {gen_status})", *lines]
verdict = "FLAT" if flat else "NOT FLAT"
summary.append(f"verdict: {verdict}; {'no' if errors == 0 else errors} failed transactions")
open(f"{out}/summary.txt", "w").write("\n".join(summary) + "\n")
print("\n".join(summary))
sys.exit(0 if flat and errors == 0 and gen_status == 0 else 1)
PY
