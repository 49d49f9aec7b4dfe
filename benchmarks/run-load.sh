#!/bin/bash
# run-load.sh -- the end-to-end benchmarks of docs/benchmarks.md, in one run, side by side.
#
# Builds pmult and pmult-sim, starts the fast milter (pmult-sim continue-milter) and pmult in JVMs of
# their own, then runs the load generator (pmult-sim load) in a third JVM against pmult (pmilter mode)
# and straight against the milter (milter mode, the baseline), and prints the results tables
# (benchmarks/load-report.py). Finally the same against the real GNU mailfromd, if installed.
#
# usage: benchmarks/run-load.sh [--quick] [--no-build] [--no-mailfromd] [--parts LIST] [--out DIR]
#   --quick         one repetition and shorter runs (a smoke test of the script, ~4 minutes)
#   --no-build      use the jars already in pmult-server/target and pmult-sim/target
#   --no-mailfromd  skip the runs against mailfromd
#   --parts LIST    only these parts, comma-separated, of: ratio, latency, series, noreply, scale,
#                   growth, mailfromd, rspamd (default: all of them)
#   --out DIR       where results and logs go (default: /tmp/pmult-load-<date>)
# Env: REPEAT (ratio runs per point, default 3), WARMUP, DURATION (per run, default 5s and 10s),
#      START_MFD (mailfromd starter, default integration-tests/peers/start-mailfromd.sh),
#      START_RSPAMD (rspamd starter, default integration-tests/peers/start-rspamd.sh),
#      JAVA (default java), BASE_PORT (default 17300; uses BASE_PORT .. BASE_PORT+12).
#
# pmult runs in four configurations side by side against the fast milter: the defaults (which
# reuse Milter connections once the milter has taken SMFIC_QUIT_NC, as the fast milter does);
# "one connection per session" (reuse-connections no: what Sendmail and Postfix do); "tuned", the
# defaults plus event-loops spin 50us; and "series", the defaults with two fast milters in series
# (a second continue-milter on its own port). The noreply part runs a third continue-milter with
# --no-reply (it negotiates SMFIP_NR_* for every stage before end of message, as rspamd does) and a
# pmult with the defaults in front of it, direct against through pmult at 1 and 100 sessions.
# Against mailfromd (which refuses QUIT_NC): the
# defaults, and spin 50us. Against rspamd (it negotiates SMFIP_NR_* for every stage before end of
# message and answers ACCEPT there): the defaults, at 1 and 10 sessions, after a minute's warm-up.
# Needs Linux (/proc) for the CPU, thread and memory columns; python3 for the tables.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
JAVA=${JAVA:-java}
BUILD=1
MAILFROMD=1
QUICK=0
PARTS=ratio,latency,series,noreply,scale,growth,mailfromd,rspamd
OUT=/tmp/pmult-load-$(date +%Y%m%d-%H%M%S)
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) QUICK=1 ;;
        --no-build) BUILD=0 ;;
        --no-mailfromd) MAILFROMD=0 ;;
        --parts) PARTS=$2; shift ;;
        --out) OUT=$2; shift ;;
        *) echo "usage: $0 [--quick] [--no-build] [--no-mailfromd] [--parts LIST] [--out DIR]" >&2; exit 2 ;;
    esac
    shift
done
if [ $QUICK = 1 ]; then
    REPEAT=${REPEAT:-1}; WARMUP=${WARMUP:-3s}; DURATION=${DURATION:-5s}
else
    REPEAT=${REPEAT:-3}; WARMUP=${WARMUP:-5s}; DURATION=${DURATION:-10s}
