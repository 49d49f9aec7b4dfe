#!/bin/bash
# Starts a private Postfix instance (Debian's package) on loopback for pmult's integration tests.
#
#   start-postfix.sh WORKDIR PORT MILTERS    start; returns once smtpd accepts on 127.0.0.1:PORT
#   start-postfix.sh --stop WORKDIR          stop the instance started with WORKDIR (and any leftovers)
#
# WORKDIR gets etc/ (main.cf, master.cf), queue/ and data/; nothing outside it is written. smtpd
# listens on 127.0.0.1:PORT and [::1]:PORT, relays for loopback clients only and delivers every
# message to discard:, so nothing leaves the machine. MILTERS is Postfix's smtpd_milters value
# (e.g. "inet:127.0.0.1:10025, inet:127.0.0.1:10026"). PF_WAIT: seconds to wait (default 20).
# PF_OWNER_PID: a process (the test JVM) whose end stops the instance too, should nobody stop it.
# Must run as root (Postfix's master drops to the package's "postfix" user). Logs: WORKDIR/postfix.log.
set -eu

fail() { echo "start-postfix.sh: $*" >&2; exit 1; }
POSTFIX=/usr/sbin/postfix

stop() {
    local dir=$1 pid n=0
    [ -d "$dir/etc" ] || return 0
    "$POSTFIX" -c "$dir/etc" stop >/dev/null 2>&1 || true
    pid=$(cat "$dir/queue/pid/master.pid" 2>/dev/null | tr -d ' ' || true)
    if [ -n "$pid" ]; then
        while kill -0 "$pid" 2>/dev/null && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
        kill -9 "$pid" 2>/dev/null || true
    fi
    # Children of a master that was killed hard still carry the instance's directory in their environment.
    for proc in /proc/[0-9]*; do
        if { tr "\0" "\n" <"$proc/environ"; } 2>/dev/null | grep -qx "MAIL_CONFIG=$dir/etc"; then
            kill -9 "${proc#/proc/}" 2>/dev/null || true
        fi
    done
}

if [ "${1:-}" = --stop ]; then
    [ $# -eq 2 ] || fail "usage: $0 --stop WORKDIR"
    stop "$2"
    exit 0
fi
[ $# -eq 3 ] || fail "usage: $0 WORKDIR PORT MILTERS"
WORKDIR=$1 PORT=$2 MILTERS=$3
[ -x "$POSTFIX" ] || fail "$POSTFIX is missing: apt-get install postfix"
[ "$(id -u)" = 0 ] || fail "must run as root (Postfix's master runs as root and drops to user postfix)"
id postfix >/dev/null 2>&1 || fail "user postfix is missing: reinstall Debian's postfix package"
case "$WORKDIR" in /*) ;; *) fail "WORKDIR must be absolute, got $WORKDIR" ;; esac

stop "$WORKDIR"
mkdir -p "$WORKDIR/etc" "$WORKDIR/queue" "$WORKDIR/data"
# Postfix checks that the path to its directories is not writable by others.
chmod 755 "$WORKDIR"
chown postfix "$WORKDIR/data"
: >"$WORKDIR/postfix.log"
chmod 666 "$WORKDIR/postfix.log"

cat >"$WORKDIR/etc/main.cf" <<MAIN
# Written by start-postfix.sh for one test run.
compatibility_level = 3.6
config_directory = $WORKDIR/etc
queue_directory = $WORKDIR/queue
data_directory = $WORKDIR/data
maillog_file = $WORKDIR/postfix.log
maillog_file_prefixes = $WORKDIR
myhostname = mx.pmult.test
mydomain = pmult.test
myorigin = pmult.test
mydestination =
inet_interfaces = 127.0.0.1, [::1]
inet_protocols = all
mynetworks = 127.0.0.0/8, [::1]/128
smtpd_relay_restrictions = permit_mynetworks, reject
smtpd_peername_lookup = no
smtpd_milters = $MILTERS
milter_default_action = tempfail
# Tell the milter about the message as the client sent it: no headers added for "local" clients.
local_header_rewrite_clients =
default_transport = discard
relay_transport = discard
local_transport = discard
virtual_transport = discard
biff = no
smtputf8_enable = no
alias_maps =
alias_database =
MAIN

cat >"$WORKDIR/etc/master.cf" <<MASTER
127.0.0.1:$PORT inet n - n - - smtpd
[::1]:$PORT     inet n - n - - smtpd
pickup     unix n - n 60 1 pickup
cleanup    unix n - n - 0 cleanup
qmgr       unix n - n 300 1 qmgr
rewrite    unix - - n - - trivial-rewrite
bounce     unix - - n - 0 bounce
defer      unix - - n - 0 bounce
trace      unix - - n - 0 bounce
verify     unix - - n - 1 verify
flush      unix n - n 1000? 0 flush
proxymap   unix - - n - - proxymap
smtp       unix - - n - - smtp
relay      unix - - n - - smtp
showq      unix n - n - - showq
error      unix - - n - - error
retry      unix - - n - - error
discard    unix - - n - - discard
anvil      unix - - n - 1 anvil
scache     unix - - n - 1 scache
postlog    unix-dgram n - n - 1 postlogd
MASTER

export MAIL_CONFIG=$WORKDIR/etc
"$POSTFIX" -c "$WORKDIR/etc" start >&2 || { cat "$WORKDIR/postfix.log" >&2; fail "postfix start failed"; }

deadline=$((SECONDS + ${PF_WAIT:-20}))
until (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; do
    [ $SECONDS -lt $deadline ] || { cat "$WORKDIR/postfix.log" >&2; stop "$WORKDIR"; fail "127.0.0.1:$PORT not accepting after ${PF_WAIT:-20}s"; }
    sleep 0.1
done
if [ -n "${PF_OWNER_PID:-}" ]; then
    # A watchdog, detached from this script: stops the instance once its owner is gone.
    setsid bash -c 'while kill -0 "$1" 2>/dev/null && [ -d "$2/etc" ]; do sleep 2; done; "$3" --stop "$2"' \
        watchdog "$PF_OWNER_PID" "$WORKDIR" "$(readlink -f "$0")" </dev/null >/dev/null 2>&1 &
fi
echo "postfix on 127.0.0.1:$PORT and [::1]:$PORT, milters $MILTERS, log $WORKDIR/postfix.log" >&2
