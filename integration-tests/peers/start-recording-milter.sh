#!/bin/bash
# Starts recording-milter.py (a libmilter filter through Debian's python3-milter) for pmult's
# integration tests.
#
#   start-recording-milter.sh SOCKET WORKDIR    start; print the filter's pid on stdout once it accepts
#   start-recording-milter.sh --stop WORKDIR    stop the instance started with WORKDIR
#
# SOCKET is libmilter's spelling: inet:PORT@127.0.0.1 or unix:/absolute/path. WORKDIR receives
# record.tsv (one line per callback, see recording-milter.py), milter.pid and milter.log.
# RM_EOM, RM_MACROS and RM_SYMLIST pass through to the filter; RM_WAIT is the seconds to wait for
# the socket (default 20). Everything but the pid goes to stderr.
set -eu

fail() { echo "start-recording-milter.sh: $*" >&2; exit 1; }
HERE=$(cd "$(dirname "$0")" && pwd)
PYTHON=/usr/bin/python3

stop() {
    local pidfile=$1/milter.pid pid n=0
    [ -f "$pidfile" ] || return 0
    pid=$(cat "$pidfile")
    if [ -n "$pid" ] && kill "$pid" 2>/dev/null; then
        while kill -0 "$pid" 2>/dev/null && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
        kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$pidfile"
}

if [ "${1:-}" = --stop ]; then
    [ $# -eq 2 ] || fail "usage: $0 --stop WORKDIR"
    stop "$2"
    exit 0
fi
[ $# -eq 2 ] || fail "usage: $0 inet:PORT@127.0.0.1|unix:/path WORKDIR"
SOCKET=$1 WORKDIR=$2
"$PYTHON" -c 'import Milter' 2>/dev/null || fail "python3-milter is missing: apt-get install python3-milter"

case "$SOCKET" in
    inet:*@127.0.0.1) PORT=${SOCKET#inet:}; PORT=${PORT%@*}; UNIX_PATH= ;;
    unix:/*)          UNIX_PATH=${SOCKET#unix:}; PORT= ;;
    *)                fail "socket must be inet:PORT@127.0.0.1 or unix:/absolute/path, got $SOCKET" ;;
esac

mkdir -p "$WORKDIR"
stop "$WORKDIR"
if [ -n "$UNIX_PATH" ]; then
    mkdir -p "$(dirname "$UNIX_PATH")"
    rm -f "$UNIX_PATH"
fi
setsid "$PYTHON" "$HERE/recording-milter.py" "$SOCKET" "$WORKDIR/record.tsv" \
    >"$WORKDIR/milter.log" 2>&1 </dev/null &
PID=$!
echo "$PID" >"$WORKDIR/milter.pid"

accepts() {
    if [ -n "$UNIX_PATH" ]; then
        [ -S "$UNIX_PATH" ]
    else
        (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null
    fi
}
deadline=$((SECONDS + ${RM_WAIT:-20}))
until accepts; do
    kill -0 "$PID" 2>/dev/null || { cat "$WORKDIR/milter.log" >&2; fail "the filter exited before listening"; }
    [ $SECONDS -lt $deadline ] || { kill "$PID"; cat "$WORKDIR/milter.log" >&2; fail "$SOCKET not accepting after ${RM_WAIT:-20}s"; }
    sleep 0.1
done
[ -z "$UNIX_PATH" ] || chmod 0777 "$UNIX_PATH" 2>/dev/null || true
echo "recording-milter pid $PID on $SOCKET, record $WORKDIR/record.tsv" >&2
echo "$PID"
