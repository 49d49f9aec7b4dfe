# Shared by the start-*.sh scripts: parse a socket spec, wait until a peer accepts, stop it by its
# pid file. Source it; it defines functions only. Everything it prints goes to stderr.

fail() { echo "$(basename "$0"): $*" >&2; exit 1; }

# parse_socket SPEC: sets PORT (inet) or UNIX_PATH (unix), refusing anything but loopback.
parse_socket() {
    case "$1" in
        inet:*@127.0.0.1) PORT=${1#inet:}; PORT=${PORT%@*}; UNIX_PATH= ;;
        unix:/*)          UNIX_PATH=${1#unix:}; PORT= ;;
        *)                fail "socket must be inet:PORT@127.0.0.1 or unix:/absolute/path, got $1" ;;
    esac
}

# accepts: whether the socket from parse_socket takes a connection now.
accepts() {
    if [ -n "$UNIX_PATH" ]; then
        [ -S "$UNIX_PATH" ] || return 1
        command -v python3 >/dev/null 2>&1 || return 0
        python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).connect(sys.argv[1])' "$UNIX_PATH" 2>/dev/null
    else
        (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null
    fi
}

# wait_accepting NAME PID LOG SECONDS: returns once the socket accepts; fails (killing PID and
# printing LOG) when PID exits first or SECONDS pass.
wait_accepting() {
    local name=$1 pid=$2 log=$3 deadline=$((SECONDS + $4))
    until accepts; do
        kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; fail "$name exited before listening"; }
        if [ $SECONDS -ge "$deadline" ]; then
            kill "$pid" 2>/dev/null
            cat "$log" >&2
            fail "$name not accepting after $4 s"
        fi
        sleep 0.05
    done
}

# stop_peer PIDFILE: TERM, up to 5 s for the process group to go, then KILL; removes PIDFILE.
stop_peer() {
    local pidfile=$1 pid n=0
    [ -f "$pidfile" ] || return 0
    pid=$(cat "$pidfile")
    if [ -n "$pid" ] && kill -TERM -- "-$pid" 2>/dev/null; then
        while kill -0 -- "-$pid" 2>/dev/null && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
        kill -KILL -- "-$pid" 2>/dev/null || true
    fi
    rm -f "$pidfile"
}
