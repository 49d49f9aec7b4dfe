#!/usr/bin/env bash
# Fails when a tracked file refers to a path outside this checkout: a user clones only this
# repository, so scripts, tests, docs and build files may name only what is inside it.
set -euo pipefail
cd "$(dirname "$0")/.."
parent=$(dirname "$(pwd)")
if hits=$(git grep -n -I -F -f <(printf '%s\n' '../shared' '/work/shared' "$parent/") -- . ':!scripts/check-self-contained.sh'); then
    echo "check-self-contained: these lines refer to paths outside the repository:" >&2
    echo "$hits" >&2
    exit 1
fi
echo "check-self-contained: no reference to a path outside the repository"
