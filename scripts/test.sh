#!/usr/bin/env bash
# The README's test command: installs what the tests need from Debian's archive when it is missing
# (as root; otherwise it names the apt-get command to run), checks that the repository refers to
# nothing outside itself, then runs every test with Maven. Extra arguments go to Maven.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGE_LIST=integration-tests/peers/debian-packages
mapfile -t wanted < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$PACKAGE_LIST")
missing=()
for package in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "scripts/test.sh: missing Debian packages; install them as root, then run this again:" >&2
        echo "  apt-get install --no-install-recommends ${missing[*]}" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    # Postfix's installer asks for a mail setup: the tests configure their own instances.
    echo 'postfix postfix/main_mailer_type select No configuration' | debconf-set-selections
    echo "scripts/test.sh: installing ${missing[*]}" >&2
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

scripts/check-self-contained.sh
mvn -B verify "$@"