fi
part() { case ",$PARTS," in *",$1,"*) return 0 ;; *) return 1 ;; esac; }
part mailfromd || MAILFROMD=0
BASE_PORT=${BASE_PORT:-17300}
MILTER_PORT=$BASE_PORT
PMULT_PORT=$((BASE_PORT + 1))
MFD_PORT=$((BASE_PORT + 2))
PMULT_MFD_PORT=$((BASE_PORT + 3))
PMULT_REUSE_PORT=$((BASE_PORT + 4))
PMULT_TUNED_PORT=$((BASE_PORT + 5))
PMULT_MFD_SPIN_PORT=$((BASE_PORT + 6))
MILTER2_PORT=$((BASE_PORT + 7))
PMULT_SERIES_PORT=$((BASE_PORT + 8))
MILTER_NR_PORT=$((BASE_PORT + 9))
PMULT_NR_PORT=$((BASE_PORT + 10))
RSPAMD_PORT=$((BASE_PORT + 11))
PMULT_RSPAMD_PORT=$((BASE_PORT + 12))
mkdir -p "$OUT"
RESULTS=$OUT/results.txt
: > "$RESULTS"

PMULT_JAR=$ROOT/pmult-server/target/pmult.jar
SIM_JAR=$ROOT/pmult-sim/target/pmult-sim.jar
STARTED=()   # pids this script started; only these are stopped

log() { echo "run-load: $*" >&2; }

cleanup() {
    for pid in "${STARTED[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${STARTED[@]}"; do
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    done
}
trap cleanup EXIT

wait_for_line() {   # FILE PATTERN SECONDS
    for _ in $(seq $(($3 * 10))); do
        grep -q "$2" "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "run-load: timed out waiting for \"$2\" in $1:" >&2; tail -20 "$1" >&2; exit 1
}

if [ $BUILD = 1 ]; then
    log "building pmult and pmult-sim (mvn package, tests skipped)"
    (cd "$ROOT" && mvn -B -q -o -DskipTests -pl pmult-server,pmult-sim -am package)
fi
[ -f "$PMULT_JAR" ] && [ -f "$SIM_JAR" ] || { log "missing $PMULT_JAR or $SIM_JAR (run without --no-build)"; exit 1; }

# ---- the machine ------------------------------------------------------------------------------
{
    echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "nproc: $(nproc)"
    echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
    echo "memory: $(free -m | awk '/^Mem:/ {print $2 " MiB"}')"
    echo "kernel: $(uname -r)"
    echo "java: $("$JAVA" -version 2>&1 | head -2 | tr '\n' ' ')"
    echo "commit: $(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo unknown)"
    echo "loadavg-before: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "parts: $PARTS"
} > "$OUT/machine.txt"
cat "$OUT/machine.txt" >&2

# ---- the fast milter and pmult, each in its own JVM ---------------------------------------------
"$JAVA" -Xms256m -Xmx256m -jar "$SIM_JAR" continue-milter --listen "inet://127.0.0.1:$MILTER_PORT" \
    > "$OUT/continue-milter.log" 2>&1 &
MILTER_PID=$!; STARTED+=("$MILTER_PID")
wait_for_line "$OUT/continue-milter.log" "listening" 20
# the second milter of the series runs (same program, its own JVM and port)
"$JAVA" -Xms256m -Xmx256m -jar "$SIM_JAR" continue-milter --listen "inet://127.0.0.1:$MILTER2_PORT" \
    > "$OUT/continue-milter-2.log" 2>&1 &
MILTER2_PID=$!; STARTED+=("$MILTER2_PID")
wait_for_line "$OUT/continue-milter-2.log" "listening" 20

