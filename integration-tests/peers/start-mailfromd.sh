#!/bin/bash
# Starts GNU mailfromd (Debian's package) for pmult's integration tests and benchmarks.
#
#   start-mailfromd.sh SOCKET WORKDIR       start; print mailfromd's pid on stdout once it accepts
#   start-mailfromd.sh --stop WORKDIR       stop the instance started with WORKDIR
#
# SOCKET is mailfromd's spelling: inet:PORT@127.0.0.1 or unix:/absolute/path (loopback only).
# WORKDIR holds the filter copy, the state directory, mailfromd.pid and mailfromd.log.
# MFD_FILTER names the MFL script to run (required when starting); MFD_DEBUG a mailfromd
# --debug spec; MFD_WAIT the seconds to wait for the socket (default 20).
# Everything but the pid goes to stderr. Restarting with the same WORKDIR stops the old instance.
set -eu

. "$(dirname "$0")/peer-lib.sh"
MAILFROMD=/usr/sbin/mailfromd

# TERM to the master only, not peer-lib's stop_peer (the whole group): mailfromd then lets the
# children serving open sessions finish, as an administrator's restart does.
stop_master() {
    local pidfile=$1/mailfromd.pid pid n=0
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
    stop_master "$2"
    exit 0
fi
[ $# -eq 2 ] || fail "usage: $0 inet:PORT@127.0.0.1|unix:/path WORKDIR"
SOCKET=$1 WORKDIR=$2
[ -x "$MAILFROMD" ] || fail "$MAILFROMD is missing: apt-get install mailfromd"
[ -n "${MFD_FILTER:-}" ] && [ -f "$MFD_FILTER" ] || fail "MFD_FILTER must name the MFL script to run"

parse_socket "$SOCKET"

mkdir -p "$WORKDIR/state"
stop_master "$WORKDIR"
[ "$MFD_FILTER" -ef "$WORKDIR/filter.mfl" ] || cp "$MFD_FILTER" "$WORKDIR/filter.mfl"
if [ -n "$UNIX_PATH" ]; then
    mkdir -p "$(dirname "$UNIX_PATH")"
    rm -f "$UNIX_PATH"
fi
USER_OPTION=
if [ "$(id -u)" = 0 ]; then
    # As root mailfromd drops privileges to the package's "mailfromd" user, which must own its files.
    RUN_AS=mailfromd
    id "$RUN_AS" >/dev/null 2>&1 || RUN_AS=nobody
    chown -R "$RUN_AS" "$WORKDIR"
    [ -z "$UNIX_PATH" ] || chown "$RUN_AS" "$(dirname "$UNIX_PATH")"
    USER_OPTION=--user=$RUN_AS
fi
"$MAILFROMD" --no-config --lint "$WORKDIR/filter.mfl" >&2 || fail "$MFD_FILTER does not compile"

DEBUG_OPTION=
[ -z "${MFD_DEBUG:-}" ] || DEBUG_OPTION=--debug=$MFD_DEBUG
# shellcheck disable=SC2086
setsid "$MAILFROMD" --no-config --foreground --stderr $USER_OPTION $DEBUG_OPTION \
    --state-directory="$WORKDIR/state" --pidfile="$WORKDIR/state/mailfromd.pid" \
    --milter-socket="$SOCKET" "$WORKDIR/filter.mfl" >"$WORKDIR/mailfromd.log" 2>&1 </dev/null &
PID=$!
echo "$PID" >"$WORKDIR/mailfromd.pid"

# Ready once a connection is accepted; mailfromd logs the probe as "end of file", which is harmless.
wait_accepting mailfromd "$PID" "$WORKDIR/mailfromd.log" "${MFD_WAIT:-20}"
# The socket is created 0760 by the unprivileged user: let a non-root test JVM connect too.
[ -z "$UNIX_PATH" ] || chmod 0777 "$UNIX_PATH" 2>/dev/null || true
echo "mailfromd pid $PID on $SOCKET, log $WORKDIR/mailfromd.log" >&2
echo "$PID"
