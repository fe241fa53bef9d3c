#!/usr/bin/env bash
# UDP discovery through the role needs every host's beacon running before any
# host probes. Under the linear strategy in one batch it finds every host.
# Under free (with one host five seconds slower) and host_pinned, and with
# serial batches and no beacon service, every host refuses before it writes
# anything, naming the strategy or serial and what to use instead.
set -eux -o pipefail
export ANSIBLE_DEPRECATION_WARNINGS=true  # ansible-test turns them off; TESTING.md says why they are on

PYTHON="${ANSIBLE_TEST_PYTHON_INTERPRETER:-python3}"
LAB_FILES="$(cd ../setup_lab/files && pwd)"
HERE="$(pwd)"
# A subnet of its own, so this lab never meets another target's.
SUBNET=89
HOSTS=(h1 h2 h3)
WORK="$(mktemp -d /tmp/peerage-udp-strategy.XXXXXX)"
# The play's beacons run as nobody: they must reach their program under WORK (not list it).
chmod 0711 "${WORK}"
STATE="${WORK}/lab"

lab() {
    "${PYTHON}" "${LAB_FILES}/lab.py" "$@"
}
trap 'lab down --state "${STATE}"; rm -rf "${WORK}"' EXIT
lab up --state "${STATE}" --hosts "${#HOSTS[@]}" --subnet "${SUBNET}"

play() {
    ansible-playbook -i "${STATE}/inventory.ini" "${HERE}/site.yml" -e "work=${WORK}" "$@" 2>&1 | tee "${WORK}/play.log"
}

peer_files() {
    local host
    for host in "${HOSTS[@]}"; do
        printf '%s: %s\n' "${host}" "$(grep -v '^#' "${WORK}/${host}/peers.txt" 2>/dev/null | paste -sd ' ')"
    done
}

# --- linear, one batch: every host finds all three ---------------------------
play
ALL="app@198.18.${SUBNET}.11 app@198.18.${SUBNET}.12 app@198.18.${SUBNET}.13"
peer_files | tee "${WORK}/written"
[ "$(peer_files)" = "$(printf 'h1: %s\nh2: %s\nh3: %s' "${ALL}" "${ALL}" "${ALL}")" ]
# serial 100% is one batch: the same.
play -e play_serial=100%
[ "$(peer_files)" = "$(cat "${WORK}/written")" ]

# --- free, h3 five seconds slower: every host refuses, nothing is written ----
rm -f "${WORK}"/h*/peers.txt
status=0
ANSIBLE_STRATEGY=free play -e slow_host=h3 || status=$?
peer_files
[ "${status}" -ne 0 ]
for host in "${HOSTS[@]}"; do
    grep "^fatal: \[${host}\]: FAILED!" "${WORK}/play.log" | grep -qF \
        "strategy free does not finish a task on every host before the next one starts"
    grep "^fatal: \[${host}\]: FAILED!" "${WORK}/play.log" | grep -qF "Run the role with strategy: linear"
    [ ! -e "${WORK}/${host}/peers.txt" ]
done

# --- host_pinned: the same ----------------------------------------------------
if ANSIBLE_STRATEGY=host_pinned play; then exit 1; fi
for host in "${HOSTS[@]}"; do
    grep "^fatal: \[${host}\]: FAILED!" "${WORK}/play.log" | grep -qF "strategy host_pinned does not finish a task"
    [ ! -e "${WORK}/${host}/peers.txt" ]
done

# --- serial 2 without beacon services: batch 1 refuses, batch 2 never runs ---
if play -e play_serial=2; then exit 1; fi
for host in h1 h2; do
    grep "^fatal: \[${host}\]: FAILED!" "${WORK}/play.log" | grep -qF \
        'runs the play in batches: an earlier batch has finished the play and stopped its play beacons'
    [ ! -e "${WORK}/${host}/peers.txt" ]
done
[ ! -e "${WORK}/h3/peers.txt" ]