start_pmult() {   # NAME LISTEN_PORT MILTER_URL [CLIENT_STATEMENTS [TOP_LEVEL_STATEMENTS [SECOND_MILTER_URL]]] -> PMULT_PID
    cat > "$OUT/$1.conf" <<EOF
listen inet://127.0.0.1:$2;
${5:-}
client milter {
  url $3;
  ${4:-}
}
EOF
    if [ -n "${6:-}" ]; then   # a second milter, asked after the first (in series)
        printf 'client milter2 {\n  url %s;\n  %s\n}\n' "$6" "${4:-}" >> "$OUT/$1.conf"
    fi
    "$JAVA" -Xmx512m -Xlog:gc:file="$OUT/$1-gc.log" -jar "$PMULT_JAR" --config "$OUT/$1.conf" --foreground \
        > "$OUT/$1.log" 2>&1 &
    PMULT_PID=$!; STARTED+=("$PMULT_PID")
    wait_for_line "$OUT/$1.log" "pmult .* started" 30
}
start_pmult pmult "$PMULT_PORT" "inet://127.0.0.1:$MILTER_PORT"
PMULT_FAST=$PMULT_PID
# a second pmult with one Milter connection per session, as Sendmail and Postfix (no SMFIC_QUIT_NC)
start_pmult pmult-noreuse "$PMULT_REUSE_PORT" "inet://127.0.0.1:$MILTER_PORT" "reuse-connections no;"
PMULT_REUSE=$PMULT_PID
# a third that also spins its event loops for 50 us before they sleep
start_pmult pmult-tuned "$PMULT_TUNED_PORT" "inet://127.0.0.1:$MILTER_PORT" "" "event-loops { spin 50us; }"
PMULT_TUNED=$PMULT_PID
# and a fourth with two milters in series: every command goes to the second after the first continued
start_pmult pmult-series "$PMULT_SERIES_PORT" "inet://127.0.0.1:$MILTER_PORT" "" "" "inet://127.0.0.1:$MILTER2_PORT"
PMULT_SERIES=$PMULT_PID
# the noreply part: a milter that answers only end of message, and pmult (defaults) in front of it
MILTER_NR_PID=; PMULT_NR=
if part noreply; then
    "$JAVA" -Xms256m -Xmx256m -jar "$SIM_JAR" continue-milter --no-reply --listen "inet://127.0.0.1:$MILTER_NR_PORT" \
        > "$OUT/continue-milter-noreply.log" 2>&1 &
    MILTER_NR_PID=$!; STARTED+=("$MILTER_NR_PID")
    wait_for_line "$OUT/continue-milter-noreply.log" "listening" 20
    start_pmult pmult-noreply "$PMULT_NR_PORT" "inet://127.0.0.1:$MILTER_NR_PORT"
    PMULT_NR=$PMULT_PID
    log "noreply: continue milter --no-reply pid $MILTER_NR_PID on $MILTER_NR_PORT, pmult pid $PMULT_NR on $PMULT_NR_PORT"
fi
log "continue milters pids $MILTER_PID on $MILTER_PORT, $MILTER2_PID on $MILTER2_PORT; pmult pids:" \
    "defaults $PMULT_FAST on $PMULT_PORT, one connection per session $PMULT_REUSE on $PMULT_REUSE_PORT," \
    "tuned $PMULT_TUNED on $PMULT_TUNED_PORT, series $PMULT_SERIES on $PMULT_SERIES_PORT (-Xmx512m each)"

# run LABEL MODE [pmult-sim load options...]: one generator run, its result line appended to results.txt
run() {
    local label=$1 mode=$2; shift 2
    local port=$PMULT_PORT target_pid=$PMULT_FAST milter_pid=$MILTER_PID watch2=()
    [ "$mode" = milter ] && port=$MILTER_PORT
    if [ -n "${TARGET_PORT:-}" ]; then port=$TARGET_PORT; fi
    if [ -n "${TARGET_PMULT_PID:-}" ]; then target_pid=$TARGET_PMULT_PID; fi
    if [ -n "${TARGET_MILTER_PID:-}" ]; then milter_pid=$TARGET_MILTER_PID; fi
    if [ -n "${SECOND_MILTER_PID:-}" ]; then watch2=(--watch "milter2=$SECOND_MILTER_PID"); fi
    local before after line
    before=$(cut -d' ' -f1 /proc/loadavg)
    line=$("$JAVA" -Xmx1g -jar "$SIM_JAR" load --mode "$mode" --connect "inet://127.0.0.1:$port" \
        --warmup "$WARMUP" --duration "$DURATION" --watch "pmult=$target_pid" --watch "milter=$milter_pid" "${watch2[@]}" "$@" \
        2> "$OUT/last-generator.err" | tee -a "$OUT/generator.log" | grep '^result ' || true)
    after=$(cut -d' ' -f1 /proc/loadavg)
    if [ -z "$line" ]; then
        log "$label: no result (see $OUT/last-generator.err)"; cat "$OUT/last-generator.err" >&2
        return
    fi
    echo "label=$label loadavg=$before/$after $line" >> "$RESULTS"
    log "$label $mode: $(echo "$line" | grep -o 'tps=[^ ]*') $(echo "$line" | grep -o 'p99_us=[^ ]*') $(echo "$line" | grep -o 'errors=[^ ]*') $(echo "$line" | grep -o 'steal_pct=[^ ]*' || true)"
}

