#!/bin/bash
# Starts rspamd (Debian's package) as a Milter for pmult's integration tests: the proxy worker in
# milter mode with self-scan, configured by peers/rspamd/rspamd.conf (no redis, no network).
#
#   start-rspamd.sh inet:PORT@127.0.0.1 WORKDIR    start; print the main process's pid once it accepts
#   start-rspamd.sh --stop WORKDIR                 stop the instance started with WORKDIR
#
# WORKDIR gets the pid file, rspamd.log and caches. RSPAMD_WAIT: seconds to wait (default 30).
# As root rspamd is started with --insecure (its workers would otherwise refuse to run as root).
# Everything but the pid goes to stderr.
set -eu
. "$(dirname "$0")/peer-lib.sh"
RSPAMD=/usr/bin/rspamd
PEERDIR=$(cd "$(dirname "$0")/rspamd" && pwd)

if [ "${1:-}" = --stop ]; then
    [ $# -eq 2 ] || fail "usage: $0 --stop WORKDIR"
    stop_peer "$2/start.pid"
    exit 0
fi
[ $# -eq 2 ] || fail "usage: $0 inet:PORT@127.0.0.1 WORKDIR"
SOCKET=$1 WORKDIR=$2
[ -x "$RSPAMD" ] || fail "$RSPAMD is missing: apt-get install rspamd"
parse_socket "$SOCKET"
[ -n "$PORT" ] || fail "rspamd listens on inet:PORT@127.0.0.1 here, got $SOCKET"
mkdir -p "$WORKDIR"
stop_peer "$WORKDIR/start.pid"

INSECURE=
[ "$(id -u)" != 0 ] || INSECURE=--insecure
# -f: no daemon; the main process leads its own process group, so stopping it stops the workers.
setsid "$RSPAMD" -f $INSECURE -c "$PEERDIR/rspamd.conf" \
    --var="PEERDIR=$PEERDIR" --var="WORKDIR=$WORKDIR" --var="BIND=127.0.0.1:$PORT" \
    --var="DBDIR=$WORKDIR" --var="RUNDIR=$WORKDIR" --var="LOGDIR=$WORKDIR" \
    >"$WORKDIR/stderr.log" 2>&1 </dev/null &
PID=$!
echo "$PID" >"$WORKDIR/start.pid"
wait_accepting rspamd "$PID" "$WORKDIR/stderr.log" "${RSPAMD_WAIT:-30}"
echo "rspamd pid $PID on $SOCKET, log $WORKDIR/rspamd.log" >&2
echo "$PID"
