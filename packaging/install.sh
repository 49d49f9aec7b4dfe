#!/bin/sh
# Installs pmult on a systemd host: the jar, the unit, the default configuration and the system
# user, and pmult-sim (the MeTA1 simulator) to check the deployment. Safe to run again (upgrades the jar and unit, never overwrites edited configuration) and
# starts nothing unless --enable or --start is given. See docs/operations.md.
set -eu

usage() {
    cat <<'USAGE'
Usage: install.sh [OPTIONS]

  --jar PATH      the runnable jar to install (default: pmult-server/target/pmult.jar next to
                  this script's directory; build it with `mvn -B -DskipTests package`)
  --sim-jar PATH  the pmult-sim jar to install beside it (default: pmult-sim/target/pmult-sim.jar,
                  built by the same command)
  --destdir DIR   install into DIR instead of / (for packaging); creates no user, runs no systemctl
  --no-user       do not create the pmult system user
  --enable        enable pmult.service so it starts at boot (does not start it now)
  --start         enable and (re)start pmult.service now
  -h, --help      show this help

Installs:
  /usr/share/pmult/pmult.jar                    replaced on every run
  /usr/share/pmult/pmult-sim.jar                replaced on every run
  /usr/local/bin/pmult-sim                      runs it (replaced on every run)
  /etc/systemd/system/pmult.service             replaced on every run (local changes: systemctl edit pmult)
  /usr/lib/sysusers.d/pmult.conf                the pmult system user
  /etc/pmult/pmult.conf, /etc/pmult/logback.xml kept if present; the shipped version is written
  /etc/default/pmult                            next to an edited file as FILE.new
  /usr/share/pmult/grafana/pmult-dashboard.json
  /usr/share/doc/pmult/operations.md
USAGE
}

here=$(cd "$(dirname "$0")" && pwd)
jar="$here/../pmult-server/target/pmult.jar"
sim_jar="$here/../pmult-sim/target/pmult-sim.jar"
destdir=""
create_user=yes
enable=no
start=no

while [ $# -gt 0 ]; do
    case "$1" in
        --jar) [ $# -ge 2 ] || { echo "install.sh: --jar needs a path" >&2; exit 2; }; jar=$2; shift 2 ;;
        --sim-jar) [ $# -ge 2 ] || { echo "install.sh: --sim-jar needs a path" >&2; exit 2; }; sim_jar=$2; shift 2 ;;
        --destdir) [ $# -ge 2 ] || { echo "install.sh: --destdir needs a directory" >&2; exit 2; }; destdir=$2; shift 2 ;;
        --no-user) create_user=no; shift ;;
        --enable) enable=yes; shift ;;
        --start) enable=yes; start=yes; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "install.sh: unknown option: $1 (see --help)" >&2; exit 2 ;;
    esac
done

if [ ! -f "$jar" ]; then
    echo "install.sh: jar not found: $jar (build it with: mvn -B -DskipTests package, or pass --jar PATH)" >&2
    exit 1
fi
if [ ! -f "$sim_jar" ]; then
    echo "install.sh: pmult-sim jar not found: $sim_jar (build it with: mvn -B -DskipTests package, or pass --sim-jar PATH)" >&2
    exit 1
fi
if [ -z "$destdir" ] && [ "$(id -u)" -ne 0 ]; then
    echo "install.sh: must run as root to install into / (or use --destdir DIR)" >&2
    exit 1
fi
if [ -n "$destdir" ]; then
    create_user=no
    if [ "$enable" = yes ]; then
        echo "install.sh: --enable/--start cannot be combined with --destdir" >&2
        exit 2
    fi
fi

say() { echo "install.sh: $*"; }

# Installs a file that belongs to pmult: always replaced.
install_owned() { # MODE SOURCE TARGET
    install -D -m "$1" "$2" "$destdir$3"
    say "installed $3"
}

# Installs a configuration file: created when missing, never overwritten once it exists.
install_config() { # MODE SOURCE TARGET
    target="$destdir$3"
    if [ ! -e "$target" ]; then
        install -D -m "$1" "$2" "$target"
        say "installed $3"
    elif cmp -s "$2" "$target"; then
        rm -f "$target.new"
        say "kept $3 (unchanged)"
    else
        install -D -m "$1" "$2" "$target.new"
        say "kept your $3; the shipped version is in $3.new"
    fi
}

# 1. The system user, first, so the configuration can be given to its group.
install_owned 0644 "$here/systemd/pmult.sysusers" /usr/lib/sysusers.d/pmult.conf
if [ "$create_user" = yes ]; then
    if getent passwd pmult >/dev/null 2>&1; then
        say "user pmult exists"
    elif command -v systemd-sysusers >/dev/null 2>&1; then
        systemd-sysusers /usr/lib/sysusers.d/pmult.conf
        say "created user pmult (systemd-sysusers)"
    else
        useradd --system --user-group --home-dir / --no-create-home --shell /usr/sbin/nologin pmult
        say "created user pmult (useradd)"
    fi
fi

# 2. The program and the unit.
install_owned 0644 "$jar" /usr/share/pmult/pmult.jar
install_owned 0644 "$sim_jar" /usr/share/pmult/pmult-sim.jar
install_owned 0755 "$here/bin/pmult-sim" /usr/local/bin/pmult-sim
install_owned 0644 "$here/systemd/pmult.service" /etc/systemd/system/pmult.service

# 3. Configuration: readable by pmult's group, writable by root only.
install -d -m 0750 "$destdir/etc/pmult"
install_config 0640 "$here/pmult.conf" /etc/pmult/pmult.conf
install_config 0640 "$here/logback.xml" /etc/pmult/logback.xml
install_config 0644 "$here/default/pmult" /etc/default/pmult
if [ -z "$destdir" ] && getent group pmult >/dev/null 2>&1; then
    chgrp pmult /etc/pmult /etc/pmult/pmult.conf /etc/pmult/logback.xml
    for new in /etc/pmult/pmult.conf.new /etc/pmult/logback.xml.new; do
        if [ -e "$new" ]; then chgrp pmult "$new"; fi
    done
fi

# 4. Dashboard and documentation.
install_owned 0644 "$here/grafana/pmult-dashboard.json" /usr/share/pmult/grafana/pmult-dashboard.json
if [ -f "$here/../docs/operations.md" ]; then
    install_owned 0644 "$here/../docs/operations.md" /usr/share/doc/pmult/operations.md
fi

# 5. systemd: only on a live systemd host, and only what was asked for.
if [ -z "$destdir" ] && [ -d /run/systemd/system ]; then
    systemctl daemon-reload
    if [ "$start" = yes ]; then
        systemctl enable pmult.service
        systemctl restart pmult.service
        say "pmult.service enabled and (re)started; check: systemctl status pmult"
    elif [ "$enable" = yes ]; then
        systemctl enable pmult.service
        say "pmult.service enabled (not started); start it with: systemctl start pmult"
    else
        say "done; nothing started. Review /etc/pmult/pmult.conf, then: systemctl enable --now pmult"
    fi
elif [ "$enable" = yes ]; then
    echo "install.sh: systemd is not running here; cannot enable or start pmult.service" >&2
    exit 1
else
    say "done; nothing started"
fi