# JIT warm-up of pmult and the milter (not reported)
log "warming up pmult and the milter (20 s)"
WARMUP=2s DURATION=18s run warmup pmilter --sessions 50 > /dev/null
noreuse() {   # run ... against the pmult with one Milter connection per session
    TARGET_PORT=$PMULT_REUSE_PORT TARGET_PMULT_PID=$PMULT_REUSE run "$@"
}
tuned() {   # run ... against the pmult that spins
    TARGET_PORT=$PMULT_TUNED_PORT TARGET_PMULT_PID=$PMULT_TUNED run "$@"
}
series() {   # run ... against the pmult with two milters in series
    TARGET_PORT=$PMULT_SERIES_PORT TARGET_PMULT_PID=$PMULT_SERIES SECOND_MILTER_PID=$MILTER2_PID run "$@"
}
against() {   # MILTER_PORT MILTER_PID PMULT_PORT PMULT_PID LABEL MODE ...: run with a milter of its own,
              # straight to it (milter mode) or through the pmult in front of it (pmilter mode)
    local milter_port=$1 milter_pid=$2 port=$3 pmult_pid=$4
    shift 4
    [ "$2" = milter ] && port=$milter_port
    TARGET_PORT=$port TARGET_PMULT_PID=$pmult_pid TARGET_MILTER_PID=$milter_pid run "$@"
}
noreply() {   # run ... against the no-reply milter, direct (milter mode) or through its pmult (pmilter mode)
    against "$MILTER_NR_PORT" "$MILTER_NR_PID" "$PMULT_NR_PORT" "$PMULT_NR" "$@"
}
WARMUP=2s DURATION=18s noreuse warmup pmilter --sessions 50 > /dev/null
WARMUP=2s DURATION=18s tuned warmup pmilter --sessions 50 > /dev/null
if part series; then WARMUP=2s DURATION=18s series warmup pmilter --sessions 50 > /dev/null; fi
if part noreply; then
    WARMUP=2s DURATION=18s noreply warmup milter --sessions 50 > /dev/null
    WARMUP=2s DURATION=18s noreply warmup pmilter --sessions 50 > /dev/null
fi
sed -i '/^label=warmup /d' "$RESULTS"

# ---- 1. throughput ratio at 1, 100, 1000 sessions (saturating closed loop), interleaved ----------
# with the series part: two milters in series in the same rounds, against the defaults' one
if part ratio; then
for rep in $(seq "$REPEAT"); do
    for sessions in 1 100 1000; do
        extra=()
        [ "$sessions" = 1000 ] && extra=(--connections 4 --ramp-up 2s)
        run "ratio-$sessions" milter --sessions "$sessions" "${extra[@]}"
        run "ratio-$sessions" pmilter --sessions "$sessions" "${extra[@]}"
        noreuse "ratio-noreuse-$sessions" pmilter --sessions "$sessions" "${extra[@]}"
        tuned "ratio-tuned-$sessions" pmilter --sessions "$sessions" "${extra[@]}"
        if part series; then series "ratio-series-$sessions" pmilter --sessions "$sessions" "${extra[@]}"; fi
    done
done
fi

# ---- 1b. the same ratio against a milter that negotiated no reply before end of message ----------
if part noreply; then
for rep in $(seq "$REPEAT"); do
    for sessions in 1 100; do
        noreply "ratio-noreply-$sessions" milter --sessions "$sessions"
        noreply "ratio-noreply-$sessions" pmilter --sessions "$sessions"
    done
