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

. "$(dirname "$0")/peer-lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
PYTHON=/usr/bin/python3

if [ "${1:-}" = --stop ]; then
    [ $# -eq 2 ] || fail "usage: $0 --stop WORKDIR"
    stop_peer "$2/milter.pid"
    exit 0
fi
[ $# -eq 2 ] || fail "usage: $0 inet:PORT@127.0.0.1|unix:/path WORKDIR"
SOCKET=$1 WORKDIR=$2
"$PYTHON" -c 'import Milter' 2>/dev/null || fail "python3-milter is missing: apt-get install python3-milter"

parse_socket "$SOCKET"

mkdir -p "$WORKDIR"
stop_peer "$WORKDIR/milter.pid"
if [ -n "$UNIX_PATH" ]; then
    mkdir -p "$(dirname "$UNIX_PATH")"
    rm -f "$UNIX_PATH"
fi
setsid "$PYTHON" "$HERE/recording-milter.py" "$SOCKET" "$WORKDIR/record.tsv" \
    >"$WORKDIR/milter.log" 2>&1 </dev/null &
PID=$!
echo "$PID" >"$WORKDIR/milter.pid"

wait_accepting recording-milter "$PID" "$WORKDIR/milter.log" "${RM_WAIT:-20}"
[ -z "$UNIX_PATH" ] || chmod 0777 "$UNIX_PATH" 2>/dev/null || true
echo "recording-milter pid $PID on $SOCKET, record $WORKDIR/record.tsv" >&2
echo "$PID"
