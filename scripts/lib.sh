# shellcheck shell=bash disable=SC2034  # the variables are used by the scripts that source this file
# Shared by scripts/bootstrap and scripts/test: paths and messages.

PEERAGE_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PEERAGE_BUILD="$PEERAGE_ROOT/.build"
PEERAGE_VENV="$PEERAGE_BUILD/venv"
# ansible-test only works on a checkout at .../ansible_collections/NAMESPACE/NAME/.
PEERAGE_COLLECTIONS="$PEERAGE_BUILD/collections"
PEERAGE_LAYOUT="$PEERAGE_COLLECTIONS/ansible_collections/peerage/peerage"

say() {
    printf '==> %s\n' "$*" >&2
}

die() {
    printf 'ERROR: %s\n' "$*" >&2
    exit 1
}

# Hold an exclusive lock on FILE for the rest of the script, so two runs
# started at once in the same checkout do not share one venv or layout.
hold_lock() {
    local file=$1 fd
    mkdir -p "$(dirname "$file")"
    exec {fd}>"$file"
    if ! flock -n "$fd"; then
        say "waiting for another run in this checkout ($file)"
        flock "$fd"
    fi
}