done
fi

# ---- 2. added latency at 1000 sessions, below saturation: 250 ms think time after each SMTP command --
if part latency; then
for rep in $(seq "$REPEAT"); do
    WARMUP=8s run latency-1000 milter --sessions 1000 --think 250ms --ramp-up 5s
    WARMUP=8s run latency-1000 pmilter --sessions 1000 --connections 4 --think 250ms --ramp-up 5s
    WARMUP=8s noreuse latency-noreuse-1000 pmilter --sessions 1000 --connections 4 --think 250ms --ramp-up 5s
    WARMUP=8s tuned latency-tuned-1000 pmilter --sessions 1000 --connections 4 --think 250ms --ramp-up 5s
    if part series; then
        WARMUP=8s series latency-series-1000 pmilter --sessions 1000 --connections 4 --think 250ms --ramp-up 5s
    fi
done
fi

kill "$PMULT_REUSE" "$PMULT_TUNED" "$PMULT_SERIES" "$MILTER2_PID" $PMULT_NR $MILTER_NR_PID 2>/dev/null || true

# ---- 3. scale: 10,000 concurrent sessions through pmult (heap <= 512 MiB, threads counted) -------
# 2 s think time: every session stays open ~10 s, so all 10,000 are open at once below saturation.
if part scale; then
(
    sleep $((15 + 10))   # warm-up 15 s, then mid-window: live heap after a full GC (jcmd forces one)
    jcmd "$PMULT_FAST" GC.class_histogram 2>/dev/null | tail -1 > "$OUT/scale-live-heap.txt" || true
    cat /proc/"$PMULT_FAST"/status 2>/dev/null | grep -E '^(Threads|VmRSS|VmHWM):' > "$OUT/scale-status.txt" || true
    ls /proc/"$PMULT_FAST"/fd 2>/dev/null | wc -l > "$OUT/scale-fds.txt" || true
) &
PROBE=$!
WARMUP=15s DURATION=20s run scale-10000 pmilter --sessions 10000 --connections 8 --think 2s --ramp-up 10s --threads 2
wait "$PROBE"
run scale-1 pmilter --sessions 1 --think 2s
fi

# ---- 4. growth: sessions, recipients, message size (one run each) -----------------------------
part growth && for mode in milter pmilter; do
    run growth-sessions-10 "$mode" --sessions 10
    run growth-rcpt-1 "$mode" --sessions 100 --recipients 1
    run growth-rcpt-5 "$mode" --sessions 100 --recipients 5
    run growth-size-1K "$mode" --sessions 100 --message-size 1K
    run growth-size-10K "$mode" --sessions 100 --message-size 10K
    run growth-size-100K "$mode" --sessions 100 --message-size 100K
done

