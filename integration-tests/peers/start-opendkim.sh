#!/bin/bash
# Starts OpenDKIM (Debian's opendkim package) for pmult's integration tests.
#
#   start-opendkim.sh SOCKET WORKDIR     start with WORKDIR/opendkim.conf; print the pid once it accepts
#   start-opendkim.sh --stop WORKDIR     stop the instance started with WORKDIR
#
# SOCKET is inet:PORT@127.0.0.1 or unix:/absolute/path; it overrides any Socket in the file.
# WORKDIR must hold opendkim.conf (the caller writes it: mode, keys, canonicalization); the
# script adds nothing to it. opendkim logs to syslog only, so its stderr (WORKDIR/opendkim.log)
# holds just start-up errors. ODK_WAIT: seconds to wait for the socket (default 20).
# Everything but the pid goes to stderr. opendkim runs in its own process group.
set -eu
. "$(dirname "$0")/peer-lib.sh"
OPENDKIM=/usr/sbin/opendkim

if [ "${1:-}" = --stop ]; then
    [ $# -eq 2 ] || fail "usage: $0 --stop WORKDIR"
    stop_peer "$2/opendkim.pid"
    exit 0
fi
[ $# -eq 2 ] || fail "usage: $0 inet:PORT@127.0.0.1|unix:/path WORKDIR"
SOCKET=$1 WORKDIR=$2
[ -x "$OPENDKIM" ] || fail "$OPENDKIM is missing: apt-get install opendkim opendkim-tools"
[ -f "$WORKDIR/opendkim.conf" ] || fail "$WORKDIR/opendkim.conf is missing"
parse_socket "$SOCKET"
stop_peer "$WORKDIR/opendkim.pid"
[ -z "$UNIX_PATH" ] || { mkdir -p "$(dirname "$UNIX_PATH")"; rm -f "$UNIX_PATH"; }

# -f: stay in the foreground, so the pid is opendkim's own and the log gets its stderr.
setsid "$OPENDKIM" -f -x "$WORKDIR/opendkim.conf" -p "$SOCKET" >"$WORKDIR/opendkim.log" 2>&1 </dev/null &
PID=$!
echo "$PID" >"$WORKDIR/opendkim.pid"
wait_accepting opendkim "$PID" "$WORKDIR/opendkim.log" "${ODK_WAIT:-20}"
[ -z "$UNIX_PATH" ] || chmod 0777 "$UNIX_PATH" 2>/dev/null || true
echo "opendkim pid $PID on $SOCKET, config $WORKDIR/opendkim.conf" >&2
echo "$PID"
