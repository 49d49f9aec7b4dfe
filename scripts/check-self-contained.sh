#!/usr/bin/env bash
# Fails when a tracked file refers to a path outside this checkout: a user clones only this
# repository, so scripts, tests, docs and build files may name only what is inside it (and
# scratch places like /tmp). The patterns are the places beside the checkout where the
# developers' reading material and tools live.
set -euo pipefail
cd "$(dirname "$0")/.."
outside=('../shared' '/work/shared' '/work/main' '/work/.library' '/work/wt/')
if hits=$(git grep -n -I -F -f <(printf '%s\n' "${outside[@]}") -- . ':!scripts/check-self-contained.sh'); then
    echo "check-self-contained: these lines refer to paths outside the repository:" >&2
    echo "$hits" >&2
    exit 1
fi
echo "check-self-contained: no reference to a path outside the repository"