# ---- 5. the realistic figure: GNU mailfromd as the milter ----------------------------------------
START_MFD=${START_MFD:-$(cd "$(dirname "$0")/.." && pwd)/integration-tests/peers/start-mailfromd.sh}
if [ $MAILFROMD = 1 ] && [ -x "$START_MFD" ]; then
    kill "$PMULT_FAST" 2>/dev/null || true   # free its CPU
    MFD_PID=$(MFD_FILTER=$HERE/soak-filter.mfl "$START_MFD" "inet:$MFD_PORT@127.0.0.1" "$OUT/mailfromd" 2>>"$OUT/mailfromd-start.log") || MFD_PID=
    if [ -n "$MFD_PID" ]; then
        STARTED+=("$MFD_PID")
        start_pmult pmult-mailfromd "$PMULT_MFD_PORT" "inet://127.0.0.1:$MFD_PORT"
        PMULT_MFD=$PMULT_PID
        start_pmult pmult-mailfromd-spin "$PMULT_MFD_SPIN_PORT" "inet://127.0.0.1:$MFD_PORT" "" "event-loops { spin 50us; }"
        PMULT_MFD_SPIN=$PMULT_PID
        log "warming up the pmults in front of mailfromd (2 x 15 s)"
        TARGET_MILTER_PID=$MFD_PID TARGET_PMULT_PID=$PMULT_MFD TARGET_PORT=$PMULT_MFD_PORT WARMUP=2s DURATION=13s \
            run warmup pmilter --sessions 10 > /dev/null
        TARGET_MILTER_PID=$MFD_PID TARGET_PMULT_PID=$PMULT_MFD_SPIN TARGET_PORT=$PMULT_MFD_SPIN_PORT WARMUP=2s \
            DURATION=13s run warmup pmilter --sessions 10 > /dev/null
        sed -i '/^label=warmup /d' "$RESULTS"
        for rep in $(seq "$REPEAT"); do
            for sessions in 1 10 50; do
                TARGET_MILTER_PID=$MFD_PID TARGET_PMULT_PID=$PMULT_MFD TARGET_PORT=$MFD_PORT \
                    run "mailfromd-$sessions" milter --sessions "$sessions"
                TARGET_MILTER_PID=$MFD_PID TARGET_PMULT_PID=$PMULT_MFD TARGET_PORT=$PMULT_MFD_PORT \
                    run "mailfromd-$sessions" pmilter --sessions "$sessions"
                TARGET_MILTER_PID=$MFD_PID TARGET_PMULT_PID=$PMULT_MFD_SPIN TARGET_PORT=$PMULT_MFD_SPIN_PORT \
                    run "mailfromd-spin-$sessions" pmilter --sessions "$sessions"
            done
        done
    else
        log "mailfromd did not start (see $OUT/mailfromd-start.log); skipping its runs"
    fi
fi

# ---- 6. rspamd, the milter that answers only end of message ---------------------------------------
START_RSPAMD=${START_RSPAMD:-$ROOT/integration-tests/peers/start-rspamd.sh}
if part rspamd && [ -x "$START_RSPAMD" ] && command -v rspamd > /dev/null; then
    kill "$PMULT_FAST" "$MILTER_PID" 2>/dev/null || true   # free their CPU
    RSPAMD_MAIN=$("$START_RSPAMD" "inet:$RSPAMD_PORT@127.0.0.1" "$OUT/rspamd" 2>>"$OUT/rspamd-start.log") || RSPAMD_MAIN=
    if [ -n "$RSPAMD_MAIN" ]; then
        STARTED+=("$RSPAMD_MAIN")
        # the proxy worker scans (self_scan) and answers Milter: its CPU is rspamd's per transaction
        RSPAMD_PID=$(pgrep -P "$RSPAMD_MAIN" -f rspamd_proxy | head -1)
        start_pmult pmult-rspamd "$PMULT_RSPAMD_PORT" "inet://127.0.0.1:$RSPAMD_PORT"
        PMULT_RSPAMD=$PMULT_PID
        rspamd_run() {   # LABEL MODE SESSIONS
            against "$RSPAMD_PORT" "$RSPAMD_PID" "$PMULT_RSPAMD_PORT" "$PMULT_RSPAMD" "$1" "$2" --sessions "$3"
        }
        # rspamd takes most of the CPU, so the JIT compilers of pmult take minutes to catch up
        log "warming up pmult in front of rspamd (60 s)"
        WARMUP=2s DURATION=58s rspamd_run warmup pmilter 10 > /dev/null
        sed -i '/^label=warmup /d' "$RESULTS"
        for rep in $(seq "$REPEAT"); do
            for sessions in 1 10; do
                rspamd_run "rspamd-$sessions" milter "$sessions"
                rspamd_run "rspamd-$sessions" pmilter "$sessions"
            done
        done
        "$START_RSPAMD" --stop "$OUT/rspamd" 2>/dev/null || true
    else
        log "rspamd did not start (see $OUT/rspamd-start.log); skipping its runs"
    fi
fi

echo "loadavg-after: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$OUT/machine.txt"
log "results in $OUT"
python3 "$HERE/load-report.py" "$OUT"
