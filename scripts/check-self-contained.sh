#!/usr/bin/env bash
# Fails when a tracked file refers to a path outside this checkout: a user clones only this
# repository, so scripts, tests, docs and build files may name only what is inside it (and
# scratch places like /tmp). The patterns are the places beside the checkout where the
# developers' reading material and tools live, written as regular expressions so that this
# file does not name them itself.
set -euo pipefail
cd "$(dirname "$0")/.."
outside='\.\./shared|/wor[k]/(shared|main|\.library|wt)/'
if hits=$(git grep -n -I -E "$outside" -- .); then
    echo "check-self-contained: these lines refer to paths outside the repository:" >&2
    echo "$hits" >&2
    exit 1
fi
echo "check-self-contained: no reference to a path outside the repository"
